/**
 * Time-ordered ids: UUIDv7 (RFC 9562). The first 48 bits are the creation time in milliseconds,
 * so ids sort by creation time as strings and cluster well in database indexes.
 *
 * Within one process, ids made in the same millisecond still sort in creation order: the 12-bit
 * `rand_a` field is a counter seeded at random for each new millisecond (RFC 9562 §6.2, method 1).
 * Across processes, or when `nowMs` goes backwards (a virtual clock), ordering within one
 * millisecond is arbitrary.
 */
let lastMs = -1;
let counter = 0;

/**
 * Random bytes drawn in blocks: one `getRandomValues` call serves 256 ids (a call per id cost more
 * than the rest of the id; Node's own randomUUID pools its entropy the same way).
 */
const pool = new Uint8Array(16 * 256);
let poolOffset = pool.length;
const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A new UUIDv7 string for an entity created at `nowMs`. */
export function newId(nowMs: number): string {
  const ms = Math.max(0, Math.min(Math.floor(nowMs), 0xffff_ffff_ffff));
  if (poolOffset === pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 16;

  if (ms === lastMs && counter < 0xfff) {
    counter += 1;
  } else {
    // Seed in the lower half so many ids can follow within the same millisecond before it wraps.
    counter = ((pool[r + 6]! & 0x07) << 8) | pool[r + 7]!;
    lastMs = ms;
  }

  // 48-bit big-endian timestamp. Bit operators are 32-bit, so split into high 16 and low 32 bits.
  const high = Math.floor(ms / 0x1_0000_0000);
  const low = ms % 0x1_0000_0000;
  const b = (i: number) => hex[pool[r + i]!]!;
  return (
    hex[(high >>> 8) & 0xff]! + hex[high & 0xff]! + hex[(low >>> 24) & 0xff]! + hex[(low >>> 16) & 0xff]! + '-' +
    hex[(low >>> 8) & 0xff]! + hex[low & 0xff]! + '-' +
    // version 7, then rand_a (the counter)
    hex[0x70 | ((counter >>> 8) & 0x0f)]! + hex[counter & 0xff]! + '-' +
    // variant 10
    hex[0x80 | (pool[r + 8]! & 0x3f)]! + b(9) + '-' +
    b(10) + b(11) + b(12) + b(13) + b(14) + b(15)
  );
}

/** The creation time (epoch ms) encoded in a UUIDv7. */
export function idTimeMs(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
