import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-requireptr.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'requireptr',
  fragments: Object.freeze([
    'access denied. ip name lookup failed',
    'all mail servers must have a ptr record with a valid reverse dns entry',
    'bad dns ptr resource record',
    'cannot find your hostname',
    'cannot resolve your address.',
    'client host rejected: cannot find your hostname',
    'fix reverse dns for ',
    'ips with missing ptr records',
    'no ptr record found.',
    'please get a custom reverse dns name from your isp for your host',
    'ptr record setup',
    'reverse dns failed',
    'reverse dns required',
    'sender ip reverse lookup rejected',
    'the ip address sending this message does not have a ptr record setup',
    'the corresponding forward dns entry does not point to the sending ip',
    'this system will not accept messages from servers/devices with no reverse dns',
    'unresolvable relay host name',
    'we do not accept mail from hosts with dynamic ip or generic dns ptr-records',
  ]),
  aligned: Object.freeze([
    Object.freeze(['domain ', ' mismatches client ip']),
    Object.freeze(['dns lookup failure: ', ' try again later']),
    Object.freeze(['reverse dns lookup for host ', ' failed permanently']),
    Object.freeze(['server access ', ' forbidden by invalid rdns record of your mail server']),
    Object.freeze(['service permits ', ' unverifyable sending ips']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Dem sendenden Server fehlt ein gültiger Reverse-DNS-Eintrag (PTR).', advice: 'Den technischen Ansprechpartner informieren; beim eigenen SMTP-Server muss der Anbieter den PTR-Eintrag setzen.' }),
    en: Object.freeze({ summary: 'The sending server lacks a valid reverse DNS (PTR) record.', advice: 'Tell your technical contact; for your own SMTP server the provider must set the PTR record.' }),
  }),
}) satisfies ReasonModule;
