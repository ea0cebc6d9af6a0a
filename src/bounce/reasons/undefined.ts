import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'undefined',
  fragments: Object.freeze([
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail kam zurück, ohne erkennbaren Grund.', advice: 'Die Originalmeldung des Servers unten lesen; im Zweifel den Gast anrufen.' }),
    en: Object.freeze({ summary: 'The message came back without a recognisable reason.', advice: "Read the server's original message below; if in doubt, call the guest." }),
  }),
}) satisfies ReasonModule;
