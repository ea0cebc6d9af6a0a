/**
 * Bytes (held as a binary "latin1" string, one char per byte) to text, by declared charset.
 * Node 20's TextDecoder knows iso-2022-jp, shift_jis, euc-jp, iso-8859-x, windows-125x, koi8-r, gb18030, big5.
 */

const decoders = new Map<string, TextDecoder | null>();

/** Aliases seen in real bounces that TextDecoder does not know by that spelling. */
const CHARSET_ALIASES: ReadonlyMap<string, string> = new Map([
  ['utf8', 'utf-8'],
  ['us-ascii', 'windows-1252'],
  ['ascii', 'windows-1252'],
  ['ansi_x3.4-1968', 'windows-1252'],
  ['latin1', 'iso-8859-1'],
  ['latin-1', 'iso-8859-1'],
  ['cp1252', 'windows-1252'],
  ['cp-850', 'ibm866'],
  ['x-sjis', 'shift_jis'],
  ['sjis', 'shift_jis'],
  ['cp932', 'shift_jis'],
  ['windows-31j', 'shift_jis'],
  ['ks_c_5601-1987', 'euc-kr'],
  ['x-unknown', 'windows-1252'],
  ['unknown-8bit', 'windows-1252'],
  ['8bit', 'windows-1252'],
]);

function decoderFor(charset: string): TextDecoder | null {
  const key = CHARSET_ALIASES.get(charset) ?? charset;
  if (decoders.has(key)) return decoders.get(key) ?? null;
  let decoder: TextDecoder | null = null;
  try {
    decoder = new TextDecoder(key, { fatal: false });
  } catch {
    decoder = null;
  }
  decoders.set(key, decoder);
  return decoder;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const windows1252 = new TextDecoder('windows-1252');

/** True when the binary string holds only 7-bit bytes (then no decoding is needed). */
export function isAscii(binary: string): boolean {
  for (let i = 0; i < binary.length; i++) if (binary.charCodeAt(i) > 0x7f) return false;
  return true;
}

export function binaryToBytes(binary: string): Uint8Array {
  return Buffer.from(binary, 'latin1');
}

/**
 * Decode bytes as the declared charset; undeclared or unknown charsets try strict UTF-8 first
 * (most raw 8-bit bounces today are UTF-8) and fall back to Windows-1252, which maps every byte.
 */
export function decodeCharset(binary: string, charset: string | null | undefined): string {
  const cs = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (cs === 'iso-2022-jp' || cs.startsWith('iso-2022-')) {
    // 7-bit escape sequences: must be decoded even though every byte is ASCII.
    const d = decoderFor(cs);
    if (d) return d.decode(binaryToBytes(binary));
  }
  if (isAscii(binary)) return binary;
  if (cs && cs !== 'us-ascii' && cs !== 'ascii' && !CHARSET_ALIASES.has(cs)) {
    const d = decoderFor(cs);
    if (d) return d.decode(binaryToBytes(binary));
  }
  const bytes = binaryToBytes(binary);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const d = cs ? decoderFor(cs) : null;
    return (d ?? windows1252).decode(bytes);
  }
}
