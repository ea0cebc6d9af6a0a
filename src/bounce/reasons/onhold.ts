import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'onhold',
  fragments: Object.freeze([
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail kam zurück, der Grund ist nicht eindeutig.', advice: 'Die Originalmeldung des Servers unten lesen; im Zweifel den Gast anrufen.' }),
    en: Object.freeze({ summary: 'The message came back; the reason is not clear.', advice: "Read the server's original message below; if in doubt, call the guest." }),
  }),
}) satisfies ReasonModule;
