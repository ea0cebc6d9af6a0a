/** RFC 5322 header blocks: split, unfold, look up. Values stay raw until asked for. */
import { decodeCharset, isAscii } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** Unfolded raw value (binary string). */
  raw: string;
  /** `raw` decoded (charset, encoded words), filled on first use: decoders ask for the same fields many times. */
  decoded?: string;
}

function decodedValue(f: HeaderField): string {
  if (f.decoded === undefined) f.decoded = decodeHeaderValue(f.raw);
  return f.decoded;
}

export class Headers {
  constructor(readonly fields: readonly HeaderField[]) {}

  /** First value of the field, unfolded, with encoded words and raw 8-bit decoded; null when absent. */
  get(name: string): string | null {
    const lower = name.toLowerCase();
    for (const f of this.fields) if (f.name === lower) return decodedValue(f);
    return null;
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const f of this.fields) if (f.name === lower) out.push(decodedValue(f));
    return out;
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.fields.some((f) => f.name === lower);
  }
}

export function decodeHeaderValue(raw: string): string {
  const text = isAscii(raw) ? raw : decodeCharset(raw, null);
  return decodeEncodedWords(text).trim();
}

/** A field name per RFC 5322 §3.6.8: printable ASCII except colon, no spaces. */
function fieldNameEnd(line: string): number {
  const colon = line.indexOf(':');
  if (colon <= 0 || colon > 76) return -1;
  for (let i = 0; i < colon; i++) {
    const c = line.charCodeAt(i);
    if (c <= 32 || c >= 127) return -1;
  }
  return colon;
}

/**
 * ASCII whitespace runs only: on a binary string \s would also match 0xA0, the last byte of many UTF-8
 * characters. Most values have nothing to collapse; `needsCollapse` spares them the regex.
 */
const WHITESPACE_RUN = /[ \t\r\n]+/g;

function needsCollapse(value: string): boolean {
  return value.includes('  ') || value.includes('\t') || value.includes('\r') || value.includes('\n');
}

export interface SplitResult {
  headers: Headers;
  /** Offset in the input where the body starts. */
  bodyStart: number;
}

/**
 * Split a header block off `text` (binary string). Stops at the first empty line, at the first line
 * that is neither a field nor a continuation, or after `maxBytes`.
 */
export function splitHeaders(text: string, maxBytes: number): SplitResult {
  const fields: HeaderField[] = [];
  let pos = 0;
  const limit = Math.min(text.length, maxBytes);
  // Tolerate an mbox "From " line in front of the headers.
  if (text.startsWith('From ')) {
    const nl = text.indexOf('\n');
    pos = nl < 0 ? text.length : nl + 1;
  }
  let current: HeaderField | null = null;
  let parts: string[] = [];
  const flush = (): void => {
    if (current) {
      const joined = parts.length === 1 ? parts[0] : parts.join(' ');
      current.raw = needsCollapse(joined) ? joined.replace(WHITESPACE_RUN, ' ').trim() : joined;
      fields.push(current);
    }
    current = null;
    parts = [];
  };
  while (pos < limit) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let line = text.slice(pos, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length === 0) {
      pos = nl + 1;
      break;
    }
    const first = line.charCodeAt(0);
    if ((first === 32 || first === 9) && current) {
      parts.push(line.trim());
      pos = nl + 1;
      continue;
    }
    const colon = fieldNameEnd(line);
    if (colon < 0) break; // not a header line: the body starts here
    flush();
    current = { name: line.slice(0, colon).toLowerCase(), raw: '' };
    parts.push(line.slice(colon + 1).trim());
    pos = nl + 1;
  }
  flush();
  return { headers: new Headers(fields), bodyStart: Math.min(pos, text.length) };
}

/** `type/subtype; a=b; c="d"` → lower-case type and a parameter map (RFC 2045 §5.1, RFC 2231 continuations). */
export function parseContentType(value: string | null): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  if (!value) return { type: '', params };
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (semi >= 0) {
    const rest = value.slice(semi + 1);
    const re = /([^\s=;]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/g;
    for (const m of rest.matchAll(re)) {
      let name = m[1].toLowerCase();
      let v = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2].trim();
      if (name.endsWith('*')) {
        name = name.slice(0, -1);
        const q = v.indexOf("''");
        if (q >= 0) v = v.slice(q + 2);
        try { v = decodeURIComponent(v); } catch { /* keep raw */ }
      }
      const cont = /^(.*)\*\d+$/.exec(name);
      if (cont) {
        params.set(cont[1], (params.get(cont[1]) ?? '') + v);
      } else if (!params.has(name)) {
        params.set(name, v);
      }
    }
  }
  return { type, params };
}
