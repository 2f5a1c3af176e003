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

/** A new UUIDv7 string for an entity created at `nowMs`. */
export function newId(nowMs: number): string {
  const ms = Math.max(0, Math.min(Math.floor(nowMs), 0xffff_ffff_ffff));
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);

  if (ms === lastMs && counter < 0xfff) {
    counter += 1;
  } else {
    // Seed in the lower half so many ids can follow within the same millisecond before it wraps.
    counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!;
    lastMs = ms;
  }

  // 48-bit big-endian timestamp. Bit operators are 32-bit, so split into high 16 and low 32 bits.
  const high = Math.floor(ms / 0x1_0000_0000);
  const low = ms % 0x1_0000_0000;
  bytes[0] = (high >>> 8) & 0xff;
  bytes[1] = high & 0xff;
  bytes[2] = (low >>> 24) & 0xff;
  bytes[3] = (low >>> 16) & 0xff;
  bytes[4] = (low >>> 8) & 0xff;
  bytes[5] = low & 0xff;
  bytes[6] = 0x70 | ((counter >>> 8) & 0x0f); // version 7, then rand_a (the counter)
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10

  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The creation time (epoch ms) encoded in a UUIDv7. */
export function idTimeMs(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
