import { randomBytes } from 'node:crypto';

/**
 * Time-ordered ids (ULID layout: 48-bit milliseconds + 80 random bits) in lower-case Crockford
 * base32, with a short type prefix. Lower case because they travel inside VERP local parts,
 * which some MTAs lower-case.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'htl' | 'msg' | 'rcp' | 'evt' | 'ntf' | 'inb' | 'sup' | 'whe' | 'whd' | 'wha';

/** Random bytes drawn from a pooled buffer: one call into the CSPRNG per 409 ids instead of one per id. */
let pool = Buffer.alloc(0);
let poolAt = 0;
function random10(): Buffer {
  if (poolAt + 10 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const b = pool.subarray(poolAt, poolAt + 10);
  poolAt += 10;
  return b;
}

export function newId(prefix: IdPrefix, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = random10();
  let rand = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      rand += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return `${prefix}_${time}${rand}`;
}
