import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-networkerror.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'networkerror',
  fragments: Object.freeze([
    // OpenSMTPD (Rebound's own addition)
    'network error on destination mx',
    'could not connect and send the mail to',
    'dns records for the destination computer could not be found',
    'hop count exceeded - possible mail loop',
    'host is unreachable',
    'host name lookup failure',
    'host not found, try again',
    'mail forwarding loop for ',
    'malformed name server reply',
    'malformed or unexpected name server reply',
    'maximum forwarding loop count exceeded',
    'message looping',
    'message probably in a routing loop',
    'no route to host',
    'too many hops',
    'unable to resolve route ',
    'unrouteable mail domain',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Netzwerk- oder DNS-Problem auf dem Weg zum Server des Gastes.', advice: 'Meist vorübergehend: später erneut senden. Bleibt es, die Adresse mit dem Gast prüfen.' }),
    en: Object.freeze({ summary: "A network or DNS problem on the way to the guest's server.", advice: 'Usually temporary: send again later. If it persists, check the address with the guest.' }),
  }),
}) satisfies ReasonModule;
