import type { Provider } from './types.ts';

/** Microsoft 365 / Exchange Online / Outlook.com (hotmail, live, msn). */
export default Object.freeze({
  id: 'outlook',
  hosts: Object.freeze(['.protection.outlook.com', '.outlook.com', '.hotmail.com', '.olc.protection.outlook.com']),
  domains: Object.freeze(['outlook.com', 'hotmail.com', 'hotmail.de', 'hotmail.co.uk', 'live.com', 'live.de', 'msn.com', 'outlook.de', 'outlook.at']),
  // Exchange Online's own component names in its NDR texts.
  signatures: Object.freeze(['resolver.adr.', 'storedrv.deliver', '.prod.outlook.com', '.protection.outlook.com']),
  rows: Object.freeze([
    // 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
    Object.freeze(['', '5.1.10', 'recipientnotfound', 'userunknown'] as const),
    // 550 5.1.1 RESOLVER.ADR.RecipNotFound; not found
    Object.freeze(['', '', 'resolver.adr.recipnotfound', 'userunknown'] as const),
    // 550 5.5.0 Requested action not taken: mailbox unavailable (-0000000022:2222:-0000000022)
    Object.freeze(['550', '', 'requested action not taken: mailbox unavailable', 'userunknown'] as const),
    // 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [….prod.protection.outlook.com]
    Object.freeze(['550', '5.4.1', 'recipient address rejected: access denied', 'userunknown'] as const),
    // 552 5.2.2 Mailbox full / 554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException
    Object.freeze(['', '', 'quotaexceededexception', 'mailboxfull'] as const),
    // 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. … part of their network is on our block list (S3150)
    Object.freeze(['', '', 'on our block list', 'blocked'] as const),
    // 550 5.7.606 Access denied, banned sending IP [192.0.2.1]
    Object.freeze(['', '', 'banned sending ip', 'blocked'] as const),
    // 550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification
    Object.freeze(['', '5.7.509', '', 'authfailure'] as const),
  ]),
}) satisfies Provider;
