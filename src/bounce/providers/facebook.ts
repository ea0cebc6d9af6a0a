import type { Provider } from './types.ts';

// After Sisimai's rhost rule for Facebook (go-sisimai rhost/for-facebook.go, BSD-2-Clause, (C) azumakuniyuki
// and the sisimai development team): Facebook's replies carry a label such as "RCP-P2" before their text.

/** Facebook (facebook.com mail relays). */
export default Object.freeze({
  id: 'facebook',
  hosts: Object.freeze(['.facebook.com']),
  domains: Object.freeze(['facebook.com']),
  rows: Object.freeze([
    // 550 5.1.1 RCP-P1 http://postmaster.facebook.com/response_codes?ip=192.0.2.135#rcp Refused due to recipient preferences
    Object.freeze(['', '', 'rcp-p1 ', 'userunknown'] as const),
    Object.freeze(['', '', 'rcp-p2 ', 'filtered'] as const),
    Object.freeze(['', '', 'rcp-p3 ', 'userunknown'] as const),
    Object.freeze(['', '', 'rcp-t1 ', 'toomanyconn'] as const),
    Object.freeze(['', '', 'rcp-t4 ', 'rejected'] as const),
    // 550 5.7.1 POL-P7 … The message does not comply with Facebook's Domain Authentication requirements.
    Object.freeze(['', '', 'pol-p7 ', 'authfailure'] as const),
    Object.freeze(['', '', 'refused due to recipient preferences', 'filtered'] as const),
    Object.freeze(['', '', 'int-t', 'systemerror'] as const),
    Object.freeze(['', '', 'msg-p2 ', 'mesgtoobig'] as const),
    Object.freeze(['', '', 'dns-p', 'rejected'] as const),
  ]),
}) satisfies Provider;
