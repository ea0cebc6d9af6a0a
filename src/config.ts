import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * Configuration: read and validated once at start-up into one typed object. Nothing here runs at
 * import time. Every variable has a safe embedded default so `rebound serve` runs with none set.
 */
export interface Config {
  dataDir: string;
  databaseUrl: string;
  httpHost: string;
  httpPort: number;
  /** Worker and smtp processes: a port for /healthz, /readyz and /metrics only (null = none). */
  opsPort: number | null;
  smtpHost: string;
  smtpPort: number;
  notificationsDomain: string;
  /** Platform smarthost; null = local capture mailbox (nothing leaves the machine). */
  relayUrl: string | null;
  adminToken: string;
  /** True when the token lives in the data folder (no REBOUND_ADMIN_TOKEN); adminTokenNew: made by this start. */
  adminTokenGenerated: boolean;
  adminTokenNew: boolean;
  secretKey: string;
  secretKeyGenerated: boolean;
  secretKeyNew: boolean;
  /** PEM files for STARTTLS on the inbound listener; without them STARTTLS is not offered. */
  smtpTlsKeyFile: string | null;
  smtpTlsCertFile: string | null;
  /** Previous secret keys, still accepted for decrypting and VERP checks during a rotation. */
  previousSecretKeys: string[];
  /** A temporary failure becomes final after this long (RFC 5321 §4.5.4.1 suggests 4–5 days). */
  maxRetryAgeSeconds: number;
  /** Ceiling of the first retry's delay; later ones double (full jitter), up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  timeZone: string;
  /** Largest inbound message accepted on the SMTP listener. */
  maxInboundBytes: number;
  /** Largest message accepted by the API (body + attachments after base64 decoding). */
  maxMessageBytes: number;
  retentionDays: number;
  workerPollMs: number;
  /** How often hotels' IMAP mailboxes are checked for bounces (own-SMTP route). */
  imapPollSeconds: number;
  /** Recipients one worker process delivers at the same time. */
  workerConcurrency: number;
  /** Threads that compose MIME messages for the API (0 = on the event loop). */
  composeThreads: number;
  /** SIGTERM: how long in-flight sends may take before their connections are cut (0 = no limit). */
  drainMs: number;
  /** How long a worker owns a claimed recipient or notification; renewed while a send is still running. */
  leaseMs: number;
  /** Bearer token required by GET /metrics; null = open (bind the HTTP port to a private network). */
  metricsToken: string | null;
  logLevel: string;
  /** Whether `serve` and the other commands apply pending migrations when they start (else they refuse to start on a schema behind them). */
  migrateOnStart: boolean;
  /** The Mailgun route; null unless REBOUND_MAILGUN_API_KEY and REBOUND_MAILGUN_DOMAIN are set. */
  mailgun: { apiKey: string; domain: string; region: 'eu' | 'us'; baseUrl: string | null } | null;
  /** Key Mailgun signs event webhooks with (not the API key); null = POST /v1/webhooks/mailgun refuses. */
  mailgunWebhookSigningKey: string | null;
  /** Lets hotels register webhook endpoints on private and loopback addresses (same-network PMS, tests). */
  webhookAllowPrivateTargets: boolean;
  /** Hotels' own SMTP hosts may be loopback/private addresses (off: a hotel key must not probe the platform's network). */
  smtpAllowPrivateHosts: boolean;
  /** Simultaneous inbound SMTP connections one address may hold (of 200 in all). */
  smtpMaxConnectionsPerAddress: number;
  /** An endpoint whose posts have failed without a success for this long is disabled and the hotel told. */
  webhookDisableAfterHours: number;
  /** This many soft bounces of one address within softBounceWindowDays suppress it; 0 = never. */
  suppressAfterSoftBounces: number;
  softBounceWindowDays: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  if (raw === 'false' || raw === '0' || raw === 'no') return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$/i;

/** Reads an existing generated value or makes one, mode 0600. */
function generatedFile(dir: string, name: string, make: () => string): { value: string; generated: boolean } {
  const path = join(dir, name);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), generated: false };
  const value = make();
  writeFileSync(path, value + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return { value, generated: true };
}

