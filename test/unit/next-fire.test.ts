import { describe, expect, it } from 'vitest';
import type { TriggerSpec } from '../../src/domain/trigger.ts';
import { cron } from '../../src/triggers/cron.ts';
import { every } from '../../src/triggers/every.ts';
import { cronFiresAtOrBeforeMs, firstFireAtMs, fnv1a32, jitterOffsetMs, nextFireAfterMs } from '../../src/triggers/next-fire.ts';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The fires of `trigger` after `fromMs`, one at a time, up to `untilMs`. */
function firesBetween(trigger: TriggerSpec, fromMs: number, untilMs: number): string[] {
  const out: string[] = [];
  let fire = nextFireAfterMs(trigger, fromMs, fromMs);
  while (fire !== null && fire <= untilMs) {
    out.push(iso(fire)!);
    fire = nextFireAfterMs(trigger, fire, fire);
  }
  return out;
}

describe('firstFireAtMs', () => {
  const now = utc('2026-01-01T12:00:00Z');

  it('date: runAtMs, even in the past', () => {
    expect(firstFireAtMs({ type: 'date', runAtMs: now + 5 }, now)).toBe(now + 5);
    expect(firstFireAtMs({ type: 'date', runAtMs: 0 }, now)).toBe(0);
  });

  it('interval without startAt: one interval from now', () => {
    expect(firstFireAtMs(every('1m'), now)).toBe(now + 60_000);
  });

  it('interval with startAt now or later: startAt', () => {
    expect(firstFireAtMs(every('1m', { startAt: now }), now)).toBe(now);
    expect(firstFireAtMs(every('1m', { startAt: now + 5 }), now)).toBe(now + 5);
  });

  it('interval with startAt several intervals ahead: startAt itself', () => {
    expect(firstFireAtMs(every('1m', { startAt: now + 3 * 60_000 }), now)).toBe(now + 3 * 60_000);
  });

  it('interval with startAt in the past: the next grid point at or after now', () => {
    expect(firstFireAtMs(every('1h', { startAt: '2025-12-31T00:00:00Z' }), now)).toBe(now);
    expect(firstFireAtMs(every('1h', { startAt: '2025-12-31T00:20:00Z' }), now)).toBe(utc('2026-01-01T12:20:00Z'));
  });

  it('interval: null past endAt', () => {
    expect(firstFireAtMs(every('1h', { endAt: now + 30 * 60_000 }), now)).toBeNull();
    expect(firstFireAtMs(every('1h', { endAt: now + 60 * 60_000 }), now)).toBe(now + 3_600_000);
  });

  it('cron: strictly after now, not before startAt, null past endAt', () => {
    expect(iso(firstFireAtMs(cron('0 * * * *'), now))).toBe('2026-01-01T13:00:00.000Z');
    expect(iso(firstFireAtMs(cron('0 * * * *'), now + 1))).toBe('2026-01-01T13:00:00.000Z');
    expect(iso(firstFireAtMs(cron('0 * * * *', { startAt: '2026-02-01T00:00:00Z' }), now))).toBe('2026-02-01T00:00:00.000Z');
    expect(iso(firstFireAtMs(cron('0 * * * *', { startAt: '2026-02-01T00:00:00.500Z' }), now))).toBe('2026-02-01T01:00:00.000Z');
    expect(firstFireAtMs(cron('0 0 1 1 *', { endAt: '2026-06-01T00:00:00Z' }), now)).toBeNull();
  });

  it('cron: reads the expression in its time zone', () => {
    expect(iso(firstFireAtMs(cron('0 9 * * *', { tz: 'America/New_York' }), now))).toBe('2026-01-01T14:00:00.000Z');
    expect(iso(firstFireAtMs(cron('0 9 * * *'), now))).toBe('2026-01-02T09:00:00.000Z');
  });
});

