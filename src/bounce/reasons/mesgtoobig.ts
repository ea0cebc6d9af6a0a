import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-mesgtoobig.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'mesgtoobig',
  fragments: Object.freeze([
    'exceeded maximum inbound message size',
    'exceeded the maximum incoming message size',
    'line limit exceeded',
    'max message size exceeded',
    'message file too big',
    'message length exceeds administrative limit',
    'message size exceeds fixed limit',
    'message size exceeds fixed maximum message size',
    'message size exceeds maximum value',
    'message too big',
    'message too large for this ',
    'size limit',
    'taille limite du message atteinte',
    'nachricht ist zu groß',
    'die nachricht ist zu groß',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail ist für den Server des Gastes zu groß.', advice: 'Anhänge verkleinern oder weglassen und erneut senden.' }),
    en: Object.freeze({ summary: "The message is too big for the guest's server.", advice: 'Shrink or drop attachments and send again.' }),
  }),
}) satisfies ReasonModule;
