import type { Provider } from './types.ts';

/** Gmail and Google Workspace. */
export default Object.freeze({
  id: 'gmail',
  hosts: Object.freeze(['.google.com', '.googlemail.com', '.gmail.com']),
  domains: Object.freeze(['gmail.com', 'googlemail.com']),
  // Texts only Gmail's own DSNs carry.
  signatures: Object.freeze(["dns type 'mx' lookup of", 'google tried to deliver your message', "because the address couldn't be found"]),
  rows: Object.freeze([
    // DNS Error: 80458680 DNS type 'mx' lookup of example.org responded with code NOERROR The domain example.org doesn't receive email according to the administrator's returned Null MX record.
    Object.freeze(['', '', "doesn't receive email according to", 'notaccept'] as const),
    // DNS Error: 80335577 DNS type 'mx' lookup of example.jp responded with code NXDOMAIN Domain name not found: example.jp
    Object.freeze(['', '4.0.0', "dns type 'mx' lookup of", 'networkerror'] as const),
    // Your message wasn't delivered to x@example.it because the address couldn't be found. Check for typos or unnecessary spaces and try again.
    Object.freeze(['', '', "because the address couldn't be found", 'userunknown'] as const),
    // 550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking …
    Object.freeze(['', '', 'the email account that you tried to reach does not exist', 'userunknown'] as const),
    // 452-4.2.2 The email account that you tried to reach is over quota.
    Object.freeze(['', '', 'the email account that you tried to reach is over quota', 'mailboxfull'] as const),
    // 550-5.2.1 The email account that you tried to reach is disabled.
    Object.freeze(['', '', 'the email account that you tried to reach is disabled', 'suspend'] as const),
    // 550-5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages …
    Object.freeze(['', '', 'receiving mail at a rate that', 'speeding'] as const),
    // 550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.
    Object.freeze(['', '', "due to domain's dmarc policy", 'authfailure'] as const),
    // 550-5.7.26 This mail has been blocked because the sender is unauthenticated. … must pass either SPF or DKIM
    Object.freeze(['', '', 'the sender is unauthenticated', 'authfailure'] as const),
    // 550-5.7.25 The IP address sending this message does not have a PTR record setup
    Object.freeze(['', '', 'does not have a ptr record', 'requireptr'] as const),
    // 550-5.7.1 Our system has detected that this message is likely unsolicited mail.
    Object.freeze(['', '', 'likely unsolicited mail', 'spamdetected'] as const),
    // 552-5.2.3 Your message exceeded Google's message size limits.
    Object.freeze(['', '', "exceeded google's message size limits", 'mesgtoobig'] as const),
  ]),
}) satisfies Provider;
