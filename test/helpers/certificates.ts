import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/**
 * Certificates made for the test run: a private CA and server certificates signed by it (valid,
 * expired, for another name), plus a self-signed one. EC keys, so generating all of them takes
 * milliseconds. Every name points at 127.0.0.1, where the test servers listen.
 */
export interface ServerCertificate {
  key: string;
  cert: string;
  /** SHA-256 fingerprint as Node prints it (AB:CD:…). */
  sha256: string;
}

export interface TestCertificates {
  ca: { key: string; cert: string };
  /** Signed by `ca`, for 127.0.0.1 and localhost, valid now. */
  valid: ServerCertificate;
  /** Signed by `ca`, for 127.0.0.1, expired yesterday. */
  expired: ServerCertificate;
  /** Signed by `ca`, for mail.example.com only. */
  wrongName: ServerCertificate;
  /** Self-signed, for 127.0.0.1. */
  selfSigned: ServerCertificate;
}

const DAY = 24 * 60 * 60 * 1000;
const LOOPBACK_NAMES = [
  { type: 2 as const, value: 'localhost' },
  { type: 7 as const, ip: '127.0.0.1' },
];

async function leaf(
  commonName: string,
  altNames: Array<{ type: 2; value: string } | { type: 7; ip: string }>,
  validity: { notBeforeDate: Date; notAfterDate: Date },
  ca?: { key: string; cert: string },
): Promise<ServerCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ...validity,
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  } as Parameters<typeof generate>[1]);
  return { key: pems.private, cert: pems.cert, sha256: new X509Certificate(pems.cert).fingerprint256 };
}

let cached: Promise<TestCertificates> | null = null;

export function testCertificates(): Promise<TestCertificates> {
  cached ??= (async () => {
    const now = Date.now();
    const current = { notBeforeDate: new Date(now - DAY), notAfterDate: new Date(now + 30 * DAY) };
    const caPems = await generate([{ name: 'commonName', value: 'Rebound Test Hotel CA' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      ...current,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    } as Parameters<typeof generate>[1]);
    const ca = { key: caPems.private, cert: caPems.cert };
    const [valid, expired, wrongName, selfSigned] = await Promise.all([
      leaf('127.0.0.1', LOOPBACK_NAMES, current, ca),
      leaf('127.0.0.1', LOOPBACK_NAMES, { notBeforeDate: new Date(now - 10 * DAY), notAfterDate: new Date(now - DAY) }, ca),
      leaf('mail.example.com', [{ type: 2, value: 'mail.example.com' }], current, ca),
      leaf('127.0.0.1', LOOPBACK_NAMES, current),
    ]);
    return { ca, valid, expired, wrongName, selfSigned };
  })();
  return cached;
}
