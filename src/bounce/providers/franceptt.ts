import type { Reason } from '../types.ts';
import type { Provider } from './types.ts';

// Error numbers after Sisimai's rhost rule for Orange / La Poste (go-sisimai rhost/for-franceptt.go,
// BSD-2-Clause, (C) azumakuniyuki and the sisimai development team); Orange and La Poste end their texts with
// a label like "OFR006_102", "LPN007_416" or "OFR_999" whose last three digits name the error.

/** [error number, reason] — the real server line beside each. */
const CODES: ReadonlyArray<readonly [string, Reason]> = Object.freeze([
  // 550 5.7.1 Service unavailable; client [192.0.2.1] blocked using Spamhaus … LPNAAA_101
  Object.freeze(['101', 'blocked'] as const),
  // 550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam. Client host blocked for spamming issues. OFR006_102
  Object.freeze(['102', 'blocked'] as const),
  // 550 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR006_103
  Object.freeze(['103', 'blocked'] as const),
  // 421 mwinf5c79 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104
  Object.freeze(['104', 'toomanyconn'] as const),
  // 550 5.7.0 Code d'authentification invalide OFR_305
  Object.freeze(['305', 'securityerror'] as const),
  // 550 5.5.0 SPF: *** is not allowed to send mail. LPN004_401
  Object.freeze(['401', 'authfailure'] as const),
  // 550 5.5.0 Authentification requise. Authentication Required. LPN105_402
  Object.freeze(['402', 'securityerror'] as const),
  // 5.0.1 Emetteur invalide. Invalid Sender. LPN105_405 / OFR004_405 / OFR_415
  Object.freeze(['403', 'rejected'] as const),
  Object.freeze(['405', 'rejected'] as const),
  Object.freeze(['415', 'rejected'] as const),
  // 550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 / LPN007_416
  Object.freeze(['416', 'userunknown'] as const),
  // 552 5.1.1 Boite du destinataire pleine. Recipient overquota. OFR_417
  Object.freeze(['417', 'mailboxfull'] as const),
  // 550 5.5.0 Boite du destinataire archivee. Archived recipient. LPN007_420
  Object.freeze(['420', 'suspend'] as const),
  // 5.5.3 Mail from not owned by user. LPN105_421
  Object.freeze(['421', 'rejected'] as const),
  // 550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426
  Object.freeze(['426', 'suspend'] as const),
  // 421 4.2.0 Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR005_505
  Object.freeze(['505', 'systemerror'] as const),
  // Mail rejete. Mail rejected. OFR_506
  Object.freeze(['506', 'spamdetected'] as const),
  // 550 5.5.0 Service refuse. Veuillez essayer plus tard. service refused, please try later. LPN005_510
  Object.freeze(['510', 'blocked'] as const),
  // Taille limite du message atteinte … 514
  Object.freeze(['514', 'mesgtoobig'] as const),
  // 571 5.7.1 Message refused, DMARC verification Failed. LPN007_517
  Object.freeze(['517', 'authfailure'] as const),
  // 554 5.7.1 Client host rejected LPN000_630
  Object.freeze(['630', 'policyviolation'] as const),
  // 421 mwinf5c77 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_999 [999]
  Object.freeze(['999', 'blocked'] as const),
]);

/** "lpn007_416", "ofr_999", "lpnaaa_101", "ouk_513": the label's last three digits. */
const ORANGE_LABEL = /\b(?:lpn|ofr|ouk)[a-z0-9]*[_-](\d{3})\b/g;

function byCode(text: string): Reason | null {
  let last: string | null = null;
  for (const m of text.matchAll(ORANGE_LABEL)) last = m[1];
  if (!last) return null;
  return CODES.find(([n]) => n === last)?.[1] ?? null;
}

/** Orange (orange.fr, wanadoo.fr) and La Poste (laposte.net). */
export default Object.freeze({
  id: 'franceptt',
  hosts: Object.freeze(['.laposte.net', '.orange.fr', '.wanadoo.fr']),
  domains: Object.freeze(['orange.fr', 'wanadoo.fr', 'laposte.net']),
  byCode,
  rows: Object.freeze([
    // 421 smtp.orange.fr [192.0.2.1] Emetteur invalide, Veuillez verifier la configuration SPF/DNS de votre nom de domaine.
    Object.freeze(['', '', 'spf/dns de votre nom de domaine', 'authfailure'] as const),
  ]),
}) satisfies Provider;
