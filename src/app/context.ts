import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Db } from '../adapters/db/database.ts';
import type { Keys } from '../security/keys.ts';
import type { Transport } from '../adapters/transports/types.ts';
import type { TenantRecord } from './tenants.ts';
import type { Metrics } from './metrics.ts';
import type { Composer } from '../adapters/mime/composer.ts';

/** Picks the transport for a tenant's route; the platform route carries notifications. */
export interface RouteResolver {
  platform(): Transport;
  forTenant(tenant: TenantRecord): Transport;
  close(): Promise<void>;
}

/** Everything the use cases need, passed in (so tests use real SQLite and real local SMTP servers). */
export interface AppContext {
  db: Db;
  config: Config;
  keys: Keys;
  /** Keys from REBOUND_PREVIOUS_SECRET_KEYS: still accepted for VERP tokens and stored secrets. */
  previousKeys: Keys[];
  log: Logger;
  now: () => Date;
  routes: RouteResolver;
  /** Builds the bytes of the messages the API accepts (on a thread of its own by default). */
  composer: Composer;
  /** Nudges the worker after new work was queued (lower latency than the poll interval). */
  wake: () => void;
  /** Prometheus counters and histograms of this process (absent in tools that run no server). */
  metrics?: Metrics;
  /** What this process has started, for GET /readyz. */
  listeners?: { http: boolean | null; smtp: boolean | null; worker: boolean | null };
}

export const iso = (d: Date) => d.toISOString();
