import { afterEach, describe, expect, it, test } from 'vitest';
import { sameTrigger } from '../../src/domain/same-trigger.ts';
import { assertTriggerSpec } from '../../src/domain/assert-trigger.ts';
import { triggerProblem } from '../../src/domain/record-shapes.ts';
import { calendar, InvalidArgumentError, nextFires, task, UnknownTimeZoneError, type CalendarTriggerSpec } from '../../src/index.ts';
import { describeTrigger } from '../../src/cli/format-records.ts';
import { firstFireAtMs, nextFireAfterMs } from '../../src/triggers/next-fire.ts';
import { VirtualClock } from '../../src/testing/virtual-clock.ts';
import { createHarness, storeFactories, unclosable, type Harness } from './runtime/harness.ts';

/** The next `count` fires as ISO strings, for a schedule created at `now`. */
function fires(trigger: CalendarTriggerSpec, count: number, now: string): string[] {
  return nextFires(trigger, count, { now }).map((d) => d.toISOString());
}

describe('calendar', () => {
  it('builds a plain calendar spec that survives JSON', () => {
    const spec = calendar({ months: 1, at: '09:00', tz: 'europe/berlin', startAt: '2027-01-31T00:00:00+01:00' });
    expect(spec).toEqual({
      type: 'calendar',
      years: 0,
      months: 1,
      weeks: 0,
      days: 0,
      at: '09:00:00',
      tz: 'Europe/Berlin',
      startAtMs: Date.UTC(2027, 0, 30, 23),
      endAtMs: null,
      jitterMs: 0,
    });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    expect(assertTriggerSpec(JSON.parse(JSON.stringify(spec)), 'trigger')).toEqual(spec);
    expect(triggerProblem(JSON.parse(JSON.stringify(spec)))).toBeNull();
    expect(sameTrigger(spec, { ...spec, at: '09:00' })).toBe(true);
    expect(sameTrigger(spec, { ...spec, months: 2 })).toBe(false);
  });

  it('clamps Jan 31 + 1 month to the end of February and comes back to the 31st (leap and non-leap year)', () => {
    // 2028 is a leap year: Feb 29. 2027 is not: Feb 28.
    const leap = calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2028-01-31T00:00:00+01:00' });
    expect(fires(leap, 4, '2028-01-01T00:00:00Z')).toEqual([
      '2028-01-31T08:00:00.000Z',
      '2028-02-29T08:00:00.000Z',
      '2028-03-31T07:00:00.000Z', // CEST from 2028-03-26
      '2028-04-30T07:00:00.000Z',
    ]);
    const common = calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2027-01-31T00:00:00+01:00' });
    expect(fires(common, 13, '2027-01-01T00:00:00Z').map((iso) => iso.slice(0, 10))).toEqual([
      '2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31', '2027-06-30', '2027-07-31',
      '2027-08-31', '2027-09-30', '2027-10-31', '2027-11-30', '2027-12-31', '2028-01-31',
    ]);
    // Stepping one fire at a time, as the runtime does, gives the same sequence.
    const stepped: number[] = [];
    let fireMs = firstFireAtMs(common, Date.UTC(2027, 0, 1));
    while (fireMs !== null && stepped.length < 13) {
      stepped.push(fireMs);
      fireMs = nextFireAfterMs(common, fireMs, fireMs);
    }
    expect(stepped.map((ms) => new Date(ms).toISOString())).toEqual(fires(common, 13, '2027-01-01T00:00:00Z'));
    // After a long downtime: the next fire after an instant, computed directly.
    expect(new Date(nextFireAfterMs(common, Date.UTC(2027, 0, 31, 8), Date.UTC(2027, 5, 1))!).toISOString()).toBe('2027-06-30T07:00:00.000Z');
  });

  it('keeps 09:00 in Europe/Berlin across both daylight-saving changes', () => {
    const daily = calendar({ days: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2026-03-28T00:00:00+01:00' });
    expect(fires(daily, 3, '2026-03-01T00:00:00Z')).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    const autumn = calendar({ days: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2026-10-24T00:00:00+02:00' });
    expect(fires(autumn, 3, '2026-10-01T00:00:00Z')).toEqual(['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  it('keeps 09:00 in America/New_York across both daylight-saving changes', () => {
    const weekly = calendar({ weeks: 1, at: '09:00', tz: 'America/New_York', startAt: '2026-03-01T00:00:00-05:00' });
    // DST starts 2026-03-08, ends 2026-11-01.
    expect(fires(weekly, 3, '2026-02-01T00:00:00Z')).toEqual(['2026-03-01T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-03-15T13:00:00.000Z']);
    const autumn = calendar({ days: 1, at: '09:00', tz: 'America/New_York', startAt: '2026-10-31T00:00:00-04:00' });
    expect(fires(autumn, 3, '2026-10-01T00:00:00Z')).toEqual(['2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z', '2026-11-02T14:00:00.000Z']);
  });

  it('fires a wall time in the spring gap at the end of the gap, a repeated one at its first occurrence', () => {
    const spring = calendar({ days: 1, at: '02:30', tz: 'Europe/Berlin', startAt: '2026-03-28T00:00:00+01:00' });
    // 2026-03-29 02:30 does not exist in Berlin: 03:00 CEST (01:00Z), then 02:30 CEST again.
    expect(fires(spring, 3, '2026-03-01T00:00:00Z')).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    const springNy = calendar({ days: 1, at: '02:30', tz: 'America/New_York', startAt: '2026-03-08T00:00:00-05:00' });
    expect(fires(springNy, 1, '2026-03-01T00:00:00Z')).toEqual(['2026-03-08T07:00:00.000Z']); // 03:00 EDT
    const autumn = calendar({ days: 1, at: '02:30', tz: 'Europe/Berlin', startAt: '2026-10-25T00:00:00+02:00' });
    // 02:30 happens twice on 2026-10-25: once, at 02:30 CEST (00:30Z).
    expect(fires(autumn, 2, '2026-10-01T00:00:00Z')).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('fires weekly, daily and yearly; Feb 29 yearly falls on Feb 28 in other years', () => {
    expect(fires(calendar({ weeks: 2, at: '07:30', startAt: '2026-01-05T00:00:00Z' }), 3, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-05T07:30:00.000Z',
      '2026-01-19T07:30:00.000Z',
      '2026-02-02T07:30:00.000Z',
    ]);
    expect(fires(calendar({ days: 3, at: '23:59:30', startAt: '2026-01-01T00:00:00Z' }), 2, '2026-01-01T00:00:00Z')).toEqual([
      '2026-01-01T23:59:30.000Z',
      '2026-01-04T23:59:30.000Z',
    ]);
    const leapDay = calendar({ years: 1, at: '12:00', startAt: '2028-02-29T00:00:00Z' });
    expect(fires(leapDay, 5, '2027-01-01T00:00:00Z').map((iso) => iso.slice(0, 10))).toEqual(['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
  });

  it('starts on the creation day at `at`, or the next day once it has passed', () => {
    const daily = calendar({ days: 1, at: '09:00', tz: 'Europe/Berlin' });
    expect(fires(daily, 2, '2026-06-01T06:00:00Z')).toEqual(['2026-06-01T07:00:00.000Z', '2026-06-02T07:00:00.000Z']);
    expect(fires(daily, 1, '2026-06-01T07:00:01Z')).toEqual(['2026-06-02T07:00:00.000Z']);
    // A startAt after `at` on its day: no fire before startAt, the grid keeps its anchor day.
    const monthly = calendar({ months: 1, at: '09:00', startAt: '2027-01-31T10:00:00Z' });
    expect(fires(monthly, 2, '2027-01-01T00:00:00Z')).toEqual(['2027-02-28T09:00:00.000Z', '2027-03-31T09:00:00.000Z']);
  });

  it('stops at endAt (a fire exactly at endAt still happens)', () => {
    const spec = calendar({ days: 1, at: '09:00', startAt: '2026-01-01T00:00:00Z', endAt: '2026-01-03T09:00:00Z' });
    expect(fires(spec, 10, '2026-01-01T00:00:00Z')).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z']);
    expect(firstFireAtMs(spec, Date.UTC(2026, 0, 3, 9, 0, 1))).toBeNull();
    expect(() => calendar({ months: 1, at: '09:00', startAt: '2026-01-01T10:00:00Z', endAt: '2026-01-20T00:00:00Z' })).toThrow(/never does/);
  });

  it('refuses bad input with typed errors', () => {
    expect(() => calendar({ at: '09:00' })).toThrow(InvalidArgumentError);
    expect(() => calendar({ at: '09:00' })).toThrow(/no interval/);
    expect(() => calendar({ days: 0, months: 0, at: '09:00' })).toThrow(/no interval/);
    expect(() => calendar({ days: -1, at: '09:00' })).toThrow(/`days` to be a whole number/);
    expect(() => calendar({ months: 1.5, at: '09:00' })).toThrow(/`months` to be a whole number/);
    for (const at of ['24:00', '9:00', '09:60', '09:00:60', 'noon', '']) {
      expect(() => calendar({ days: 1, at })).toThrow(/Expected `at` to be a time of day/);
    }
    expect(() => calendar({ days: 1, at: '09:00', tz: 'Mars/Olympus' })).toThrow(UnknownTimeZoneError);
    expect(() => calendar({ days: 1, at: '09:00', jitter: '1d' })).toThrow(/jitter/);
    expect(() => calendar({ days: 1, at: '09:00', startAt: '2026-01-02T00:00:00Z', endAt: '2026-01-01T00:00:00Z' })).toThrow(/endAt/);
    expect(() => assertTriggerSpec({ type: 'calendar', days: '1', at: '09:00' }, 'trigger')).toThrow(InvalidArgumentError);
    expect(triggerProblem({ type: 'calendar', days: 1, at: '25:00', tz: null, startAtMs: null, endAtMs: null, jitterMs: 0 })).toMatch(/`at`/);
    expect(triggerProblem({ type: 'calendar', days: 1, at: '09:00', tz: 'Nowhere/Land', startAtMs: null, endAtMs: null, jitterMs: 0 })).toMatch(/IANA/);
  });

  it('reads in words', () => {
    expect(describeTrigger(calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2027-01-31T00:00:00+01:00' }))).toBe(
      'every month on day 31 at 09:00 (Europe/Berlin)',
    );
    expect(describeTrigger(calendar({ weeks: 2, at: '07:30', startAt: '2026-01-05T00:00:00Z' }))).toBe('every 2 weeks on Monday at 07:30 (UTC)');
    expect(describeTrigger(calendar({ years: 1, at: '12:00', startAt: '2028-02-29T00:00:00Z' }))).toBe('every year on Feb 29 at 12:00 (UTC)');
    expect(describeTrigger(calendar({ days: 3, at: '06:00:30' }))).toBe('every 3 days at 06:00:30 (UTC)');
  });
});

describe.each(storeFactories)('a calendar schedule on the %s store', (_name, makeStore) => {
  const nodes: Harness[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.scheduler.stop({ timeout: 0 });
  });

  test('fires at the calendar instants: a clamped month end, then the anchor day again after a DST change', async () => {
    // The runtime keeps a 1s timer (cluster events): a virtual month costs minutes of real time.
    // So one node runs around Feb 28 and a second one, on the same store, around Mar 31.
    const fired: number[] = [];
    const tasks = [task('invoice', { run: ({ job }) => void fired.push(job.fireAtMs!) })];
    const store = makeStore();
    const first = createHarness(makeStore, { tasks }, new VirtualClock(Date.UTC(2026, 1, 28, 7)), unclosable(store));
    nodes.push(first);
    await first.scheduler.start();
    // Anchored on Jan 31 (in the past): the first fire is the next one on the grid, Feb 28.
    const trigger = calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2026-01-31T00:00:00+01:00' });
    const created = await first.scheduler.schedule({ id: 'invoices', task: 'invoice', trigger });
    expect(created.trigger).toEqual({ ...trigger });
    expect(created.nextFireAtMs).toBe(Date.UTC(2026, 1, 28, 8));
    await first.clock.advance('2h');
    expect(fired).toEqual([Date.UTC(2026, 1, 28, 8)]);
    // 09:00 CEST on Mar 31 (Berlin switched on Mar 29).
    expect((await first.scheduler.getSchedule('invoices'))?.nextFireAtMs).toBe(Date.UTC(2026, 2, 31, 7));
    await first.scheduler.stop({ timeout: 0 });

    const second = createHarness(makeStore, { tasks }, new VirtualClock(Date.UTC(2026, 2, 31, 6)), unclosable(store));
    nodes.push(second);
    await second.scheduler.start();
    await second.clock.advance('2h');
    expect(fired).toEqual([Date.UTC(2026, 1, 28, 8), Date.UTC(2026, 2, 31, 7)]);
    expect((await second.scheduler.getSchedule('invoices'))?.nextFireAtMs).toBe(Date.UTC(2026, 3, 30, 7));
    await second.scheduler.stop({ timeout: 0 });
    await store.close();
  });
});
