import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'feedback',
  fragments: Object.freeze([
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Gast hat die E-Mail als Spam gemeldet.', advice: 'Dem Gast keine Werbung mehr senden; Buchungsbestätigungen nur auf Wunsch.' }),
    en: Object.freeze({ summary: 'The guest reported the message as spam.', advice: 'Stop sending marketing to this guest; booking mail only on request.' }),
  }),
}) satisfies ReasonModule;
