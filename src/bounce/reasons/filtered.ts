import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-filtered.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'filtered',
  fragments: Object.freeze([
    'account is protected by',
    'bounced address',
    'has restricted sms e-mail',
    'is not accepting any mail',
    'message filtered',
    'message rejected due to user rules',
    'not found recipient account',
    'recipient id refuse to receive mail',
    'recipient is only accepting mail from specific email addresses',
    'refused due to recipient preferences',
    'user not found',
    'user refuses to receive this mail',
    'user reject',
    'you have been blocked by the recipient',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Empfänger oder sein Mailserver hat die E-Mail gefiltert und abgelehnt.', advice: 'Den Gast auf anderem Weg kontaktieren und bitten, die Absenderadresse des Hotels zuzulassen.' }),
    en: Object.freeze({ summary: 'The recipient or their mail server filtered and refused the message.', advice: "Contact the guest another way and ask them to allow the hotel's sender address." }),
  }),
}) satisfies ReasonModule;
