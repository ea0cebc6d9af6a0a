import type { ReasonModule } from './types.ts';

export default Object.freeze({
  id: 'ratelimited',
  fragments: Object.freeze([
    'rate limit exceeded',
    'you have exceeded the rate limit',
    'exceeded the sending limit',
    'too many messages sent',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes hat vorübergehend zu viele E-Mails abgelehnt.', advice: 'Nichts tun; die E-Mail wird automatisch später erneut gesendet.' }),
    en: Object.freeze({ summary: "The guest's server temporarily refused too many messages.", advice: 'Nothing to do; the message is retried automatically.' }),
  }),
}) satisfies ReasonModule;
