import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-vacation.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'vacation',
  fragments: Object.freeze([
    'i am away on vacation',
    'i am away until',
    'i am out of the office',
    'i will be traveling for work on',
    'ich bin bis',
    'ich bin derzeit nicht im büro',
    'ich bin nicht im büro',
    'ich bin abwesend',
    'abwesenheitsnotiz',
    'automatische antwort',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Automatische Abwesenheitsnachricht des Gastes – die E-Mail wurde zugestellt.', advice: 'Nichts tun.' }),
    en: Object.freeze({ summary: "The guest's automatic out-of-office reply – the message was delivered.", advice: 'Nothing to do.' }),
  }),
}) satisfies ReasonModule;
