import type { ReasonModule } from './types.ts';

// Fragments ported from Sisimai (go-sisimai reason/why-suspend.go, BSD-2-Clause, (C) azumakuniyuki and
// the sisimai development team), lower-case; German ones are Rebound's own.

export default Object.freeze({
  id: 'suspend',
  fragments: Object.freeze([
    ' is currently suspended',
    ' temporary locked',
    'archived recipient',
    'boite du destinataire archivee',
    'email account that you tried to reach is disabled',
    'has been suspended',
    'inactive account',
    'invalid/inactive user',
    'is a deactivated mailbox',
    'is unavailable: user is terminated',
    'mailbox currently suspended',
    'mailbox disabled',
    'mailbox is frozen',
    'mailbox unavailable or access denied',
    'recipient rejected: temporarily inactive',
    'recipient suspend the service',
    'the email account that you tried to reach is inactive',
    'this account has been disabled or discontinued',
    'this account has been temporarily suspended',
    'this address no longer accepts mail',
    'this mailbox is disabled',
    'user or domain is disabled',
    'user suspended',
    'vdelivermail: account is locked email bounced',
    'postfach ist deaktiviert',
    'konto ist gesperrt',
    'konto wurde deaktiviert',
  ]),
  aligned: Object.freeze([
  ]),
  explain: Object.freeze({
    de: Object.freeze({ summary: 'Das Postfach des Gastes ist gesperrt oder stillgelegt.', advice: 'Den Gast nach einer anderen, aktiven E-Mail-Adresse fragen.' }),
    en: Object.freeze({ summary: "The guest's mailbox is suspended or disabled.", advice: 'Ask the guest for another, active email address.' }),
  }),
}) satisfies ReasonModule;
