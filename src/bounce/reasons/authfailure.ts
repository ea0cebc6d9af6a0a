import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-authfailure.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'authfailure',
  fragments: Object.freeze([
    '//spf.pobox.com',
    'bad spf records for',
    'dmarc policy',
    "doesn't meet the required authentication level",
    'please inspect your spf settings',
    'sender policy framework (spf) fail',
    'sender policy framework violation',
    'spf (sender policy framework) domain authentication fail',
    'spf check: fail',
    "the 5322.from address doesn't meet the authentication requirements defined for the sender",
  ]),
  aligned: Object.freeze([
    Object.freeze([' is not allowed to send mail.', '_401']),
    Object.freeze(['is not allowed to send from <', " per it's spf record"]),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die Absender-Authentifizierung (SPF, DKIM oder DMARC) ist fehlgeschlagen.', advice: 'Den technischen Ansprechpartner informieren; bei eigenem SMTP-Server SPF/DKIM der Hotel-Domain prüfen.' }),
    en: Object.freeze({ summary: 'Sender authentication (SPF, DKIM or DMARC) failed.', advice: "Tell your technical contact; with your own SMTP server check the hotel domain's SPF/DKIM." }),
  }),
}) satisfies ReasonModule;
