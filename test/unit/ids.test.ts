import { describe, expect, it } from 'vitest';
import { idTimeMs, newId } from '../../src/domain/ids.ts';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('is a UUIDv7 carrying its millisecond timestamp', () => {
    const nowMs = Date.UTC(2026, 4, 1, 10, 0, 0, 123);
    const id = newId(nowMs);
    expect(id).toMatch(uuidV7);
    expect(idTimeMs(id)).toBe(nowMs);
    expect(id.slice(0, 13)).toBe(`${nowMs.toString(16).padStart(12, '0').slice(0, 8)}-${nowMs.toString(16).padStart(12, '0').slice(8)}`);
  });

  it('encodes the whole 48-bit range', () => {
    expect(idTimeMs(newId(0))).toBe(0);
    expect(idTimeMs(newId(2 ** 48 - 1))).toBe(2 ** 48 - 1);
    expect(newId(2 ** 48 - 1).startsWith('ffffffff-ffff-7')).toBe(true);
  });

  it('sorts by creation time, also within one millisecond', () => {
    const ids: string[] = [];
    // More ids in all than the 12-bit counter holds: each millisecond must start a new sequence.
    for (let k = 0; k < 6000; k += 1) ids.push(newId(1_700_000_000_000 + Math.floor(k / 100)));
    expect(ids.every((id) => uuidV7.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is unique across many ids', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
