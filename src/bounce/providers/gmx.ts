import type { Provider } from './types.ts';

/** GMX and web.de (1&1 Mail & Media). */
export default Object.freeze({
  id: 'gmx',
  hosts: Object.freeze(['.gmx.net', '.web.de', '.gmx.de', '.gmx.com', '.kundenserver.de']),
  domains: Object.freeze(['gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch', 'gmx.com', 'web.de']),
  rows: Object.freeze([
    // 550 Requested action not taken: mailbox unavailable
    Object.freeze(['550', '', 'requested action not taken: mailbox unavailable', 'userunknown'] as const),
    // 552-Requested mail action aborted: exceeded storage allocation
    Object.freeze(['552', '', 'exceeded storage allocation', 'mailboxfull'] as const),
    // 554-Transaction failed: Reject due to policy restrictions.
    Object.freeze(['554', '', 'reject due to policy restrictions', 'policyviolation'] as const),
    // 554-IP address is black listed.
    Object.freeze(['554', '', 'ip address is black listed', 'blocked'] as const),
  ]),
}) satisfies Provider;
