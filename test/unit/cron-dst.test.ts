import { describe, expect, it } from 'vitest';
import type { TriggerSpec } from '../../src/domain/trigger.ts';
import { cron } from '../../src/triggers/cron.ts';
import { cronFiresAtOrBeforeMs, firstFireAtMs, nextFireAfterMs } from '../../src/triggers/next-fire.ts';

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

// Europe/Berlin, 2026-10-25: 03:00 CEST (01:00Z) becomes 02:00 CET; 02:00-02:59 happens twice
// (00:00Z-00:59Z, then 01:00Z-01:59Z).
describe('strict: frequent expressions across the autumn change (defect 1)', () => {
  const tz = 'Europe/Berlin';

  it('every minute: skips the repeated hour and keeps firing', () => {
    const trigger = cron('* * * * *', { tz, dst: 'strict' });
    const fires = firesBetween(trigger, utc('2026-10-25T00:57:30Z'), utc('2026-10-25T02:02:00Z'));
    expect(fires).toEqual([
      '2026-10-25T00:58:00.000Z', // 02:58 CEST
      '2026-10-25T00:59:00.000Z', // 02:59 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET: 02:00-02:59 CET are skipped
      '2026-10-25T02:01:00.000Z',
      '2026-10-25T02:02:00.000Z',
    ]);
  });

  it('every 15 seconds: the same, from the last run before the change', () => {
    const trigger = cron('*/15 * * * * *', { tz, dst: 'strict' });
    expect(iso(nextFireAfterMs(trigger, utc('2026-10-25T00:59:45Z'), utc('2026-10-25T00:59:45Z')))).toBe('2026-10-25T02:00:00.000Z');
  });

  it('every 3 minutes (more than 16 runs in the repeated hour) is not exhausted', () => {
    const trigger = cron('*/3 * * * *', { tz, dst: 'strict' });
    expect(iso(nextFireAfterMs(trigger, utc('2026-10-25T00:57:00Z'), utc('2026-10-25T00:57:00Z')))).toBe('2026-10-25T02:00:00.000Z');
  });

  it('a schedule created during the repeated hour gets its first fire after it', () => {
    expect(iso(firstFireAtMs(cron('* * * * *', { tz, dst: 'strict' }), utc('2026-10-25T01:10:00Z')))).toBe('2026-10-25T02:00:00.000Z');
    expect(iso(firstFireAtMs(cron('*/15 * * * * *', { tz, dst: 'strict' }), utc('2026-10-25T01:59:59Z')))).toBe('2026-10-25T02:00:00.000Z');
  });

  it('the catch-up window (cronFiresAtOrBeforeMs) skips the repeated hour too', () => {
    const trigger = cron('* * * * *', { tz, dst: 'strict' });
    expect(cronFiresAtOrBeforeMs(trigger, utc('2026-10-25T02:01:00Z'), 4).map(iso)).toEqual([
      '2026-10-25T00:58:00.000Z',
      '2026-10-25T00:59:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T02:01:00.000Z',
    ]);
  });
});

// Antarctica/Troll, 2026-10-25: 03:00 +02 (01:00Z) becomes 01:00 +00; 01:00-02:59 happen twice.
describe('strict: a two-hour autumn change (defect 2)', () => {
  it('hourly: the repeated 01:00 and 02:00 do not fire again', () => {
    const fires = firesBetween(cron('0 * * * *', { tz: 'Antarctica/Troll', dst: 'strict' }), utc('2026-10-24T22:30:00Z'), utc('2026-10-25T04:00:00Z'));
    expect(fires).toEqual([
      '2026-10-24T23:00:00.000Z', // 01:00 +02
      '2026-10-25T00:00:00.000Z', // 02:00 +02
      '2026-10-25T03:00:00.000Z', // 03:00 +00: 01:00Z and 02:00Z (01:00, 02:00 again) are skipped
      '2026-10-25T04:00:00.000Z',
    ]);
  });

  it('vixie still fires them on both occurrences', () => {
    const fires = firesBetween(cron('0 * * * *', { tz: 'Antarctica/Troll' }), utc('2026-10-24T22:30:00Z'), utc('2026-10-25T03:00:00Z'));
    expect(fires).toHaveLength(5);
  });
});

// America/Nuuk, 2024-03-30: at 01:00Z the clocks jump from 23:00 -02 to 00:00 -01 (2024-03-31).
describe('vixie: a fixed-time fire in a gap that ends after midnight (defect 3)', () => {
  const tz = 'America/Nuuk';

  it('the gap is where the test says it is', () => {
    const wall = (ms: number) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', dateStyle: 'short', timeStyle: 'short' }).format(ms);
    expect(wall(utc('2024-03-31T00:59:00Z'))).toBe('2024-03-30, 22:59');
    expect(wall(utc('2024-03-31T01:00:00Z'))).toBe('2024-03-31, 00:00');
  });

  it('fires at the first valid instant after the gap', () => {
    const fires = firesBetween(cron('30 23 * * *', { tz }), utc('2024-03-29T12:00:00Z'), utc('2024-04-01T12:00:00Z'));
    expect(fires).toEqual([
      '2024-03-30T01:30:00.000Z', // 2024-03-29 23:30 -02
      '2024-03-31T01:00:00.000Z', // 2024-03-31 00:00 -01: 2024-03-30 23:30 does not exist
      '2024-04-01T00:30:00.000Z', // 2024-03-31 23:30 -01
    ]);
  });

  it('strict does not fire it', () => {
    const fires = firesBetween(cron('30 23 * * *', { tz, dst: 'strict' }), utc('2024-03-29T12:00:00Z'), utc('2024-04-01T12:00:00Z'));
    expect(fires).toEqual(['2024-03-30T01:30:00.000Z', '2024-04-01T00:30:00.000Z']);
  });

  it('the catch-up window lists it too', () => {
    expect(cronFiresAtOrBeforeMs(cron('30 23 * * *', { tz }), utc('2024-04-01T12:00:00Z'), 3).map(iso)).toEqual([
      '2024-03-30T01:30:00.000Z',
      '2024-03-31T01:00:00.000Z',
      '2024-04-01T00:30:00.000Z',
    ]);
  });
});
