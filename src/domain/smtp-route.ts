import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The hotel's own SMTP server as a route, and the optional IMAP watcher on the hotel's mailbox.
 * These schemas are the API's validation, its OpenAPI shape and the type the transport is built from,
 * so they hold only refinements (no transforms): what comes out is exactly what went in.
 * Every message names the field in words a receptionist's IT person can act on.
 */

/** RFC 1123 host name (labels of letters, digits and hyphens), or an IPv4/IPv6 literal. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
/** SHA-256 fingerprint as 64 hex digits, optionally in pairs separated by colons (as browsers and openssl print it). */
const SHA256_FINGERPRINT = /^(?:[0-9a-f]{64}|[0-9a-f]{2}(?::[0-9a-f]{2}){31})$/i;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function isHost(value: string): boolean {
  return isIP(value.replace(/^\[|\]$/g, '')) !== 0 || HOST_NAME.test(value);
}

/** Every certificate in a PEM bundle parses; at least one is present. */
function isPemCertificateBundle(value: string): boolean {
  const blocks = value.match(PEM_CERTIFICATE);
  if (!blocks) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

const host = z
  .string({ error: 'host is required: the SMTP server name, e.g. mail.example.com' })
  .trim()
  .min(1, { error: 'host is required: the SMTP server name, e.g. mail.example.com' })
  .refine((v) => !v.includes('://'), { error: 'host must be the server name only, without smtp:// or https://', abort: true })
  .refine((v) => !/:\d+$/.test(v) || isIP(v) === 6, { error: 'host must not contain the port; put the port in "port"', abort: true })
  .refine(isHost, { error: 'host is not a valid server name or IP address' });

const port = z
  .number({ error: 'port must be a number (usually 465 for SSL/TLS, 587 for STARTTLS)' })
  .int({ error: 'port must be a whole number' })
  .min(1, { error: 'port must be between 1 and 65535' })
  .max(65535, { error: 'port must be between 1 and 65535' });

const username = z
  .string({ error: 'username is required: the login name of the mailbox that sends' })
  .min(1, { error: 'username is required: the login name of the mailbox that sends' })
  .max(320, { error: 'username is too long (at most 320 characters)' });

const password = z
  .string({ error: 'password is required' })
  .min(1, { error: 'password is required' })
  // Limits what is sealed and stored, and what a hostile client can make us send in AUTH.
  .max(1024, { error: 'password is too long (at most 1024 characters)' });

const caCertificate = z
  .string({ error: 'caCertificate must be the PEM text of the CA certificate' })
  .max(65_536, { error: 'caCertificate is too long (at most 64 KiB of PEM)' })
  .refine(isPemCertificateBundle, {
    error: 'caCertificate must be a PEM certificate ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----")',
  });

const pinnedCertificateSha256 = z
  .string({ error: 'pinnedCertificateSha256 must be the SHA-256 fingerprint of the server certificate' })
  .trim()
  .refine((v) => SHA256_FINGERPRINT.test(v), {
    error: 'pinnedCertificateSha256 must be a SHA-256 fingerprint: 64 hex digits, colons allowed (AB:CD:…)',
  });

export const smtpSecuritySchema = z.enum(['tls', 'starttls', 'none'], {
  error: 'security must be "tls" (SSL/TLS, usually port 465), "starttls" (usually port 587) or "none"',
});

export const smtpRouteSchema = z.strictObject(
  {
    type: z.literal('smtp', { error: 'type must be "smtp"' }),
    host,
    port,
    username,
    password,
    security: smtpSecuritySchema,
    /** With security "starttls": send unencrypted when the server offers no STARTTLS. Off unless explicitly set. */
    allowPlaintextFallback: z.boolean({ error: 'allowPlaintextFallback must be true or false' }).default(false),
    caCertificate: caCertificate.optional(),
    pinnedCertificateSha256: pinnedCertificateSha256.optional(),
    /** verp: Rebound's bounce address (falls back to the hotel's address where the server refuses it); hotel: always the hotel's address. */
    envelopeSender: z.enum(['verp', 'hotel'], { error: 'envelopeSender must be "verp" or "hotel"' }).default('verp'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'the route must be an object') },
);

export type SmtpRoute = z.output<typeof smtpRouteSchema>;
export type SmtpRouteInput = z.input<typeof smtpRouteSchema>;
export type SmtpSecurity = z.output<typeof smtpSecuritySchema>;

/** "AB:cd:…" or "abcd…" → "abcd…" (64 lower-case hex digits), the form compared with the server certificate. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[\s:]/g, '').toLowerCase();
}

export const imapWatcherSchema = z.strictObject(
  {
    host,
    port: z
      .number({ error: 'port must be a number (usually 993 with TLS, 143 without)' })
      .int({ error: 'port must be a whole number' })
      .min(1, { error: 'port must be between 1 and 65535' })
      .max(65535, { error: 'port must be between 1 and 65535' }),
    /** Implicit TLS (IMAPS, usually 993). Without it, imapflow still upgrades with STARTTLS where offered. */
    tls: z.boolean({ error: 'tls must be true or false' }),
    username,
    password,
    folder: z
      .string({ error: 'folder must be the name of an IMAP folder' })
      .trim()
      .min(1, { error: 'folder must not be empty' })
      .max(255, { error: 'folder name is too long' })
      .default('INBOX'),
    moveTo: z
      .string({ error: 'moveTo must be the name of an IMAP folder' })
      .trim()
      .min(1, { error: 'moveTo must not be empty' })
      .max(255, { error: 'moveTo folder name is too long' })
      .default('Rebound/Bounces'),
    /** The hotel already has the bounce in its mailbox; a notification on top is its choice. */
    notifyHotel: z.boolean({ error: 'notifyHotel must be true or false' }).default(false),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : 'the IMAP settings must be an object') },
);

export type ImapWatcherSettings = z.output<typeof imapWatcherSchema>;
export type ImapWatcherSettingsInput = z.input<typeof imapWatcherSchema>;
