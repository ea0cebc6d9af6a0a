import type { AppContext } from './context.ts';
import { pendingMigrations } from '../adapters/db/database.ts';

/** What GET /readyz checks: the database answers, every migration is applied, this process's listeners are up. */
export async function readiness(ctx: AppContext, timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {};
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), timeoutMs); });
  try {
    const missing = await Promise.race([pendingMigrations(ctx.db), timeout]);
    checks.database = 'ok';
    checks.migrations = missing.length === 0 ? 'ok' : `pending: ${missing.join(', ')}`;
  } catch (e) {
    // The error text may carry connection details: name the failure, not the URL.
    checks.database = `unavailable (${(e as Error).message === 'timed out' ? 'timed out' : 'error'})`;
    checks.migrations = 'unknown';
  } finally {
    clearTimeout(timer);
  }
  const l = ctx.listeners;
  if (l?.http !== null && l?.http !== undefined) checks.http = l.http ? 'ok' : 'down';
  if (l?.smtp !== null && l?.smtp !== undefined) checks.smtp = l.smtp ? 'ok' : 'down';
  if (l?.worker !== null && l?.worker !== undefined) checks.worker = l.worker ? 'ok' : 'stopping';
  return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
}
