import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-expired.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'expired',
  fragments: Object.freeze([
    // Gmail, Exim, GMX and OpenSMTPD give-up texts (Rebound's own additions)
    'the recipient server did not accept our requests to connect',
    'message will be retried for',
    'retry timeout exceeded',
    'envelope expired',
    'connection timed out',
    'could not find a gateway for',
    'delivery attempts will continue to be',
    'delivery expired',
    'delivery time expired',
    'failed to deliver to domain ',
    'giving up on',
    'have been failing for a long time',
    'has been delayed',
    'it has not been collected after',
    'message expired after sitting in queue for',
    'message expired, cannot connect to remote server',
    'message expired, connection refulsed',
    'message timed out',
    'retry time not reached for any host after a long failure period',
    'server did not respond',
    'this message has been in the queue too long',
    'unable to deliver message after multiple retries',
    'was not reachable within the allowed queue period',
    'your message could not be delivered for more than',
  ]),
  aligned: Object.freeze([
    Object.freeze(['could not be delivered for', ' days']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der Server des Gastes war über längere Zeit nicht erreichbar; die Zustellung wurde aufgegeben.', advice: 'Später erneut senden; bleibt es dabei, den Gast anrufen und eine andere Adresse erfragen.' }),
    en: Object.freeze({ summary: "The guest's server could not be reached for a long time; delivery was given up.", advice: 'Send again later; if it persists, call the guest and ask for another address.' }),
  }),
}) satisfies ReasonModule;
