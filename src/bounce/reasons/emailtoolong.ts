import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'emailtoolong',
  fragments: Object.freeze([
    'address too long',
    'local part too long',
    'email address is too long',
    'recipient address too long',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail-Adresse ist zu lang.', advice: 'Adresse mit dem Gast prüfen und korrigieren.' }),
    en: Object.freeze({ summary: 'The email address is too long.', advice: 'Check and correct the address with the guest.' }),
  }),
}) satisfies ReasonModule;
