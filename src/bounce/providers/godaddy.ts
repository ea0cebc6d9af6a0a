import type { Reason } from '../types.ts';
import type { Provider } from './types.ts';

// Error numbers and texts after Sisimai's rhost rule for GoDaddy (go-sisimai rhost/for-godaddy.go,
// BSD-2-Clause, (C) azumakuniyuki and the sisimai development team); GoDaddy documents its " IBnnn" labels at
// https://ca.godaddy.com/help/fix-rejected-email-with-a-bounce-error-40685.

const CODES: ReadonlyMap<string, Reason> = new Map<string, Reason>([
  ['ib401', 'securityerror'], // 535 Authentication not allowed on IBSMTP Servers. IB401
  ['ib501', 'notcompliantrfc'], // 550 Blank From: addresses are not allowed. Provide a valid From. IB501
  ['ib502', 'notcompliantrfc'], // 550 IP addresses are not allowed as a From: Address. IB502
  ['ib506', 'rejected'], // 550 coolexample.com From: Domain is invalid. Provide a valid From: IB506
  ['ib508', 'authfailure'], // 550 Invalid SPF record. Inspect your SPF settings, and try again. IB508
  ['ib108', 'requireptr'], // 421 Temporarily rejected. Reverse DNS for this IP failed. IB108
  ['ib212', 'spamdetected'], // 552 This message has been rejected due to content judged to be spam … IB212
  ['ib705', 'virusdetected'], // 552 Virus infected message rejected. IB705
  ['ib605', 'toomanyconn'], // 452 This message contains too many recipients. IB605
  ['ib007', 'toomanyconn'], // 421 Connection refused, too many sessions from This IP. IB007
  ['ib101', 'speeding'], // 421 Server temporarily unavailable. Try again later. IB101
  ['ib110', 'blocked'], // 554 This IP has been temporarily blocked for attempting to send too many messages … IB110
  ['ib111', 'blocked'],
  ['ib112', 'blocked'], // 554 This IP has been temporarily blocked for attempting to mail too many invalid recipients. IB112
  ['ib113', 'blocked'],
  ['ib504', 'speeding'], // 550 This IP has sent too many messages this hour. IB504
  ['ib510', 'speeding'], // 550 This message has exceeded the max number of messages per session. IB510
  ['ib607', 'speeding'], // 550 This IP has sent too many to too many recipients this hour. IB607
  ['ib103', 'badreputation'], // 554 Connection refused. This IP has a poor reputation on Cloudmark Sender Intelligence (CSI). IB103
  ['ib104', 'blocked'], // 554 Connection refused. This IP address is listed on the Spamhaus Block List (SBL). IB104
  ['ib105', 'blocked'],
  ['ib106', 'blocked'],
]);

const GODADDY_LABEL = /\s(ib\d{3})\b/;

/** GoDaddy / Secureserver.net mail. */
export default Object.freeze({
  id: 'godaddy',
  hosts: Object.freeze(['smtp.secureserver.net', 'mailstore1.secureserver.net']),
  domains: Object.freeze([]),
  byCode: (text: string) => CODES.get(GODADDY_LABEL.exec(text)?.[1] ?? '') ?? null,
  rows: Object.freeze([
    // 554 RBL Reject. / 553 http://www.spamhaus.org/query/bl?ip=192.0.2.222
    Object.freeze(['', '', 'rbl reject', 'blocked'] as const),
    Object.freeze(['', '', 'www.spamhaus.org/query/bl?ip=', 'blocked'] as const),
    Object.freeze(['', '', 'has been in the queue too long', 'expired'] as const),
    Object.freeze(['', '', 'delivery timeout', 'expired'] as const),
    Object.freeze(['', '', 'account storage limit', 'mailboxfull'] as const),
    Object.freeze(['', '', 'message rejected for spam or virus content', 'spamdetected'] as const),
    Object.freeze(['', '', 'account disabled', 'suspend'] as const),
    Object.freeze(['', '', 'message is looping', 'systemerror'] as const),
    Object.freeze(['', '', 'recipient not found', 'userunknown'] as const),
    Object.freeze(['', '', 'account does not exist', 'userunknown'] as const),
  ]),
}) satisfies Provider;
