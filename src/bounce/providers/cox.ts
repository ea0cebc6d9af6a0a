import type { Provider } from './types.ts';

// After Sisimai's rhost rule for Cox (go-sisimai rhost/for-cox.go, BSD-2-Clause, (C) azumakuniyuki and the
// sisimai development team); https://www.cox.com/residential/support/email-error-codes.html.

/** Cox Communications (cox.net). */
export default Object.freeze({
  id: 'cox',
  hosts: Object.freeze(['cox.net']),
  domains: Object.freeze(['cox.net']),
  rows: Object.freeze([
    // 550 5.1.0 <x@example.com> sender rejected. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.
    Object.freeze(['', '', 'sender rejected', 'blocked'] as const),
    // 554 … Your access to submit messages to this e-mail system has been rejected
    Object.freeze(['', '', 'ip address has been blocked', 'blocked'] as const),
    Object.freeze(['', '', 'too many connections', 'toomanyconn'] as const),
    Object.freeze(['', '', 'recipient rejected', 'userunknown'] as const),
    Object.freeze(['', '', 'not a valid recipient', 'userunknown'] as const),
  ]),
}) satisfies Provider;
