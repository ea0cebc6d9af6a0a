import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

/**
 * SSRF guard for webhook endpoints a hotel registers. Without it, "POST your events to
 * http://169.254.169.254/latest/meta-data/…" or "http://localhost:5432/" turns Rebound into a
 * proxy into the operator's own network (Standard Webhooks spec, "Server side request forgery").
 *
 * Two checks, because DNS can change between them (DNS rebinding: the name resolves to a public
 * address when the endpoint is registered and to 10.0.0.5 when the worker posts):
 *   1. `checkWebhookTarget` at registration: clear refusal reasons for the API.
 *   2. `postSigned` at delivery: the socket's own DNS lookup goes through the same guard, so the
 *      address that is checked is the address that is connected to.
 * `allowPrivate` (REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS=true) switches both off, for a PMS on the
 * same private network.
 */

/** Resolves a host name to every address it has (A and AAAA). Injected in tests. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** Ranges no webhook may reach, most specific first; the reason is shown to the hotel. */
const FORBIDDEN_V4: ReadonlyArray<readonly [cidr: string, reason: string]> = Object.freeze([
  ['169.254.169.254/32', 'the cloud metadata service'],
  ['0.0.0.0/8', 'a "this network" address (0.0.0.0/8)'],
  ['10.0.0.0/8', 'a private address (RFC 1918)'],
  ['100.64.0.0/10', 'a carrier-grade NAT address (100.64.0.0/10, RFC 6598)'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['172.16.0.0/12', 'a private address (RFC 1918)'],
  ['192.0.0.0/24', 'an IETF protocol address (192.0.0.0/24)'],
  ['192.0.2.0/24', 'a documentation address (TEST-NET-1)'],
  ['192.168.0.0/16', 'a private address (RFC 1918)'],
  ['198.18.0.0/15', 'a benchmarking address (198.18.0.0/15)'],
  ['198.51.100.0/24', 'a documentation address (TEST-NET-2)'],
  ['203.0.113.0/24', 'a documentation address (TEST-NET-3)'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved or broadcast address'],
] as const);

const FORBIDDEN_V6: ReadonlyArray<readonly [cidr: string, reason: string]> = Object.freeze([
  ['::/128', 'the unspecified address (::)'],
  ['::1/128', 'a loopback address (::1)'],
  ['::/96', 'an IPv4-compatible IPv6 address (deprecated)'],
  ['64:ff9b:1::/48', 'a local-use NAT64 address'],
  ['100::/64', 'a discard-only address (100::/64)'],
  ['2001:db8::/32', 'a documentation address (2001:db8::/32)'],
  ['fc00::/7', 'a unique-local address (fc00::/7)'],
  ['fe80::/10', 'a link-local address (fe80::/10)'],
  ['fec0::/10', 'a site-local address (fec0::/10, deprecated)'],
  ['ff00::/8', 'a multicast address'],
] as const);

/** IPv6 forms that carry an IPv4 address inside; the embedded address is judged by the IPv4 table. */
const EMBEDDED_V4: ReadonlyArray<readonly [cidr: string, offset: number, label: string]> = Object.freeze([
  ['::ffff:0:0/96', 12, 'IPv4-mapped'],
  ['64:ff9b::/96', 12, 'NAT64'],
  ['2002::/16', 2, '6to4'],
] as const);

interface Range { bytes: Uint8Array; prefix: number; }
const V4 = FORBIDDEN_V4.map(([cidr, reason]) => ({ range: parseCidr(cidr), reason }));
const V6 = FORBIDDEN_V6.map(([cidr, reason]) => ({ range: parseCidr(cidr), reason }));
const V6_EMBEDDING = EMBEDDED_V4.map(([cidr, offset, label]) => ({ range: parseCidr(cidr), offset, label }));

/**
 * Why `address` must not be a webhook target, or null if it may be. Accepts IPv4 and IPv6 text
 * (with or without brackets or a zone id). Anything that is not an IP address is refused: the guard
 * fails closed.
 */
export function forbiddenAddressReason(address: string): string | null {
  const bytes = parseIp(address);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) return v4Reason(bytes);
  for (const { range, offset, label } of V6_EMBEDDING) {
    if (inRange(bytes, range)) {
      const inner = v4Reason(bytes.subarray(offset, offset + 4));
      return inner ? `${label} ${inner}` : null;
    }
  }
  for (const { range, reason } of V6) if (inRange(bytes, range)) return reason;
  return null;
}

function v4Reason(bytes: Uint8Array): string | null {
  for (const { range, reason } of V4) if (inRange(bytes, range)) return reason;
  return null;
}

export type TargetRefusal = 'invalid_url' | 'scheme' | 'unresolvable' | 'forbidden_address';

export type TargetCheck =
  | { ok: true; url: URL; addresses: LookupAddress[] }
  | { ok: false; code: TargetRefusal; reason: string };

export interface TargetGuardOptions {
  /** REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS=true: any resolvable http(s) target is allowed. */
  allowPrivate?: boolean;
  resolve?: Resolver;
}

/** Registration-time check of a webhook URL; the reason reads well in an API error. */
export async function checkWebhookTarget(url: string, opts: TargetGuardOptions = {}): Promise<TargetCheck> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, code: 'invalid_url', reason: 'is not a valid absolute URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { ok: false, code: 'scheme', reason: `must use http or https, not ${u.protocol.replace(/:$/, '')}` };
  }
  const host = bare(u.hostname);
  if (!host) return { ok: false, code: 'invalid_url', reason: 'has no host' };
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host);
    } catch (e) {
      return { ok: false, code: 'unresolvable', reason: `host ${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
    }
    if (addresses.length === 0) return { ok: false, code: 'unresolvable', reason: `host ${host} has no addresses` };
  }
  if (!opts.allowPrivate) {
    // Every address must pass: a name with one public and one private record is a rebinding tool.
    for (const a of addresses) {
      const why = forbiddenAddressReason(a.address);
      if (why) return { ok: false, code: 'forbidden_address', reason: `host ${host} resolves to ${a.address}, ${why}` };
    }
  }
  return { ok: true, url: u, addresses };
}

/** Error code set on the socket error when the connect-time lookup refuses an address. */
export const FORBIDDEN_TARGET_ERROR_CODE = 'REBOUND_ERR_WEBHOOK_TARGET_FORBIDDEN';

/**
 * A `lookup` for node:net/http that resolves through `resolve` and refuses forbidden addresses, so
 * the address that was checked is the address the socket connects to. Handles both callback forms
 * (`all: true` is what Node 20 asks for when autoSelectFamily is on).
 */
export function guardedLookup(opts: TargetGuardOptions = {}): LookupFunction {
  const resolve = opts.resolve ?? systemResolver;
  return (hostname, options, callback) => {
    resolve(bare(hostname)).then(
      (all) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
        const addresses = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (!opts.allowPrivate) {
          for (const a of all) {
            const why = forbiddenAddressReason(a.address);
            if (why) {
              const err = Object.assign(new Error(`refused to connect: ${hostname} resolves to ${a.address}, ${why}`), { code: FORBIDDEN_TARGET_ERROR_CODE });
              return callback(err, '', 0);
            }
          }
        }
        if (addresses.length === 0) {
          return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
        }
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface PostOptions {
  /** Host name resolver (tests inject one; default: the system's). */
  lookup?: Resolver;
  /** Whole request, connect to last response byte. Default 10 s (the spec suggests 15–30 s at most). */
  timeoutMs?: number;
  /** Bytes of the response body kept for the delivery log; the rest is not read. Default 64 KiB. */
  maxResponseBytes?: number;
  allowPrivate?: boolean;
}

export interface PostOutcome {
  /** HTTP status, or null when no response arrived. 2xx is success; redirects are not followed (spec: 3xx is a failure). */
  status: number | null;
  ok: boolean;
  /** Start of the response body (UTF-8), for the delivery log. */
  responseBody: string;
  truncated: boolean;
  /** Retry-After of a 429/503, in seconds, when given. */
  retryAfterSeconds: number | null;
  /** Why no response arrived: forbidden target, timeout, network error, bad URL. */
  error: { code: string; message: string } | null;
  durationMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one signed webhook. Never throws: the outcome is what the delivery log records. The
 * connection goes to an address the guard approved at connect time; IP-literal URLs (which skip
 * DNS) are checked before connecting.
 */
export async function postSigned(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  opts: PostOptions = {},
): Promise<PostOutcome> {
  const started = Date.now();
  const fail = (code: string, message: string): PostOutcome => ({
    status: null, ok: false, responseBody: '', truncated: false, retryAfterSeconds: null, error: { code, message }, durationMs: Date.now() - started,
  });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return fail('invalid_url', 'is not a valid absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return fail('scheme', `must use http or https, not ${u.protocol}`);
  const host = bare(u.hostname);
  if (isIP(host) && !opts.allowPrivate) {
    const why = forbiddenAddressReason(host);
    if (why) return fail(FORBIDDEN_TARGET_ERROR_CODE, `refused to connect: ${host} is ${why}`);
  }
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const lookup = guardedLookup({ allowPrivate: opts.allowPrivate, resolve: opts.lookup });
  const transport = u.protocol === 'https:' ? https : http;

  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(outcome);
    };
    const req = transport.request(
      u,
      {
        method: 'POST',
        // A fresh agent per post: no pooled socket from an earlier, differently-resolved request is reused.
        agent: false,
        lookup,
        headers: { 'user-agent': 'Rebound-Webhooks', ...headers, 'content-length': String(payload.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = () =>
          finish({
            status: res.statusCode ?? null,
            ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
            responseBody: Buffer.concat(chunks).toString('utf8'),
            truncated,
            retryAfterSeconds: retryAfterSeconds(res.headers['retry-after']),
            error: null,
            durationMs: Date.now() - started,
          });
        res.on('data', (chunk: Buffer) => {
          if (size + chunk.length > maxBytes) {
            // A receiver answering with gigabytes must not fill our memory or the delivery log.
            chunks.push(chunk.subarray(0, maxBytes - size));
            size = maxBytes;
            truncated = true;
            done();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const deadline = setTimeout(() => finish(fail('timeout', `no complete answer within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === FORBIDDEN_TARGET_ERROR_CODE) finish(fail(FORBIDDEN_TARGET_ERROR_CODE, err.message));
      else finish(fail('network', err.code ? `${err.code}: ${err.message}` : err.message));
    });
    req.end(payload);
  });
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterSeconds(value: string | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function parseCidr(cidr: string): Range {
  const [ip, prefix] = cidr.split('/');
  const bytes = parseIp(ip!);
  if (!bytes) throw new Error(`bad CIDR ${cidr}`);
  return { bytes, prefix: Number(prefix) };
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

/** IPv4 → 4 bytes, IPv6 (incl. `::`, a trailing dotted quad, brackets, a `%zone`) → 16 bytes, else null. */
function parseIp(text: string): Uint8Array | null {
  let s = bare(text.trim());
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const kind = isIP(s);
  if (kind === 4) return Uint8Array.from(s.split('.').map(Number));
  if (kind !== 6) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tail = s.slice(lastColon + 1).split('.').map(Number);
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = rest === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  if (words.length !== 8) return null;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => { bytes[2 * i] = w >> 8; bytes[2 * i + 1] = w & 0xff; });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}
