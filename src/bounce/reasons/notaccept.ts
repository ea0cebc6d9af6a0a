import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-notaccept.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'notaccept',
  fragments: Object.freeze([
    'does not accept mail (nullmx)',
    'host/domain does not accept mail',
    'host does not accept mail',
    'mail receiving disabled',
    'name server: .: host not found',
    'no mx record found for domain=',
    'no route for current request',
    'smtp protocol returned a permanent error',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die Domain des Gastes nimmt grundsätzlich keine E-Mails an.', advice: 'Den Gast nach einer anderen E-Mail-Adresse fragen.' }),
    en: Object.freeze({ summary: "The guest's domain does not accept email at all.", advice: 'Ask the guest for another email address.' }),
  }),
}) satisfies ReasonModule;
