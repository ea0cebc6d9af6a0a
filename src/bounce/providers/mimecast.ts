import type { Provider } from './types.ts';

// After Sisimai's rhost rule for Mimecast (go-sisimai rhost/for-mimecast.go, BSD-2-Clause, (C) azumakuniyuki
// and the sisimai development team); texts from https://community.mimecast.com/docs/DOC-1369.

/** Mimecast secure email gateway. */
export default Object.freeze({
  id: 'mimecast',
  hosts: Object.freeze(['.mimecast.com']),
  domains: Object.freeze([]),
  signatures: Object.freeze(['community.mimecast.com/docs/']),
  rows: Object.freeze([
    // 554 Host network not allowed - https://community.mimecast.com/docs/DOC-1369#554 […]
    Object.freeze(['', '', 'host network not allowed', 'policyviolation'] as const),
    // 554 email rejected due to security policies - MCSpamSignature.sa.2.2
    Object.freeze(['', '', 'mcspamsignature', 'virusdetected'] as const),
    // 550 Rejected by header based Anti-Spoofing policy
    Object.freeze(['', '', 'anti-spoofing policy', 'policyviolation'] as const),
    // 550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550
    Object.freeze(['', '', 'invalid recipient', 'userunknown'] as const),
    // 550 Envelope blocked - User Entry / 550 Administrative prohibition
    Object.freeze(['', '', 'envelope blocked', 'rejected'] as const),
    // 451 Internal resource temporarily unavailable / 421 Too many connections
    Object.freeze(['', '', 'too many connections', 'toomanyconn'] as const),
    // 554 Message rejected: size limits exceeded
    Object.freeze(['', '', 'message size limits exceeded', 'mesgtoobig'] as const),
  ]),
}) satisfies Provider;
