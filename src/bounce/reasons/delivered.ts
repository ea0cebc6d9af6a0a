import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'delivered',
  fragments: Object.freeze([
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail wurde zugestellt.', advice: 'Nichts tun.' }),
    en: Object.freeze({ summary: 'The message was delivered.', advice: 'Nothing to do.' }),
  }),
}) satisfies ReasonModule;