export function loadConfig(env: Env = process.env, opts: { dataDir?: string } = {}): Config {
  if (env.REBOUND_DATA_DIR !== undefined && env.REBOUND_DATA_DIR.trim() === '') throw new ConfigError('REBOUND_DATA_DIR', 'is empty; unset it for ./data or name a folder');
  const dataDir = resolve(opts.dataDir ?? env.REBOUND_DATA_DIR ?? './data');
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) throw new ConfigError('REBOUND_DATA_DIR', `${dataDir} exists and is not a folder`);

  const databaseUrl = env.REBOUND_DATABASE_URL?.trim() || `sqlite:${join(dataDir, 'rebound.sqlite')}`;
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('REBOUND_DATABASE_URL', 'must be sqlite:<file> or postgres://user@host/db');
  }
  // "sqlite:" alone would open a throwaway temporary database: everything accepted would be lost.
  if (databaseUrl.startsWith('sqlite:') && databaseUrl.slice('sqlite:'.length).trim() === '') {
    throw new ConfigError('REBOUND_DATABASE_URL', 'sqlite: needs a file name, e.g. sqlite:./data/rebound.sqlite');
  }
  if (/^postgres(ql)?:\/\/\/?$/.test(databaseUrl)) throw new ConfigError('REBOUND_DATABASE_URL', 'names no PostgreSQL host, e.g. postgres://rebound@127.0.0.1:5432/rebound');

  const notificationsDomain = (env.REBOUND_NOTIFICATIONS_DOMAIN?.trim() || 'notifications.localhost').toLowerCase();
  if (!DOMAIN.test(notificationsDomain)) {
    throw new ConfigError('REBOUND_NOTIFICATIONS_DOMAIN', `"${notificationsDomain}" is not a domain name`);
  }

  let relayUrl: string | null = env.REBOUND_RELAY_URL?.trim() || null;
  if (relayUrl) {
    let u: URL;
    try { u = new URL(relayUrl); } catch { throw new ConfigError('REBOUND_RELAY_URL', 'is not a URL (expected smtp://host:port or smtps://user:pass@host:465)'); }
    if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new ConfigError('REBOUND_RELAY_URL', `must start with smtp:// or smtps://, got ${u.protocol}//`);
    if (!u.hostname) throw new ConfigError('REBOUND_RELAY_URL', 'has no host');
  }

  const needsDir = databaseUrl.startsWith('sqlite:') || !env.REBOUND_ADMIN_TOKEN || !env.REBOUND_SECRET_KEY;
  if (needsDir) {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new ConfigError('REBOUND_DATA_DIR', `cannot create ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  if (env.REBOUND_ADMIN_TOKEN !== undefined && env.REBOUND_ADMIN_TOKEN !== '' && env.REBOUND_ADMIN_TOKEN.trim() === '') {
    throw new ConfigError('REBOUND_ADMIN_TOKEN', 'is only spaces; unset it to have one generated');
  }
  let adminToken = env.REBOUND_ADMIN_TOKEN?.trim() ?? '';
  let adminTokenGenerated = false;
  let adminTokenNew = false;
  if (adminToken) {
    if (adminToken.length < 16) throw new ConfigError('REBOUND_ADMIN_TOKEN', 'must be at least 16 characters');
  } else {
    const g = generatedFile(dataDir, 'admin-token', () => `rb_admin_${randomBytes(24).toString('base64url')}`);
    adminToken = g.value;
    adminTokenGenerated = true;
    adminTokenNew = g.generated;
  }

  let secretKey = env.REBOUND_SECRET_KEY ?? '';
  let secretKeyGenerated = false;
  let secretKeyNew = false;
  if (secretKey) {
    if (secretKey.trim().length < 32) throw new ConfigError('REBOUND_SECRET_KEY', 'must be at least 32 characters (not counting spaces)');
  } else {
    const g = generatedFile(dataDir, 'secret-key', () => randomBytes(32).toString('base64url'));
    secretKey = g.value;
    secretKeyGenerated = true;
    secretKeyNew = g.generated;
  }
  const previousSecretKeys = (env.REBOUND_PREVIOUS_SECRET_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of previousSecretKeys) if (k.length < 32) throw new ConfigError('REBOUND_PREVIOUS_SECRET_KEYS', 'each key must be at least 32 characters');

  const smtpTlsKeyFile = env.REBOUND_SMTP_TLS_KEY_FILE?.trim() || null;
  const smtpTlsCertFile = env.REBOUND_SMTP_TLS_CERT_FILE?.trim() || null;
  if (Boolean(smtpTlsKeyFile) !== Boolean(smtpTlsCertFile)) {
    throw new ConfigError(smtpTlsKeyFile ? 'REBOUND_SMTP_TLS_CERT_FILE' : 'REBOUND_SMTP_TLS_KEY_FILE', 'set both REBOUND_SMTP_TLS_KEY_FILE and REBOUND_SMTP_TLS_CERT_FILE, or neither');
  }
  for (const [name, file] of [['REBOUND_SMTP_TLS_KEY_FILE', smtpTlsKeyFile], ['REBOUND_SMTP_TLS_CERT_FILE', smtpTlsCertFile]] as const) {
    if (file && !existsSync(file)) throw new ConfigError(name, `file not found: ${file}`);
  }

  const logLevel = env.REBOUND_LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('REBOUND_LOG_LEVEL', 'must be one of fatal, error, warn, info, debug, trace, silent');
  }

  const timeZone = env.REBOUND_TIME_ZONE?.trim() || 'Europe/Vienna';
  try { new Intl.DateTimeFormat('en', { timeZone }); } catch { throw new ConfigError('REBOUND_TIME_ZONE', `"${timeZone}" is not an IANA time zone such as Europe/Vienna`); }

  const mailgunApiKey = env.REBOUND_MAILGUN_API_KEY?.trim() || null;
  const mailgunDomain = env.REBOUND_MAILGUN_DOMAIN?.trim().toLowerCase() || null;
  if (mailgunApiKey && !mailgunDomain) throw new ConfigError('REBOUND_MAILGUN_DOMAIN', 'is required when REBOUND_MAILGUN_API_KEY is set (the sending domain at Mailgun, e.g. mg.example.com)');
  if (mailgunDomain && !mailgunApiKey) throw new ConfigError('REBOUND_MAILGUN_API_KEY', 'is required when REBOUND_MAILGUN_DOMAIN is set');
  if (mailgunDomain && !DOMAIN.test(mailgunDomain)) throw new ConfigError('REBOUND_MAILGUN_DOMAIN', `"${mailgunDomain}" is not a domain name`);
  const mailgunRegion = (env.REBOUND_MAILGUN_REGION?.trim().toLowerCase() || 'eu');
  if (mailgunRegion !== 'eu' && mailgunRegion !== 'us') throw new ConfigError('REBOUND_MAILGUN_REGION', `must be eu or us, got "${mailgunRegion}"`);
  const mailgunBaseUrl = env.REBOUND_MAILGUN_BASE_URL?.trim() || null;
  if (mailgunBaseUrl) {
    let u: URL;
    try { u = new URL(mailgunBaseUrl); } catch { throw new ConfigError('REBOUND_MAILGUN_BASE_URL', 'is not a URL (expected an origin such as https://api.eu.mailgun.net)'); }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ConfigError('REBOUND_MAILGUN_BASE_URL', `must start with https:// or http://, got ${u.protocol}//`);
    if (u.pathname !== '/' || u.search || u.hash) throw new ConfigError('REBOUND_MAILGUN_BASE_URL', 'must be an origin only (scheme, host, port), without a path');
  }
  const mailgunWebhookSigningKey = env.REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY?.trim() || null;
  if (mailgunWebhookSigningKey && mailgunApiKey && mailgunWebhookSigningKey === mailgunApiKey) {
    // Mailgun signs webhooks with a separate key; a copy of the API key here can never verify anything.
    throw new ConfigError('REBOUND_MAILGUN_WEBHOOK_SIGNING_KEY', 'is the API key; use the "HTTP webhook signing key" from Mailgun\'s Webhooks page');
  }

  const retryBaseSeconds = int(env, 'REBOUND_RETRY_BASE_SECONDS', 30, 1, 3600);
  const retryMaxSeconds = int(env, 'REBOUND_RETRY_MAX_SECONDS', 6 * 3600, 1, 7 * 24 * 3600);
  if (retryMaxSeconds < retryBaseSeconds) throw new ConfigError('REBOUND_RETRY_MAX_SECONDS', `must be at least REBOUND_RETRY_BASE_SECONDS (${retryBaseSeconds})`);

  return {
    dataDir,
    databaseUrl,
    httpHost: env.REBOUND_HTTP_HOST?.trim() || '127.0.0.1',
    httpPort: int(env, 'REBOUND_HTTP_PORT', 8025, 0, 65535),
    opsPort: env.REBOUND_OPS_PORT?.trim() ? int(env, 'REBOUND_OPS_PORT', 0, 0, 65535) : null,
    smtpHost: env.REBOUND_SMTP_HOST?.trim() || '127.0.0.1',
    smtpPort: int(env, 'REBOUND_SMTP_PORT', 2525, 0, 65535),
    notificationsDomain,
    relayUrl,
    adminToken,
    adminTokenGenerated,
    adminTokenNew,
    secretKey,
    secretKeyGenerated,
    secretKeyNew,
    smtpTlsKeyFile,
    smtpTlsCertFile,
    previousSecretKeys,
    maxRetryAgeSeconds: int(env, 'REBOUND_MAX_RETRY_AGE_SECONDS', 4 * 24 * 3600, 1, 30 * 24 * 3600),
    retryBaseMs: retryBaseSeconds * 1000,
    retryMaxMs: retryMaxSeconds * 1000,
    timeZone,
    maxInboundBytes: int(env, 'REBOUND_MAX_INBOUND_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxMessageBytes: int(env, 'REBOUND_MAX_MESSAGE_BYTES', 20 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    retentionDays: int(env, 'REBOUND_RETENTION_DAYS', 30, 1, 3650),
    workerPollMs: int(env, 'REBOUND_WORKER_POLL_MS', 500, 10, 60_000),
    imapPollSeconds: int(env, 'REBOUND_IMAP_POLL_SECONDS', 120, 5, 86_400),
    workerConcurrency: int(env, 'REBOUND_WORKER_CONCURRENCY', 8, 1, 256),
    composeThreads: int(env, 'REBOUND_COMPOSE_THREADS', 1, 0, 16),
    drainMs: int(env, 'REBOUND_DRAIN_SECONDS', 25, 0, 3600) * 1000,
    leaseMs: int(env, 'REBOUND_LEASE_SECONDS', 300, 2, 86_400) * 1000,
    metricsToken: env.REBOUND_METRICS_TOKEN?.trim() || null,
    logLevel,
    migrateOnStart: bool(env, 'REBOUND_MIGRATE_ON_START', true),
    mailgun: mailgunApiKey && mailgunDomain ? { apiKey: mailgunApiKey, domain: mailgunDomain, region: mailgunRegion, baseUrl: mailgunBaseUrl } : null,
    mailgunWebhookSigningKey,
    webhookAllowPrivateTargets: bool(env, 'REBOUND_WEBHOOK_ALLOW_PRIVATE_TARGETS', false),
    smtpAllowPrivateHosts: bool(env, 'REBOUND_SMTP_ALLOW_PRIVATE_HOSTS', false),
    smtpMaxConnectionsPerAddress: int(env, 'REBOUND_SMTP_MAX_CONNECTIONS_PER_ADDRESS', 20, 1, 200),
    webhookDisableAfterHours: int(env, 'REBOUND_WEBHOOK_DISABLE_AFTER_HOURS', 72, 24, 24 * 90),
    suppressAfterSoftBounces: int(env, 'REBOUND_SUPPRESS_AFTER_SOFT_BOUNCES', 0, 0, 100),
    softBounceWindowDays: int(env, 'REBOUND_SOFT_BOUNCE_WINDOW_DAYS', 30, 1, 365),
  };
}
