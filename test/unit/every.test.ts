import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { every } from '../../src/triggers/every.ts';

describe('every', () => {
  it('builds a plain interval spec', () => {
    expect(every('5m')).toEqual({ type: 'interval', everyMs: 300_000, startAtMs: null, endAtMs: null, jitterMs: 0 });
    expect(every(1000, { startAt: '2026-01-01T00:00:00Z', endAt: new Date(Date.UTC(2026, 0, 2)), jitter: '100ms' })).toEqual({
      type: 'interval',
      everyMs: 1000,
      startAtMs: Date.UTC(2026, 0, 1),
      endAtMs: Date.UTC(2026, 0, 2),
      jitterMs: 100,
    });
  });

  it('survives JSON', () => {
    const spec = every('1h', { startAt: 0 });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it('rejects a non-positive interval naming `every`', () => {
    expect(() => every('-5s')).toThrow(`Expected \`every\` to be a positive duration such as '30s' or 5000, got "-5s"`);
    expect(() => every(0)).toThrow(InvalidArgumentError);
  });

  it('rejects an endAt that is not after startAt', () => {
    expect(() => every('1s', { startAt: 1000, endAt: 1000 })).toThrow('Expected `endAt` to be after `startAt`');
    expect(() => every('1s', { startAt: 2000, endAt: 1000 })).toThrow(InvalidArgumentError);
  });

  it('takes an endAt alone, even the epoch itself', () => {
    expect(every('1s', { endAt: 0 })).toMatchObject({ startAtMs: null, endAtMs: 0 });
    expect(every('1s', { startAt: 0 })).toMatchObject({ startAtMs: 0, endAtMs: null });
  });

  it('checks startAt and endAt', () => {
    expect(() => every('1s', { startAt: 'tomorrow' })).toThrow('Expected `startAt` to be an ISO 8601 date-time');
    expect(() => every('1s', { endAt: Number.NaN })).toThrow('Expected `endAt` to be epoch milliseconds');
  });

  it('accepts a jitter from 0 to below the interval', () => {
    expect(every('1m', { jitter: 0 }).jitterMs).toBe(0);
    expect(every('1m', { jitter: '59s' }).jitterMs).toBe(59_000);
    expect(() => every('1m', { jitter: '1m' })).toThrow('Expected `jitter` to be smaller than the interval (60000ms), got "1m" (60000ms)');
    expect(() => every('1m', { jitter: '-1s' })).toThrow('Expected `jitter` to be a non-negative duration');
  });
});
