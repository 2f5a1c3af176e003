import { describe, expect, it } from 'vitest';
import { sameTrigger } from '../../src/domain/same-trigger.ts';
import { at, calendar, cron, every, InvalidArgumentError, nextFires } from '../../src/index.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const now = '2026-03-27T12:00:00Z';

describe('nextFires', () => {
  it('lists interval fires as a new schedule would: one interval after now, or on the startAt grid', () => {
    expect(iso(nextFires(every('1h'), 3, { now }))).toEqual(['2026-03-27T13:00:00.000Z', '2026-03-27T14:00:00.000Z', '2026-03-27T15:00:00.000Z']);
    const grid = every('1h', { startAt: '2026-01-01T00:30:00Z' });
    expect(iso(nextFires(grid, 2, { now }))).toEqual(['2026-03-27T12:30:00.000Z', '2026-03-27T13:30:00.000Z']);
    // `after` skips ahead on the same sequence (fires at or after it).
    expect(iso(nextFires(grid, 2, { now, after: '2026-04-01T00:30:00Z' }))).toEqual(['2026-04-01T00:30:00.000Z', '2026-04-01T01:30:00.000Z']);
    expect(iso(nextFires(every('1h'), 1, { now, after: '2026-03-28T13:30:00Z' }))).toEqual(['2026-03-28T14:00:00.000Z']);
  });

  it('lists cron fires in the time zone, across a DST change', () => {
    const weekdays = cron('0 9 * * 1-5', { tz: 'Europe/Berlin' });
    // Fri Mar 27 (CET), then Mon Mar 30 and Tue Mar 31 (CEST, from Sun Mar 29).
    expect(iso(nextFires(weekdays, 3, { now: '2026-03-27T07:00:00Z' }))).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
    ]);
  });

  it('lists a date trigger once, and nothing once it has passed', () => {
    expect(iso(nextFires(at('2026-05-01T10:00:00Z'), 5, { now }))).toEqual(['2026-05-01T10:00:00.000Z']);
    expect(nextFires(at('2026-01-01T00:00:00Z'), 5, { now })).toEqual([]);
  });

  it('stops at the end of the trigger', () => {
    const bounded = every('1d', { startAt: '2026-03-27T12:00:00Z', endAt: '2026-03-29T12:00:00Z' });
    expect(iso(nextFires(bounded, 10, { now }))).toEqual(['2026-03-27T12:00:00.000Z', '2026-03-28T12:00:00.000Z', '2026-03-29T12:00:00.000Z']);
    expect(nextFires(cron('0 0 * * *', { endAt: '2026-03-27T13:00:00Z' }), 10, { now })).toEqual([]);
  });

  it('refuses a count outside 1..1000', () => {
    for (const count of [0, -1, 1.5, 1001, Number.NaN]) {
      expect(() => nextFires(every('1h'), count, { now })).toThrow(InvalidArgumentError);
    }
    expect(() => nextFires(every('1h'), 1, { now: 'yesterday' })).toThrow(InvalidArgumentError);
    expect(nextFires(every('1s'), 1000, { now })).toHaveLength(1000);
  });

  it('defaults now to the system clock', () => {
    const before = Date.now();
    const [first] = nextFires(every('1h'), 1);
    expect(first!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it('is a non-enumerable method of the builders’ specs: JSON and sameTrigger do not see it', () => {
    const tz = 'Europe/Berlin';
    const spec = cron('0 9 * * 1-5', { tz });
    expect(iso(spec.nextFires(2, { now: '2026-03-27T07:00:00Z' }))).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    expect(Object.keys(spec)).toEqual(['type', 'expr', 'tz', 'dst', 'startAtMs', 'endAtMs', 'jitterMs']);
    expect(JSON.stringify(spec)).toBe('{"type":"cron","expr":"0 9 * * 1-5","tz":"Europe/Berlin","dst":"vixie","startAtMs":null,"endAtMs":null,"jitterMs":0}');
    const plain = JSON.parse(JSON.stringify(spec));
    expect(sameTrigger(spec, plain)).toBe(true);
    expect(spec).toEqual(plain);
    expect(structuredClone(spec)).toEqual(plain);
    for (const built of [at('2026-05-01T10:00:00Z'), every('5m'), calendar({ days: 1, at: '09:00' })]) {
      expect(typeof built.nextFires).toBe('function');
      expect(Object.keys(built)).not.toContain('nextFires');
      expect(JSON.stringify(built)).not.toContain('nextFires');
      expect(sameTrigger(built, JSON.parse(JSON.stringify(built)))).toBe(true);
    }
    // Destructured, the method still knows its trigger.
    const { nextFires: preview } = every('1h');
    expect(preview(1, { now: 0 })).toEqual([new Date(3_600_000)]);
  });
});
