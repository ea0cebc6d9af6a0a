import type { Reason } from '../types.ts';

/** One row: reply code (or ''), status (or ''), lower-case fragment of the server's text → reason. */
export type ProviderRow = readonly [replyCode: string, status: string, fragment: string, reason: Reason];

/** A receiving provider's own error texts, matched on the remote host or the recipient's domain. */
export interface Provider {
  id: string;
  /** Lower-case suffixes of the remote MTA's host name (e.g. ".google.com"). */
  hosts: readonly string[];
  /** Lower-case recipient domains served by this provider. */
  domains: readonly string[];
  /** Lower-case fragments only this provider's servers write (e.g. Exchange's "resolver.adr."); they identify it too. */
  signatures?: readonly string[];
  rows: readonly ProviderRow[];
  /**
   * Rows that apply only when the refusing server itself is the provider's (its host name matches `hosts`),
   * as Sisimai's rhost rules do: the same text relayed by someone else is left to the generic engine.
   */
  remoteRows?: readonly ProviderRow[];
  /**
   * For providers that put a numbered error code in their text (Orange "LPN007_416", Spectrum "AUP#In-1310"):
   * reads the code from the lower-case text and returns its reason, or null. Tried before `rows`.
   */
  byCode?: (lowerText: string) => Reason | null;
}
