import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-toomanyconn.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'toomanyconn',
  fragments: Object.freeze([
    'all available ips are at maximum connection limit',
    'connection rate limit exceeded',
    'exceeds per-domain connection limit for',
    'has exceeded the max emails per hour ',
    'throttling failure: daily message quota exceeded',
    'throttling failure: maximum sending rate exceeded',
    'too many connections',
    'too many connections from your host.',
    'too many concurrent smtp connections',
    'too many errors from your ip',
    'too many recipients',
    'too many smtp sessions for this host',
    'trop de connexions, ',
    'we have already made numerous attempts to deliver this message',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes hat vorübergehend zu viele Verbindungen abgewiesen.', advice: 'Nichts tun; die E-Mail wird automatisch später erneut gesendet.' }),
    en: Object.freeze({ summary: "The guest's server temporarily refused too many connections.", advice: 'Nothing to do; the message is retried automatically.' }),
  }),
}) satisfies ReasonModule;
