import type { Provider } from './types.ts';

// After Sisimai's rhost rule for NTT docomo (go-sisimai rhost/for-nttdocomo.go, BSD-2-Clause,
// (C) azumakuniyuki and the sisimai development team): docomo's filter answers "Unknown user" for a sender it
// refuses; only a 5.2.x status means the recipient's own filter.

/** NTT docomo (docomo.ne.jp). */
export default Object.freeze({
  id: 'nttdocomo',
  hosts: Object.freeze(['mfsmax.docomo.ne.jp']),
  domains: Object.freeze([]),
  rows: Object.freeze([
    // Status: 5.2.0 / 550 Unknown user x@docomo.ne.jp
    Object.freeze(['', '5.2.0', '', 'filtered'] as const),
    // Status: 5.0.0 / 550 Unknown user x@docomo.ne.jp
    Object.freeze(['550', '', 'unknown user', 'rejected'] as const),
  ]),
}) satisfies Provider;
