import type { Provider } from './types.ts';

/** Apple iCloud Mail (icloud.com, me.com, mac.com). */
export default Object.freeze({
  id: 'icloud',
  hosts: Object.freeze(['.mail.icloud.com', '.me.com', '.icloud.com']),
  domains: Object.freeze(['icloud.com', 'me.com', 'mac.com']),
  rows: Object.freeze([
    // 550 5.1.1 <x@icloud.com>: user does not exist
    Object.freeze(['', '', 'user does not exist', 'userunknown'] as const),
    // 552 5.2.2 <x@icloud.com>: user is over quota
    Object.freeze(['', '', 'user is over quota', 'mailboxfull'] as const),
    // 554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137
    Object.freeze(['', '', 'message rejected due to local policy', 'policyviolation'] as const),
    // 550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1
    Object.freeze(['', '', 'blocked - see', 'blocked'] as const),
  ]),
}) satisfies Provider;
