/** The ordered provider registry and its lookup: a provider row overrides the generic reason engine. */
import type { Reason } from '../types.ts';
import gmail from './gmail.ts';
import gmx from './gmx.ts';
import icloud from './icloud.ts';
import outlook from './outlook.ts';
import tonline from './tonline.ts';
import type { Provider } from './types.ts';
import yahoo from './yahoo.ts';

export const PROVIDERS: readonly Provider[] = Object.freeze([gmail, outlook, yahoo, gmx, tonline, icloud]);

export interface ProviderMatch {
  reason: Reason;
  from: string;
}

function servedBy(p: Provider, remoteMta: string | null, domain: string, text: string): boolean {
  if (p.signatures?.some((s) => text.includes(s))) return true;
  const host = (remoteMta ?? '').toLowerCase();
  if (host && p.hosts.some((h) => host === h.replace(/^\./, '') || host.endsWith(h))) return true;
  return p.domains.some((d) => domain === d || domain.endsWith('.' + d));
}

export function providerReason(remoteMta: string | null, address: string, replyCode: string | null, status: string | null, diagnostic: string): ProviderMatch | null {
  const domain = address.toLowerCase().split('@')[1] ?? '';
  const text = diagnostic.toLowerCase();
  for (const p of PROVIDERS) {
    if (!servedBy(p, remoteMta, domain, text)) continue;
    for (const [reply, st, fragment, reason] of p.rows) {
      if (reply && reply !== replyCode) continue;
      if (st && st !== status) continue;
      if (fragment && !text.includes(fragment)) continue;
      return { reason, from: `provider:${p.id}` };
    }
  }
  return null;
}

export type { Provider, ProviderRow } from './types.ts';
