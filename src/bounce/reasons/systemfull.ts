import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-systemfull.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'systemfull',
  fragments: Object.freeze([
    'mail system full',
    'requested mail action aborted: exceeded storage allocation',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Mailserver des Gastes hat keinen Speicherplatz mehr.', advice: 'Später erneut senden; das ist ein Problem beim Anbieter des Gastes.' }),
    en: Object.freeze({ summary: "The guest's mail server is out of storage.", advice: "Send again later; this is a problem at the guest's provider." }),
  }),
}) satisfies ReasonModule;
