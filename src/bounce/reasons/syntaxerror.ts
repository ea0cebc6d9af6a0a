import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'syntaxerror',
  fragments: Object.freeze([
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes hat einen Befehl im Mailprotokoll nicht verstanden.', advice: 'Den technischen Ansprechpartner informieren.' }),
    en: Object.freeze({ summary: "The guest's server did not understand a command of the mail protocol.", advice: 'Tell your technical contact.' }),
  }),
}) satisfies ReasonModule;
