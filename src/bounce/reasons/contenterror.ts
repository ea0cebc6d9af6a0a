import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-contenterror.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'contenterror',
  fragments: Object.freeze([
    'duplicate header',
    'header size exceeds maximum permitted',
    'improper use of 8-bit data in message header',
    'message header size, or recipient list, exceeds policy limit',
    'message mime complexity exceeds the policy maximum',
    'routing loop detected -- too many received: headers',
    'this message contain invalid mime headers',
    'this message contain improperly-formatted binary content',
    'this message contain text that uses unnecessary base64 encoding',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes hat den Aufbau der E-Mail beanstandet.', advice: 'Den technischen Ansprechpartner informieren; die Vorlage der E-Mail ist fehlerhaft.' }),
    en: Object.freeze({ summary: "The guest's server objected to the structure of the message.", advice: 'Tell your technical contact; the message template is malformed.' }),
  }),
}) satisfies ReasonModule;
