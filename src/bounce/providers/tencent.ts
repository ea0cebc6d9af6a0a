import type { Provider } from './types.ts';

// Texts after Sisimai's rhost rule for Tencent (go-sisimai rhost/for-tencent.go, BSD-2-Clause,
// (C) azumakuniyuki and the sisimai development team); documented at https://service.mail.qq.com/detail/122.

/** Tencent QQ Mail and Foxmail. */
export default Object.freeze({
  id: 'tencent',
  hosts: Object.freeze(['.qq.com']),
  domains: Object.freeze(['qq.com', 'foxmail.com']),
  rows: Object.freeze([
    // 550 DMARC check failed. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1001508&&id=16.
    Object.freeze(['', '', 'dmarc check failed', 'authfailure'] as const),
    Object.freeze(['', '', 'spf check failed', 'authfailure'] as const),
    // 550 Suspected bounce attacks / Suspected spam ip / Connection denied
    Object.freeze(['', '', 'suspected bounce attacks', 'blocked'] as const),
    Object.freeze(['', '', 'suspected spam ip', 'blocked'] as const),
    Object.freeze(['', '', 'connection denied', 'blocked'] as const),
    Object.freeze(['', '', 'message too large', 'mesgtoobig'] as const),
    Object.freeze(['', '', 'spam is embedded in the email', 'spamdetected'] as const),
    Object.freeze(['', '', 'mail content denied', 'spamdetected'] as const),
    Object.freeze(['', '', 'suspected spam', 'rejected'] as const),
    Object.freeze(['', '', 'mail is rejected by recipients', 'rejected'] as const),
    Object.freeze(['', '', 'mailbox unavailable or access denined', 'speeding'] as const),
    Object.freeze(['', '', 'frequency of receiving messages is limited', 'speeding'] as const),
    Object.freeze(['', '', 'is a deactivated mailbox', 'suspend'] as const),
    Object.freeze(['', '', 'bad address syntax', 'syntaxerror'] as const),
    // 550 Ip frequency limited [… Blocked IP 192.0.2.22]. / 550 Connection frequency limited […]
    Object.freeze(['', '', 'ip frequency limited', 'toomanyconn'] as const),
    Object.freeze(['', '', 'domain frequency limited', 'toomanyconn'] as const),
    Object.freeze(['', '', 'sender frequency limited', 'toomanyconn'] as const),
    Object.freeze(['', '', 'connection frequency limited', 'toomanyconn'] as const),
    Object.freeze(['', '', 'mailbox not found', 'userunknown'] as const),
  ]),
}) satisfies Provider;
