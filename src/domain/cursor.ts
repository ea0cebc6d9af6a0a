/**
 * A page cursor is base64url of text the API wrote itself (a time and an id or address). Decoded text
 * with control characters (NUL: PostgreSQL refuses it in a text parameter, which was a 500) or bytes
 * that were not UTF-8 (decoded as U+FFFD) cannot be one of ours.
 */
export function plainCursorText(text: string): boolean {
  return !/[\u0000-\u001f\u007f\ufffd]/.test(text);
}