describe('nextFireAfterMs', () => {
  it('date: never again', () => {
    expect(nextFireAfterMs({ type: 'date', runAtMs: 10 }, 10, 10)).toBeNull();
  });

  it('interval without startAt: the grid continues from the previous fire', () => {
    const trigger = every(1000);
    expect(nextFireAfterMs(trigger, 5_500, 5_500)).toBe(6_500);
    expect(nextFireAfterMs(trigger, 5_500, 9_499)).toBe(9_500);
    expect(nextFireAfterMs(trigger, 5_500, 9_500)).toBe(10_500);
    expect(nextFireAfterMs(trigger, 5_500, 1_000_000_000_000)).toBe(1_000_000_000_500);
  });

  it('interval with startAt: anchored at startAt, whatever the previous fire', () => {
    const trigger = every(1000, { startAt: 300 });
    expect(nextFireAfterMs(trigger, 5_500, 5_500)).toBe(6_300);
    expect(nextFireAfterMs(trigger, 0, 0)).toBe(300);
    expect(nextFireAfterMs(trigger, 300, 300)).toBe(1_300);
    // Asked long before startAt: startAt, not a grid point before it.
    expect(nextFireAfterMs(every(1000, { startAt: 10_000 }), 0, 0)).toBe(10_000);
  });

  it('interval: null past endAt, a fire exactly at endAt still counts', () => {
    const trigger = every(1000, { startAt: 0, endAt: 3000 });
    expect(nextFireAfterMs(trigger, 2000, 2000)).toBe(3000);
    expect(nextFireAfterMs(trigger, 3000, 3000)).toBeNull();
  });

  it('cron: next match after afterMs', () => {
    const trigger = cron('*/15 * * * *');
    const from = utc('2026-01-01T00:00:00Z');
    expect(iso(nextFireAfterMs(trigger, from, from))).toBe('2026-01-01T00:15:00.000Z');
    expect(iso(nextFireAfterMs(trigger, from, from + 3_600_000 + 1))).toBe('2026-01-01T01:15:00.000Z');
  });

  it('cron: null when croner finds no later match (the end of the Date range)', () => {
    expect(firstFireAtMs(cron('0 0 1 1 *'), Date.UTC(275_000, 0, 1))).toBeNull();
    expect(nextFireAfterMs(cron('0 0 1 1 *'), 0, Date.UTC(275_000, 0, 1))).toBeNull();
  });

  it('cron: not before startAt, null past endAt', () => {
    const trigger = cron('0 * * * *', { startAt: '2026-01-01T05:00:00Z', endAt: '2026-01-01T07:00:00Z' });
    expect(firesBetween(trigger, utc('2026-01-01T00:00:00Z'), utc('2026-01-02T00:00:00Z'))).toEqual([
      '2026-01-01T05:00:00.000Z',
      '2026-01-01T06:00:00.000Z',
      '2026-01-01T07:00:00.000Z',
    ]);
  });
});

