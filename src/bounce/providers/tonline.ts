import type { Provider } from './types.ts';

/** Deutsche Telekom T-Online. */
export default Object.freeze({
  id: 'tonline',
  hosts: Object.freeze(['.t-online.de']),
  domains: Object.freeze(['t-online.de', 'magenta.de']),
  rows: Object.freeze([
    // 550 5.1.1 <x@t-online.de>: Recipient address rejected: User unknown / Mailbox unavailable
    Object.freeze(['550', '', 'user unknown', 'userunknown'] as const),
    // 552 5.2.2 Mailbox full
    Object.freeze(['', '', 'mailbox full', 'mailboxfull'] as const),
    // 554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)
    Object.freeze(['554', '', 'ask your postmaster for help or to contact tosa@', 'blocked'] as const),
    // 554 IP=192.0.2.1 - none/bad reputation
    Object.freeze(['', '', 'none/bad reputation', 'badreputation'] as const),
  ]),
}) satisfies Provider;
