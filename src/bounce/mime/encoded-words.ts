/** RFC 2047 encoded words in header values: =?charset?B|Q?text?= */
import { decodeCharset } from './charset.ts';
import { decodeBase64 } from './transfer.ts';

/** Named because it is the one regex the header decoder needs; bounded by `[^?]` runs. */
const ENCODED_WORD = /=\?([^?\s]{1,40})\?([bBqQ])\?([^?]*)\?=/g;
const BETWEEN_WORDS = /^[ \t\r\n]+$/;

function decodeQ(text: string): string {
  return text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let previousWasWord = false;
  for (const m of value.matchAll(ENCODED_WORD)) {
    const start = m.index ?? 0;
    const gap = value.slice(last, start);
    // RFC 2047 §6.2: whitespace between adjacent encoded words is dropped.
    if (!(previousWasWord && BETWEEN_WORDS.test(gap))) out += gap;
    const charset = m[1].split('*')[0];
    const raw = m[2].toLowerCase() === 'b' ? decodeBase64(m[3]) : decodeQ(m[3]);
    out += decodeCharset(raw, charset);
    last = start + m[0].length;
    previousWasWord = true;
  }
  return out + value.slice(last);
}
