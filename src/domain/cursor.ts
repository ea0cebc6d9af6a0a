import { ReboundError } from '../errors.ts';

/**
 * Page cursors: base64url of `<created_at>|<key>` (the last row seen; the key is an id or an address),
 * opaque to clients. Both lists that page by time use these two.
 */
export function encodePageCursor(at: string, key: string): string {
  return Buffer.from(`${at}|${key}`).toString('base64url');
}

/**
 * The cursor's time and key, or a 400 on `cursor`. Decoded text with control characters (NUL:
 * PostgreSQL refuses it in a text parameter, which was a 500) or bytes that were not UTF-8 (decoded
 * as U+FFFD) cannot be one the API wrote.
 */
export function decodePageCursor(cursor: string): { at: string; key: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [at, key] = text.split('|');
  if (!at || !key || Number.isNaN(Date.parse(at)) || /[\u0000-\u001f\u007f\ufffd]/.test(text)) {
    throw new ReboundError('REBOUND_ERR_REQUEST_INVALID', 'cursor: not a cursor from a previous page', 'cursor');
  }
  return { at, key };
}
