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

let lastTime = -1;
let lastRandom = 0n;
const RANDOM_MAX = (1n << 80n) - 1n;

/**
 * Ids made in one process sort in the order they were made, also within one millisecond (ULID's
 * monotonic rule: same millisecond → the previous random part plus one), so events written together
 * (accepted, then suppressed) list in that order.
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  let random: bigint;
  if (now <= lastTime) {
    now = lastTime;
    random = lastRandom === RANDOM_MAX ? 0n : lastRandom + 1n;
  } else {
    random = BigInt('0x' + random10().toString('hex'));
  }
  lastTime = now;
  lastRandom = random;
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = ALPHABET[Number(random & 31n)] + rand;
    random >>= 5n;
  }
  return `${prefix}_${time}${rand}`;
}
