/** The ordered provider registry and its lookup: a provider row overrides the generic reason engine. */
import type { Reason } from '../types.ts';
import cox from './cox.ts';
import facebook from './facebook.ts';
import franceptt from './franceptt.ts';
import gmail from './gmail.ts';
import godaddy from './godaddy.ts';
import gmx from './gmx.ts';
import icloud from './icloud.ts';
import kddi from './kddi.ts';
import messagelabs from './messagelabs.ts';
import mimecast from './mimecast.ts';
import nttdocomo from './nttdocomo.ts';
import outlook from './outlook.ts';
import spectrum from './spectrum.ts';
import tencent from './tencent.ts';
import tonline from './tonline.ts';
import type { Provider } from './types.ts';
import yahoo from './yahoo.ts';

export const PROVIDERS: readonly Provider[] = Object.freeze([
  gmail, outlook, yahoo, gmx, tonline, icloud, franceptt, kddi, nttdocomo, tencent, messagelabs, mimecast, godaddy, spectrum, facebook, cox,
]);

export interface ProviderMatch {
  reason: Reason;
  from: string;
}

/** Each provider's host suffixes without the leading dot, computed once. */
const BARE_HOSTS: ReadonlyMap<Provider, readonly string[]> = new Map(PROVIDERS.map((p) => [p, p.hosts.map((h) => h.replace(/^\./, ''))]));

function hostIs(p: Provider, host: string): boolean {
  if (!host) return false;
  const bare = BARE_HOSTS.get(p) ?? [];
  for (let i = 0; i < p.hosts.length; i++) if (host === bare[i] || host.endsWith(p.hosts[i])) return true;
  return false;
}

/**
 * Is this report about a host of provider `p`? By the recipient's domain, the remote MTA, a text only its
 * servers write, or — as Sisimai's rhost rules do — the reporting MTA (the provider's own outbound relay).
 */
function servedBy(p: Provider, remoteMta: string, reportingMta: string, domain: string, text: string): boolean {
  if (p.signatures?.some((s) => text.includes(s))) return true;
  if (hostIs(p, remoteMta)) return true;
  if (p.domains.some((d) => domain === d || domain.endsWith('.' + d))) return true;
  return hostIs(p, reportingMta);
}

export function providerReason(remoteMta: string | null, address: string, replyCode: string | null, status: string | null, diagnostic: string, reportingMta: string | null = null): ProviderMatch | null {
  const domain = address.toLowerCase().split('@')[1] ?? '';
  const text = diagnostic.toLowerCase();
  const remote = (remoteMta ?? '').toLowerCase();
  const reporting = (reportingMta ?? '').toLowerCase();
  for (const p of PROVIDERS) {
    if (!servedBy(p, remote, reporting, domain, text)) continue;
    const coded = p.byCode?.(text);
    if (coded) return { reason: coded, from: `provider:${p.id}:code` };
    const remoteRows = p.remoteRows && hostIs(p, remote) ? p.remoteRows : [];
    for (const rows of [remoteRows, p.rows]) {
      for (const [reply, st, fragment, reason] of rows) {
        if (reply && reply !== replyCode) continue;
        if (st && st !== status) continue;
        if (fragment && !text.includes(fragment)) continue;
        return { reason, from: `provider:${p.id}` };
      }
    }
  }
  return null;
}

export type { Provider, ProviderRow } from './types.ts';
