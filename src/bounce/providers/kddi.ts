import type { Provider } from './types.ts';

// After Sisimai's rhost rule for KDDI (go-sisimai rhost/for-kddi.go, BSD-2-Clause, (C) azumakuniyuki and the
// sisimai development team): au/ezweb reject an unknown address naming it, and a filtered one without it.

/** KDDI au (ezweb.ne.jp, au.com). */
export default Object.freeze({
  id: 'kddi',
  hosts: Object.freeze(['.ezweb.ne.jp', 'msmx.au.com']),
  domains: Object.freeze(['ezweb.ne.jp', 'au.com']),
  rows: Object.freeze([
    // The response was: 550 : User unknown
    Object.freeze(['', '', '550 : user unknown', 'filtered'] as const),
    // The response was: 550 <x@ezweb.ne.jp>: User unknown
    Object.freeze(['', '', '>: user unknown', 'userunknown'] as const),
  ]),
}) satisfies Provider;
