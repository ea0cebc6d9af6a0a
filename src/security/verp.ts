import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './keys.ts';

/**
 * VERP return path: `bounces+<token>@<notifications domain>`. The token names the recipient row
 * (which names message and address) and carries a truncated HMAC so bounces cannot be forged.
 * Lower-case base32-ish alphabet only: local parts are case-insensitive at many MTAs and some
 * rewrite case, so the token must survive lower-casing.
 * Format: `<recipientId>-<mac>`; recipientId is [a-z0-9_]+, mac is 16 hex chars (64 bits).
 */
const MAC_HEX_LENGTH = 16;
const TOKEN = /^([a-z0-9_]{1,40})-([0-9a-f]{16})$/;

export function verpToken(key: Buffer, recipientId: string): string {
  return `${recipientId}-${mac(key, recipientId)}`;
}

export function verpAddress(key: Buffer, recipientId: string, domain: string): string {
  return `bounces+${verpToken(key, recipientId)}@${domain}`;
}

/** Returns the recipient id named by a VERP address for `domain`, or null if it is not a valid one of ours. */
export function parseVerpAddress(key: Buffer, address: string, domain: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  const local = address.slice(0, at).toLowerCase();
  if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
  if (!local.startsWith('bounces+')) return null;
  const m = TOKEN.exec(local.slice('bounces+'.length));
  if (!m) return null;
  return constantTimeEqual(m[2]!, mac(key, m[1]!)) ? m[1]! : null;
}

function mac(key: Buffer, recipientId: string): string {
  return createHmac('sha256', key).update(`verp:${recipientId}`).digest('hex').slice(0, MAC_HEX_LENGTH);
}
