import type { ReasonModule } from './types.ts';

// Fragments after Sisimai (go-sisimai reason/why-hasmoved.go, BSD-2-Clause, (C) azumakuniyuki and the
// sisimai development team), lower-case; the others are Rebound's own. The status X.1.6 ("destination
// mailbox has moved, no forwarding address") also leads here (status-names.ts).

export default Object.freeze({
  id: 'hasmoved',
  fragments: Object.freeze([
    // 550 5.1.6 <x@example.jp>: Recipient address rejected: Destination mailbox has moved, has been replaced by y@example.org
    ' has been replaced by ',
    // 550 5.1.6 recipient no longer on server: x@example.jp
    'recipient no longer on server',
    // 551 User not local; please try <y@example.org>
    'user not local; please try',
    'mailbox has moved',
    'address has moved',
    // 550 Die Adresse ist nicht mehr gültig, bitte verwenden Sie …
    'postfach wurde verschoben',
  ]),
  aligned: Object.freeze([]),
  explain: Object.freeze({
    de: Object.freeze({
      summary: 'Der Gast nutzt diese E-Mail-Adresse nicht mehr; sein Postfach ist umgezogen.',
      advice: 'Den Gast nach seiner neuen E-Mail-Adresse fragen und diese im Gastprofil eintragen; die alte Adresse wird nicht mehr funktionieren.',
    }),
    en: Object.freeze({
      summary: "The guest no longer uses this email address; the mailbox has moved.",
      advice: "Ask the guest for the new email address and update the guest profile; the old address will not work again.",
    }),
  }),
}) satisfies ReasonModule;
