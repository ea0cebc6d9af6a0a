/** Content-Transfer-Encoding decoding (RFC 2045 §6), on binary strings, never throwing. */

export function decodeBase64(text: string): string {
  // Buffer's decoder skips whitespace and stops at garbage instead of throwing.
  return Buffer.from(text, 'base64').toString('latin1');
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Quoted-printable (RFC 2045 §6.7): soft line breaks removed, =XX decoded, broken escapes kept as is. */
export function decodeQuotedPrintable(text: string): string {
  let out = '';
  let chunkStart = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 61 /* = */) continue;
    out += text.slice(chunkStart, i);
    const a = text.charCodeAt(i + 1);
    if (a === 13 && text.charCodeAt(i + 2) === 10) { i += 2; chunkStart = i + 1; continue; }
    if (a === 10) { i += 1; chunkStart = i + 1; continue; }
    // "=  \n": soft break with trailing whitespace
    let j = i + 1;
    while (j < text.length && (text[j] === ' ' || text[j] === '\t')) j++;
    if (j > i + 1 && (text[j] === '\n' || text[j] === '\r')) {
      if (text[j] === '\r' && text[j + 1] === '\n') j++;
      i = j; chunkStart = i + 1; continue;
    }
    const hi = hexValue(a);
    const lo = hexValue(text.charCodeAt(i + 2));
    if (hi >= 0 && lo >= 0) {
      out += String.fromCharCode(hi * 16 + lo);
      i += 2;
      chunkStart = i + 1;
    } else {
      out += '=';
      chunkStart = i + 1;
    }
  }
  return out + text.slice(chunkStart);
}

export function decodeTransfer(body: string, encoding: string | null | undefined): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return decodeBase64(body);
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}
