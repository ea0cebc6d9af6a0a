/**
 * Fast "does this text contain any of these fragments?" for the reason tables (700+ lower-case fragments).
 *
 * Each fragment is keyed by one of its two-character pairs, the one rarest among all fragments. A text is
 * indexed once (which pairs occur in it); a fragment is searched for with `includes` only when its key pair
 * occurs. Most fragments are ruled out by one array lookup. Never a false negative: a fragment that occurs
 * in the text puts all of its pairs, its key among them, into the index.
 */

/** Pairs are folded to 16 bits; a collision can only cause an extra `includes`, never a miss. */
const pairKey = (a: number, b: number): number => ((a & 0xff) << 8) | (b & 0xff);

/** A text's pairs, stamped with a generation number so nothing needs clearing between texts. */
export class PairIndex {
  private readonly stamps = new Uint32Array(65536);
  private generation = 0;
  private text: string | null = null;

  /** Index `text` unless it is the text indexed last. */
  load(text: string): void {
    if (text === this.text) return;
    this.text = text;
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.stamps.fill(0);
      this.generation = 1;
    }
    const g = this.generation;
    for (let i = 0; i + 1 < text.length; i++) this.stamps[pairKey(text.charCodeAt(i), text.charCodeAt(i + 1))] = g;
  }

  has(key: number): boolean {
    return this.stamps[key] === this.generation;
  }
}

const pairCounts = new Map<number, number>();

function pairsOf(fragment: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < fragment.length; i++) out.push(pairKey(fragment.charCodeAt(i), fragment.charCodeAt(i + 1)));
  return out;
}

/** Count pairs over every table first, so that each fragment's key is chosen among global frequencies. */
export function registerFragments(fragments: Iterable<string>): void {
  for (const f of fragments) for (const k of new Set(pairsOf(f))) pairCounts.set(k, (pairCounts.get(k) ?? 0) + 1);
}

/** The fragment's rarest pair, or -1 for a one-character fragment (always searched). */
export function keyOf(fragment: string): number {
  let best = -1;
  let bestCount = Infinity;
  for (const k of pairsOf(fragment)) {
    const c = pairCounts.get(k) ?? 0;
    if (c < bestCount) {
      best = k;
      bestCount = c;
    }
  }
  return best;
}

/** A fragment table compiled for `PairIndex` look-ups. */
export class FragmentMatcher {
  private readonly fragments: readonly string[];
  private readonly keys: Int32Array;
  private readonly rows: readonly (readonly string[])[];
  private readonly rowKeys: Int32Array;

  constructor(fragments: readonly string[], aligned: readonly (readonly string[])[]) {
    this.fragments = fragments;
    this.keys = Int32Array.from(fragments, keyOf);
    this.rows = aligned;
    // A row matches only if every part occurs: key it by its rarest part's key.
    this.rowKeys = Int32Array.from(aligned, (row) => {
      let best = -1;
      let bestCount = Infinity;
      for (const part of row) {
        const k = keyOf(part);
        const c = k < 0 ? Infinity : pairCounts.get(k) ?? 0;
        if (c < bestCount) {
          best = k;
          bestCount = c;
        }
      }
      return best;
    });
  }

  /** Does `text` (already loaded into `index`) contain a fragment, or all parts of a row in order? */
  test(text: string, index: PairIndex): boolean {
    const { fragments, keys } = this;
    for (let i = 0; i < fragments.length; i++) {
      const k = keys[i];
      if ((k < 0 || index.has(k)) && text.includes(fragments[i])) return true;
    }
    const { rows, rowKeys } = this;
    for (let i = 0; i < rows.length; i++) {
      const k = rowKeys[i];
      if ((k < 0 || index.has(k)) && inOrder(text, rows[i])) return true;
    }
    return false;
  }
}

/** All parts occur, each after the previous one. */
export function inOrder(text: string, row: readonly string[]): boolean {
  let pos = 0;
  for (const part of row) {
    const i = text.indexOf(part, pos);
    if (i < 0) return false;
    pos = i + part.length;
  }
  return true;
}
