import type { Provider } from './types.ts';

/** Yahoo (and AOL, Verizon mail, which run on it). */
export default Object.freeze({
  id: 'yahoo',
  hosts: Object.freeze(['.yahoodns.net', '.yahoo.com', '.aol.com']),
  domains: Object.freeze(['yahoo.com', 'yahoo.de', 'yahoo.co.uk', 'ymail.com', 'aol.com', 'aol.de']),
  // Yahoo's own servers answer TSS04 for any refusal of the sending IP, not only a poor reputation
  // (Sisimai's rhost rule for Yahoo, https://senders.yahooinc.com/smtp-error-codes).
  remoteRows: Object.freeze([
    // 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1
    Object.freeze(['', '', 'temporarily deferred due to unexpected volume or user complaints', 'rejected'] as const),
    // 553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed.
    Object.freeze(['', '', ' will be permanently deferred', 'rejected'] as const),
  ]),
  rows: Object.freeze([
    // 554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1234.mail.bf1.yahoo.com
    Object.freeze(['', '', "this user doesn't have a ", 'userunknown'] as const),
    // 552 1 Requested mail action aborted, mailbox not found
    Object.freeze(['', '', 'requested mail action aborted, mailbox not found', 'userunknown'] as const),
    // 554 delivery error: dd Sorry, your message to x@yahoo.com cannot be delivered. This mailbox is disabled (554.30).
    Object.freeze(['', '', 'this mailbox is disabled', 'suspend'] as const),
    // 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints
    Object.freeze(['421', '', 'temporarily deferred due to unexpected volume or user complaints', 'badreputation'] as const),
    // X-Outbound-Mail-Relay; Name service error for name=example.org type=MX: Malformed or unexpected name server reply
    Object.freeze(['', '', 'malformed or unexpected name server reply', 'notaccept'] as const),
  ]),
}) satisfies Provider;
