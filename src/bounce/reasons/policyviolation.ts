import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-policyviolation.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'policyviolation',
  fragments: Object.freeze([
    'an illegal attachment on your message',
    'because the recipient is not accepting mail with ',
    'by non-member to a members-only list',
    'closed mailing list',
    'denied by policy',
    'email not accepted for policy reasons',
    'email rejected due to security policies',
    'header are not accepted',
    'header error',
    'local policy violation',
    'message bounced due to organizational settings',
    'message given low priority',
    'message not accepted for policy reasons',
    'message rejected due to local policy',
    'messages with multiple addresses',
    'rejected for policy reasons',
    'protocol violation',
    'the email address used to send your message is not subscribed to this group',
    'the message was rejected by organization policy',
    'this message was blocked because its content presents a potential',
    'we do not accept messages containing images or other attachments',
    "you're using a mass mailer",
  ]),
  aligned: Object.freeze([
    Object.freeze(['you have exceeded the', 'allowable number of posts without solving a captcha']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die E-Mail verstößt gegen eine Richtlinie des empfangenden Servers.', advice: 'Anhänge und Inhalt prüfen; bei Firmenadressen den Gast bitten, bei seiner IT nachzufragen.' }),
    en: Object.freeze({ summary: 'The message breaks a policy of the receiving server.', advice: 'Check attachments and content; for company addresses ask the guest to check with their IT.' }),
  }),
}) satisfies ReasonModule;
