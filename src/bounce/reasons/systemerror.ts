import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-systemerror.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'systemerror',
  fragments: Object.freeze([
    'aliasing/forwarding loop broken',
    "can't create user output file",
    'could not load drd for domain',
    'internal error reading data',
    'internal server error: operation now in progress',
    'interrupted system call',
    'it encountered an error while being processed',
    'it would create a mail loop',
    'local configuration error',
    'local error in processing',
    'loop was found in the mail exchanger',
    'loops back to myself',
    'mail system configuration error',
    'queue file write error',
    'recipient deferred because there is no mdb',
    'remote server is misconfigured',
    'server configuration error',
    'service currently unavailable',
    'system config error',
    'temporary local problem',
    'timeout waiting for input',
    'transaction failed ',
  ]),
  aligned: Object.freeze([
    Object.freeze(['unable to connect ', 'daemon']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Technischer Fehler auf dem Server des Gastes.', advice: 'Später erneut senden; bleibt es, den Gast auf anderem Weg kontaktieren.' }),
    en: Object.freeze({ summary: "A technical fault on the guest's server.", advice: 'Send again later; if it persists, contact the guest another way.' }),
  }),
}) satisfies ReasonModule;
