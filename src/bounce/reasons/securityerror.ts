import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-securityerror.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'securityerror',
  fragments: Object.freeze([
    'account not subscribed to ses',
    'authentication credentials invalid',
    'authentication failure',
    'authentication required',
    'authentication turned on in your email client',
    'executable files are not allowed in compressed files',
    'insecure mail relay',
    'recipient address rejected: access denied',
    "sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
    'unauthenticated senders not allowed',
    'verification failure',
    'you are not authorized to send mail, authentication is required',
    'starttls is required to send mail',
    'must issue a starttls command first',
    'tls required but not supported',
    'requiretls support required',
  ]),
  aligned: Object.freeze([
    Object.freeze(['authentication failed; server ', ' said: ']),
    Object.freeze(['authentification invalide', '305']),
    Object.freeze(['authentification requise', '402']),
    Object.freeze(['domain ', ' is a dead domain']),
    Object.freeze(['user ', ' is not authorized to perform ses:sendrawemail on resource']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Der empfangende Server hat die E-Mail aus Sicherheitsgründen abgelehnt.', advice: 'Den technischen Ansprechpartner informieren (Anmeldung, Verschlüsselung, Absenderberechtigung).' }),
    en: Object.freeze({ summary: 'The receiving server refused the message for security reasons.', advice: 'Tell your technical contact (authentication, encryption, sender permission).' }),
  }),
}) satisfies ReasonModule;
