import { describe, expect, test } from 'vitest';
import { assertTriggerSpec } from '../../src/domain/assert-trigger.ts';
import { sameTrigger } from '../../src/domain/same-trigger.ts';
import type { TriggerSpec } from '../../src/domain/trigger.ts';
import { at, cron, every } from '../../src/triggers/index.ts';

const t0 = Date.UTC(2026, 0, 1);

/** The same object with its keys in reverse order, as jsonb hands them back. */
function reordered<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).reverse()) as T;
}

describe('sameTrigger', () => {
  const triggers: TriggerSpec[] = [
    at(t0),
    every('5m'),
    every('1h', { startAt: t0, endAt: t0 + 86_400_000, jitter: '1m' }),
    cron('0 3 * * *'),
    cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'strict', jitter: '10s', startAt: t0, endAt: t0 + 1e9 }),
  ];

  test('a trigger equals itself with its keys in another order', () => {
    for (const trigger of triggers) expect(sameTrigger(trigger, reordered(trigger))).toBe(true);
  });

  test('triggers of different types or fields differ', () => {
    for (const [i, a] of triggers.entries()) {
      for (const [j, b] of triggers.entries()) expect(sameTrigger(a, b)).toBe(i === j);
    }
  });

  test.each([
    ['runAtMs', at(t0), at(t0 + 1)],
    ['everyMs', every('5m'), every('6m')],
    ['interval startAtMs', every('5m', { startAt: t0 }), every('5m', { startAt: t0 + 1 })],
    ['interval endAtMs', every('5m', { endAt: t0 + 1e6 }), every('5m', { endAt: t0 + 2e6 })],
    ['interval jitterMs', every('5m', { jitter: '1s' }), every('5m', { jitter: '2s' })],
    ['expr', cron('0 3 * * *'), cron('0 4 * * *')],
    ['tz', cron('0 3 * * *', { tz: 'Europe/Berlin' }), cron('0 3 * * *', { tz: 'Europe/Paris' })],
    ['dst', cron('0 3 * * *', { dst: 'vixie' }), cron('0 3 * * *', { dst: 'strict' })],
    ['cron startAtMs', cron('0 3 * * *', { startAt: t0 }), cron('0 3 * * *', { startAt: t0 + 1 })],
    ['cron endAtMs', cron('0 3 * * *', { endAt: t0 + 1e9 }), cron('0 3 * * *', { endAt: t0 + 2e9 })],
    ['cron jitterMs', cron('0 3 * * *', { jitter: '1s' }), cron('0 3 * * *', { jitter: '2s' })],
  ])('a different %s is a different trigger', (_field, a, b) => {
    expect(sameTrigger(a, b)).toBe(false);
    expect(sameTrigger(b, a)).toBe(false);
  });

  test('a cron spec stored before `dst` existed reads as vixie', () => {
    const { dst: _dst, ...old } = cron('0 3 * * *', { tz: 'Europe/Berlin' });
    expect(sameTrigger(old as TriggerSpec, cron('0 3 * * *', { tz: 'Europe/Berlin' }))).toBe(true);
    expect(sameTrigger(old as TriggerSpec, cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'strict' }))).toBe(false);
    expect(sameTrigger(cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'vixie' }), old as TriggerSpec)).toBe(true);
    expect(sameTrigger(cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'strict' }), old as TriggerSpec)).toBe(false);
  });

  test('a cron expression spelled with other spaces is the same expression', () => {
    const canonical = cron('0 3 * * 1-5');
    for (const expr of [' 0 3 * * 1-5', '0 3 * * 1-5 ', '0  3 *\t* 1-5', '\t0 3   * * 1-5\n']) {
      const spelled = { ...canonical, expr };
      expect(sameTrigger(spelled, canonical), JSON.stringify(expr)).toBe(true);
      expect(sameTrigger(canonical, spelled), JSON.stringify(expr)).toBe(true);
    }
    expect(sameTrigger({ ...canonical, expr: '0 3 * * 1-5 *' }, canonical)).toBe(false);
  });

  test('a trigger of an unknown type (a damaged record) equals nothing, not even itself', () => {
    const unknown = { type: 'weekly', day: 1 } as unknown as TriggerSpec;
    expect(sameTrigger(unknown, unknown)).toBe(false);
    expect(sameTrigger(unknown, at(t0))).toBe(false);
    expect(sameTrigger(at(t0), unknown)).toBe(false);
  });
});

describe('assertTriggerSpec returns the canonical form', () => {
  test('options left out are filled with their defaults and unknown fields dropped', () => {
    expect(assertTriggerSpec({ type: 'interval', everyMs: 1000, extra: 1 }, 't')).toEqual({
      type: 'interval',
      everyMs: 1000,
      startAtMs: null,
      endAtMs: null,
      jitterMs: 0,
    });
    expect(assertTriggerSpec({ type: 'cron', expr: ' 0  3 * * * ', tz: 'europe/berlin' }, 't')).toEqual(
      cron('0 3 * * *', { tz: 'Europe/Berlin' }),
    );
    expect(assertTriggerSpec({ type: 'date', runAtMs: t0, note: 'x' }, 't')).toEqual({ type: 'date', runAtMs: t0 });
  });

  test('a built trigger is returned equal', () => {
    const trigger = cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'strict', jitter: '10s', startAt: t0, endAt: t0 + 1e9 });
    expect(assertTriggerSpec(trigger, 't')).toEqual(trigger);
    const interval = every('1h', { startAt: t0, endAt: t0 + 86_400_000, jitter: '1m' });
    expect(assertTriggerSpec(interval, 't')).toEqual(interval);
  });

  test.each([
    [{ type: 'interval', everyMs: 1000, jitterMs: 1000 }, /jitterMs/],
    [{ type: 'interval', everyMs: 1000, startAtMs: 'soon' }, /startAtMs/],
    [{ type: 'cron', expr: '0 3 * * *', tz: 5 }, /tz/],
    [{ type: 'cron', expr: '0 3 * * *', dst: 'summer' }, /dst/],
    [{ type: 'date', runAtMs: Number.NaN }, /runAtMs/],
  ])('refuses %o', (spec, message) => {
    expect(() => assertTriggerSpec(spec, 't')).toThrow(message);
  });
});
