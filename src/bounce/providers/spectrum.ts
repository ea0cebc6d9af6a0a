import type { Reason } from '../types.ts';
import type { Provider } from './types.ts';

// Code ranges after Sisimai's rhost rule for Spectrum (go-sisimai rhost/for-spectrum.go, BSD-2-Clause,
// (C) azumakuniyuki and the sisimai development team); Spectrum documents "AUP#I-nnnn" / "AUP#O-nnnn" at
// https://www.spectrumbusiness.net/support/internet/understanding-email-error-codes.

/** [first, last, reason]. */
const RANGES: ReadonlyArray<readonly [number, number, Reason]> = Object.freeze([
  Object.freeze([1000, 1000, 'blocked'] as const), // Your IP address has been blocked due to suspicious activity.
  Object.freeze([1010, 1010, 'rejected'] as const), // This email account has been blocked from sending emails …
  Object.freeze([1020, 1080, 'rejected'] as const), // This email account has limited access to send emails …
  Object.freeze([1090, 1090, 'systemerror'] as const), // The email you're trying to send can't be processed.
  Object.freeze([1100, 1150, 'requireptr'] as const), // Spectrum requires a full circle DNS …
  Object.freeze([1160, 1190, 'policyviolation'] as const), // … goes against your domain's security policies.
  Object.freeze([1200, 1250, 'blocked'] as const), // flagged by Cloudmark CSI / blacklisted by Spamhaus
  Object.freeze([1260, 1260, 'networkerror'] as const), // Spectrum doesn't process IPV6 addresses.
  Object.freeze([1300, 1340, 'toomanyconn'] as const), // Spectrum limits the number of concurrent connections …
  Object.freeze([1350, 1490, 'speeding'] as const), // Spectrum limits emails by the number of messages sent …
  Object.freeze([1500, 1500, 'rejected'] as const), // … send as a different email address than you signed in under.
  Object.freeze([1520, 1520, 'rejected'] as const),
  Object.freeze([1530, 1530, 'mesgtoobig'] as const), // … larger than the maximum size of 20MB.
  Object.freeze([1540, 1550, 'speeding'] as const), // too many in a single session / too many recipients
  Object.freeze([1560, 1560, 'policyviolation'] as const), // too many invalid recipients
  Object.freeze([1580, 1580, 'speeding'] as const),
]);

/** "AUP#In-1310", "AUP#O-1000". */
const SPECTRUM_LABEL = /aup#[a-z]*-?(\d{4})/;

function byCode(text: string): Reason | null {
  const m = SPECTRUM_LABEL.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return RANGES.find(([a, b]) => n >= a && n <= b)?.[2] ?? null;
}

/** Spectrum / Charter (charter.net, rr.com). */
export default Object.freeze({
  id: 'spectrum',
  hosts: Object.freeze(['charter.net']),
  domains: Object.freeze(['charter.net', 'spectrum.net']),
  signatures: Object.freeze(['spectrum.net/support/internet/understanding-email-error-codes']),
  byCode,
  rows: Object.freeze([]),
}) satisfies Provider;
