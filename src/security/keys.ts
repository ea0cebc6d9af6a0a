import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * All keys derive from the one operator secret (REBOUND_SECRET_KEY) with HKDF-SHA256 (RFC 5869),
 * one `info` label per purpose, so a leaked VERP key can never decrypt a stored password.
 */
export interface Keys {
  /** Signs VERP tokens. */
  verp: Buffer;
  /** Encrypts stored SMTP/IMAP passwords (AES-256-GCM). */
  secrets: Buffer;
  /** Key id, so ciphertexts say which secret made them (key rotation). */
  keyId: string;
}

export function deriveKeys(secret: string): Keys {
  const ikm = Buffer.from(secret, 'utf8');
  const salt = Buffer.from('rebound/v1');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
  const keyId = createHmac('sha256', derive('key-id')).update('id').digest('hex').slice(0, 8);
  return { verp: derive('verp-token'), secrets: derive('secret-box'), keyId };
}

const SECRET_BOX_PREFIX = 'rb1';

/** Authenticated encryption of a small secret: `rb1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). */
export function sealSecret(keys: Keys, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.secrets, iv);
  cipher.setAAD(Buffer.from(SECRET_BOX_PREFIX));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SECRET_BOX_PREFIX, keys.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function openSecret(keys: Keys, sealed: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== SECRET_BOX_PREFIX) throw new Error('not a sealed secret');
  if (parts[1] !== keys.keyId) throw new Error(`sealed with another key (${parts[1]})`);
  const decipher = createDecipheriv('aes-256-gcm', keys.secrets, Buffer.from(parts[2]!, 'base64url'));
  decipher.setAAD(Buffer.from(SECRET_BOX_PREFIX));
  decipher.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(parts[4]!, 'base64url')), decipher.final()]).toString('utf8');
}

export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === SECRET_BOX_PREFIX ? parts[1]! : null;
}

export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b);
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
