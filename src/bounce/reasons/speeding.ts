import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-speeding.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'speeding',
  fragments: Object.freeze([
    'mail sent from your ip address has been temporarily rate limited',
    'please try again slower',
    'receiving mail at a rate that prevents additional messages from being delivered',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Es wurden zu schnell zu viele E-Mails gesendet.', advice: 'Nichts tun; die E-Mail wird automatisch später erneut gesendet.' }),
    en: Object.freeze({ summary: 'Too many messages were sent too quickly.', advice: 'Nothing to do; the message is retried automatically.' }),
  }),
}) satisfies ReasonModule;
