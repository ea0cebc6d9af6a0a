import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-virusdetected.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'virusdetected',
  fragments: Object.freeze([
    'it has a potentially executable attachment',
    'the message was rejected because it contains prohibited virus or spam content',
    'this form of attachment has been used by recent viruses or other malware',
    'virus detected',
    'virus phishing/malicious_url detected',
    'your message was infected with a virus',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes hat in der E-Mail einen Virus vermutet.', advice: 'Anhänge prüfen und ohne verdächtige Dateien erneut senden.' }),
    en: Object.freeze({ summary: "The guest's server suspected a virus in the message.", advice: 'Check the attachments and send again without suspicious files.' }),
  }),
}) satisfies ReasonModule;
