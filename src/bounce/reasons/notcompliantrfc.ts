import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-notcompliantrfc.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'notcompliantrfc',
  fragments: Object.freeze([
    'duplicate header',
    'this message is not rfc 5322 compliant',
    'https://support.google.com/mail/?p=rfcmessagenoncompliant',
  ]),
  aligned: Object.freeze([
    Object.freeze([' multiple ', ' header']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail entspricht nicht den Internet-Standards (RFC 5322).', advice: 'Den technischen Ansprechpartner informieren; die Vorlage der E-Mail ist fehlerhaft.' }),
    en: Object.freeze({ summary: 'The message does not comply with the Internet standard (RFC 5322).', advice: 'Tell your technical contact; the message template is malformed.' }),
  }),
}) satisfies ReasonModule;
