import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-failedstarttls.go, BSD-2-Clause, (C) azumakuniyuki
// and the sisimai development team), lower-case. Also chosen when the STARTTLS command itself failed or the
// reply code is 523/524/538 (RFC 4954 / RFC 3207 encryption-related replies), see classify.ts.

export default Object.freeze({
  id: 'failedstarttls',
  fragments: Object.freeze([
    // 530 5.7.0 Must issue a STARTTLS command first / STARTTLS is required to send mail
    'starttls is required to send mail',
    // SendGrid: the recipient mail server does not support TLS or have a valid certificate
    'tls required but not supported',
    'must issue a starttls command first',
    'tls negotiation failed',
    'starttls failed',
  ]),
  aligned: Object.freeze([]),
  explain: Object.freeze({
    de: Object.freeze({
      summary: 'Die verschlüsselte Verbindung (TLS) zum Mailserver des Gastes kam nicht zustande.',
      advice: 'Später erneut senden; bleibt es, den technischen Ansprechpartner (oder beim eigenen SMTP-Server dessen Betreuer) informieren.',
    }),
    en: Object.freeze({
      summary: "The encrypted connection (TLS) to the guest's mail server could not be set up.",
      advice: 'Send again later; if it persists, tell your technical contact (or whoever runs your own SMTP server).',
    }),
  }),
}) satisfies ReasonModule;