// Europe/Berlin: on 2026-03-29 clocks go from 02:00 CET to 03:00 CEST (01:00Z), so 02:30 does not
// exist; on 2026-10-25 they go from 03:00 CEST back to 02:00 CET (01:00Z), so 02:30 happens twice.
describe('cron across daylight saving changes (Europe/Berlin)', () => {
  const tz = 'Europe/Berlin';

  it('fixed time 0 30 2 * * * on spring-forward day: fires once, at 03:00 CEST (the end of the gap)', () => {
    const fires = firesBetween(cron('0 30 2 * * *', { tz }), utc('2026-03-27T12:00:00Z'), utc('2026-03-31T12:00:00Z'));
    expect(fires).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist; not 03:30
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('fixed time 0 30 2 * * * on fall-back day: fires once, at the first 02:30 (CEST)', () => {
    const fires = firesBetween(cron('0 30 2 * * *', { tz }), utc('2026-10-23T12:00:00Z'), utc('2026-10-26T12:00:00Z'));
    expect(fires).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // first 02:30 (CEST); the second one (01:30Z, CET) does not fire
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    // Asked from between the two 02:30s, it does not fire the repeat either.
    expect(iso(nextFireAfterMs(cron('0 30 2 * * *', { tz }), 0, utc('2026-10-25T00:45:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('hourly 0 0 * * * * on spring-forward day: follows real time, 23 fires, no 02:00', () => {
    const fires = firesBetween(cron('0 0 * * * *', { tz }), utc('2026-03-28T22:59:59Z'), utc('2026-03-29T21:59:59Z'));
    expect(fires).toHaveLength(23);
    expect(fires.slice(0, 4)).toEqual([
      '2026-03-28T23:00:00.000Z', // 00:00 CET
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST (02:00 does not exist)
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
    ]);
  });

  it('hourly 0 0 * * * * on fall-back day: 25 fires, 02:00 on both occurrences', () => {
    const fires = firesBetween(cron('0 0 * * * *', { tz }), utc('2026-10-24T21:59:59Z'), utc('2026-10-25T22:59:59Z'));
    expect(fires).toHaveLength(25);
    expect(fires.slice(1, 5)).toEqual([
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET (again)
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });
});

describe('the dst policy (Europe/Berlin)', () => {
  const tz = 'Europe/Berlin';

  it("vixie (default): a list of hours is a fixed-time job, as in classic cron", () => {
    const spring = firesBetween(cron('0 30 1,2 * * *', { tz }), utc('2026-03-28T23:45:00Z'), utc('2026-03-29T12:00:00Z'));
    expect(spring).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist, it runs after the gap
    ]);
    const fall = firesBetween(cron('0 30 1,2 * * *', { tz }), utc('2026-10-24T22:00:00Z'), utc('2026-10-25T12:00:00Z'));
    expect(fall).toEqual([
      '2026-10-24T23:30:00.000Z', // 01:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; not again at 02:30 CET
    ]);
  });

  it('strict: a wall time that does not exist does not fire', () => {
    const fires = firesBetween(cron('0 30 2 * * *', { tz, dst: 'strict' }), utc('2026-03-27T12:00:00Z'), utc('2026-03-31T12:00:00Z'));
    expect(fires).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);
  });

  it('strict: a wall time that happens twice fires once, also for interval expressions', () => {
    const fires = firesBetween(cron('0 0 * * * *', { tz, dst: 'strict' }), utc('2026-10-24T21:59:59Z'), utc('2026-10-25T22:59:59Z'));
    expect(fires).toHaveLength(24);
    expect(fires.slice(1, 4)).toEqual([
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET: the second 02:00 (01:00Z) is skipped
    ]);
  });

  it('strict: also for a half-hour DST shift (Lord Howe Island, 2026-04-05, 02:00 LHDT back to 01:30 LHST)', () => {
    const from = utc('2026-04-04T13:59:00Z');
    const to = utc('2026-04-04T16:00:00Z');
    const times = (dst: 'vixie' | 'strict') => firesBetween(cron('*/15 * * * *', { tz: 'Australia/Lord_Howe', dst }), from, to).map((t) => t.slice(11, 16));
    // 01:30 and 01:45 happen twice (14:30Z and 15:00Z, 14:45Z and 15:15Z): strict fires them once.
    expect(times('strict')).toEqual(['14:00', '14:15', '14:30', '14:45', '15:30', '15:45', '16:00']);
    expect(times('vixie')).toEqual(['14:00', '14:15', '14:30', '14:45', '15:00', '15:15', '15:30', '15:45', '16:00']);
  });

  it('strict changes nothing away from DST changes, and nothing in UTC', () => {
    const from = utc('2026-06-01T00:00:00Z');
    const to = utc('2026-06-03T00:00:00Z');
    expect(firesBetween(cron('*/30 * * * *', { tz, dst: 'strict' }), from, to)).toEqual(firesBetween(cron('*/30 * * * *', { tz }), from, to));
    expect(firesBetween(cron('0 * * * *', { dst: 'strict' }), from, to)).toHaveLength(48);
  });

  it('rejects an unknown policy', () => {
    expect(() => cron('0 * * * *', { dst: 'sometimes' as 'vixie' })).toThrow(/Expected `dst` to be 'vixie' or 'strict'/);
  });
});

describe('cronFiresAtOrBeforeMs', () => {
  it('returns the newest fires at or before an instant, oldest first, not before startAt', () => {
    const trigger = cron('0 * * * *', { startAt: '2026-01-01T02:00:00Z' });
    expect(cronFiresAtOrBeforeMs(trigger, utc('2026-01-01T05:00:00Z'), 3).map(iso)).toEqual([
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
      '2026-01-01T05:00:00.000Z',
    ]);
    expect(cronFiresAtOrBeforeMs(trigger, utc('2026-01-01T03:30:00Z'), 5).map(iso)).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
  });
});

describe('jitterOffsetMs', () => {
  it('is 0 without jitter, also for a negative or missing one (hand-written specs)', () => {
    expect(jitterOffsetMs('s1', 1000, 0)).toBe(0);
    expect(jitterOffsetMs('s1', 1000, -5_000)).toBe(0);
    expect(jitterOffsetMs('s1', 1000, Number.NaN)).toBe(0);
    expect(jitterOffsetMs('s1', 1000, undefined as unknown as number)).toBe(0);
  });

  it('reaches both ends of [0, jitterMs]', () => {
    const offsets = new Set(Array.from({ length: 50 }, (_, fire) => jitterOffsetMs('s', fire, 1)));
    expect([...offsets].sort()).toEqual([0, 1]);
  });

  it('is deterministic and within [0, jitterMs]', () => {
    const offsets = new Set<number>();
    for (let fire = 0; fire < 2000; fire += 1) {
      const offset = jitterOffsetMs('schedule-a', fire * 60_000, 1000);
      expect(offset).toBe(jitterOffsetMs('schedule-a', fire * 60_000, 1000));
      expect(Number.isInteger(offset)).toBe(true);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThanOrEqual(1000);
      offsets.add(offset);
    }
    // Spread, not constant.
    expect(offsets.size).toBeGreaterThan(500);
    expect(jitterOffsetMs('a', 1, 1)).toBeLessThanOrEqual(1);
  });

  it('covers jitters beyond 2^32 ms', () => {
    const big = 2 ** 40;
    const offsets = Array.from({ length: 50 }, (_, k) => jitterOffsetMs('s', k, big));
    expect(offsets.some((offset) => offset > 2 ** 33)).toBe(true);
    expect(offsets.every((offset) => offset <= big)).toBe(true);
  });

  it('uses 32-bit FNV-1a (reference vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});
