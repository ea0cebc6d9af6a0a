import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-hostunknown.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'hostunknown',
  fragments: Object.freeze([
    'domain does not exist',
    'domain is not reachable',
    'domain must exist',
    'host or domain name not found',
    'host unknown',
    'host unreachable',
    'mail domain mentioned in email address is unknown',
    'name or service not known',
    'no such domain',
    'recipient address rejected: unknown domain name',
    'recipient domain must exist',
    'the account or domain may not exist',
    'unknown host',
    'unroutable address',
    'unrouteable address',
    'domain existiert nicht',
    'unbekannte domain',
  ]),
  aligned: Object.freeze([
    Object.freeze(['553 ', ' does not exist']),
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Die Domain der E-Mail-Adresse (der Teil nach dem @) existiert nicht.', advice: 'Adresse mit dem Gast prüfen, oft ein Tippfehler wie „gmial.com“ statt „gmail.com“.' }),
    en: Object.freeze({ summary: 'The domain of the email address (the part after the @) does not exist.', advice: 'Check the address with the guest; often a typo such as \'gmial.com\' for \'gmail.com\'.' }),
  }),
}) satisfies ReasonModule;
