import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-norelaying.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'norelaying',
  fragments: Object.freeze([
    'as a relay',
    'email address is not verified.',
    'insecure mail relay',
    'is not permitted to relay through this server without authentication',
    'mail server requires authentication when attempting to send to a non-local e-mail address',
    'no relaying',
    'not a gateway',
    'not allowed to relay through this machine',
    'not an open relay, so get lost',
    'not local host',
    'relay access denied',
    'relay denied',
    'relay not permitted',
    'relaying denied',
    'relaying mail to ',
    'specified domain is not allowed',
    "that domain isn't in my list of allowed rcpthost",
    'this system is not configured to relay mail',
    'unable to relay ',
    "we don't handle mail for",
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der angesprochene Server nimmt keine E-Mails für diese Domain an (kein Relay).', advice: 'Den technischen Ansprechpartner informieren (SMTP-Einstellungen, Anmeldung am Server).' }),
    en: Object.freeze({ summary: 'The server contacted does not accept mail for this domain (no relaying).', advice: 'Tell your technical contact (SMTP settings, authentication).' }),
  }),
}) satisfies ReasonModule;
