import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-mailboxfull.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'mailboxfull',
  fragments: Object.freeze([
    '452 insufficient disk space',
    'account disabled temporarly for exceeding receiving limits',
    'boite du destinataire pleine',
    'exceeded storage allocation',
    'full mailbox',
    'mailbox exceeds allowed size',
    'mailbox size limit exceeded',
    'mailbox would exceed maximum allowed storage',
    'mailfolder is full',
    'no space left on device',
    'not sufficient disk space',
    'quota violation for',
    'too much mail data',
    'user has exceeded quota, bouncing mail',
    'user has too many messages on the server',
    "user's space has been used up",
    'postfach voll',
    'postfach ist voll',
    'postfach des empfängers ist voll',
    'speicherplatz erschöpft',
    'speicherkontingent',
    'quota überschritten',
    'das postfach hat sein größenlimit erreicht',
    'postfach ist zu groß',
  ]),
  aligned: Object.freeze([
    Object.freeze(['account is ', ' quota']),
    Object.freeze(['disk', 'quota']),
    Object.freeze(['enough ', ' space']),
    Object.freeze(['mailbox ', 'exceeded', ' limit']),
    Object.freeze(['mailbox ', 'full']),
    Object.freeze(['mailbox ', 'quota']),
    Object.freeze(['maildir ', 'quota']),
    Object.freeze(['over ', 'quota']),
    Object.freeze(['quota ', 'exceeded']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Das Postfach des Gastes ist voll.', advice: 'Später erneut senden oder den Gast anrufen und bitten, Platz im Postfach zu schaffen.' }),
    en: Object.freeze({ summary: "The guest's mailbox is full.", advice: 'Try again later, or call the guest and ask them to free up space in their mailbox.' }),
  }),
}) satisfies ReasonModule;
