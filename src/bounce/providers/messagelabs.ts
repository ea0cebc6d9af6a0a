import type { Provider } from './types.ts';

// Texts after Sisimai's rhost rule for MessageLabs / Symantec Email Security.cloud (go-sisimai
// rhost/for-messagelabs.go, BSD-2-Clause, (C) azumakuniyuki and the sisimai development team).

/** Broadcom (Symantec) Email Security.cloud, formerly MessageLabs. */
export default Object.freeze({
  id: 'messagelabs',
  hosts: Object.freeze(['.messagelabs.com']),
  domains: Object.freeze([]),
  rows: Object.freeze([
    // 553-SPF (Sender Policy Framework) domain authentication fail.
    Object.freeze(['', '', 'domain authentication fail', 'authfailure'] as const),
    // 501 Connection rejected by policy [7.7] 20805
    Object.freeze(['', '', 'connection rejected by policy', 'badreputation'] as const),
    // 553-mail rejected because your IP is in the PBL. See http://www.spamhaus.org/pbl
    Object.freeze(['', '', 'mail rejected because your ip is in the pbl', 'blocked'] as const),
    Object.freeze(['', '', 'your ip address has been ', 'blocked'] as const),
    // 553 Stray linefeeds in message (#5.6.2)
    Object.freeze(['', '', 'stray linefeeds in message', 'contenterror'] as const),
    // 451 TLS/SSLv3 Connection required. (#4.7.1)
    Object.freeze(['', '', 'tls/sslv3 connection required', 'failedstarttls'] as const),
    // You are trying to use me [server-X.tower-x.messagelabs.com] as a relay, but I have not been configured to let you do this.
    Object.freeze(['', '', ' as a relay, ', 'norelaying'] as const),
    // 550 [192.0.2.1] has detected that this message is not RFC 5322
    Object.freeze(['', '', 'has detected that this message is not rfc 5322', 'notcompliantrfc'] as const),
    Object.freeze(['', '', '550 requested action aborted [4]', 'notcompliantrfc'] as const),
    // 550 sender envelope domain not allowed for sender IP address (#5.1.8)
    Object.freeze(['', '', 'sender envelope domain not allowed for sender ip address', 'rejected'] as const),
    Object.freeze(['', '', 'your domain has been blocked', 'rejected'] as const),
    Object.freeze(['', '', 'your email address has been blocked', 'rejected'] as const),
    Object.freeze(['', '', 'your envelope sender is in my badmailfrom list', 'rejected'] as const),
    Object.freeze(['', '', 'your email address has been blacklisted', 'rejected'] as const),
    Object.freeze(['', '', 'your domain has been blacklisted', 'rejected'] as const),
    // 550-Please turn on SMTP Authentication in your mail client.
    Object.freeze(['', '', 'please turn on smtp authentication in your mail client', 'securityerror'] as const),
    // 553 - Message Filtered
    Object.freeze(['', '', 'message filtered', 'spamdetected'] as const),
    Object.freeze(['', '', 'filtered by outbound scanning', 'spamdetected'] as const),
    // 452 Too many recipients received this hour / 460 too many messages (#4.3.0)
    Object.freeze(['', '', 'too many recipients received this hour', 'toomanyconn'] as const),
    Object.freeze(['', '', 'too many messages', 'toomanyconn'] as const),
    // <x@example.com>: 550-Invalid recipient <x@example.com> 550 (#5.1.1) / 550 x@example.org... No such user
    Object.freeze(['', '', 'no such user', 'userunknown'] as const),
    Object.freeze(['', '', 'invalid recipient', 'userunknown'] as const),
    Object.freeze(['', '', 'mailbox is not allowed', 'userunknown'] as const),
  ]),
}) satisfies Provider;
