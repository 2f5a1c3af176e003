import { describe, expect, it } from 'vitest';
import { assertTriggerSpec } from '../../src/domain/assert-trigger.ts';
import { InvalidArgumentError, InvalidCronError, UnknownTimeZoneError } from '../../src/errors.ts';
import { at } from '../../src/triggers/at.ts';
import { cron } from '../../src/triggers/cron.ts';
import { every } from '../../src/triggers/every.ts';

function refusal(value: unknown): InvalidArgumentError {
  try {
    assertTriggerSpec(value, 'body.trigger');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected a throw');
}

describe('assertTriggerSpec', () => {
  it('returns what the builders make, equal (a canonical copy)', () => {
    for (const spec of [at(0), every('5m', { jitter: '1s' }), cron('0 3 * * *', { tz: 'Europe/Berlin', dst: 'strict' }), cron('* * * * *')]) {
      const fromJson: unknown = JSON.parse(JSON.stringify(spec));
      expect(assertTriggerSpec(fromJson, 'body.trigger')).toEqual(fromJson);
    }
    // Specs stored before the dst option existed have none.
    expect(() => assertTriggerSpec({ type: 'cron', expr: '0 3 * * *', tz: null, startAtMs: null, endAtMs: null, jitterMs: 0 }, 'trigger')).not.toThrow();
  });

  it.each([null, undefined, 42, 'every 5m', true])('refuses %j: not an object', (value) => {
    expect(refusal(value).message).toBe(`Expected body.trigger to be made by at(), every(), cron() or calendar(), got ${String(value)}`);
  });

  it('refuses an unknown type, naming it', () => {
    expect(refusal({ type: 'weekly' }).message).toBe(`Expected body.trigger.type to be 'date', 'interval', 'cron' or 'calendar', got "weekly"`);
    expect(refusal({}).message).toBe(`Expected body.trigger.type to be 'date', 'interval', 'cron' or 'calendar', got undefined`);
  });

  it.each([undefined, '1000', Number.NaN, Number.POSITIVE_INFINITY])('refuses a date trigger whose runAtMs is %j', (runAtMs) => {
    expect(refusal({ type: 'date', runAtMs }).message).toBe(`Expected body.trigger.runAtMs to be a finite number, got ${String(runAtMs)}`);
  });

  it('refuses an interval trigger without a finite, positive everyMs', () => {
    expect(refusal({ type: 'interval', everyMs: '5m' }).message).toBe('Expected body.trigger.everyMs to be a finite number, got 5m');
    expect(refusal({ type: 'interval', everyMs: 0 }).message).toBe('Expected body.trigger.everyMs to be positive, got 0');
    expect(refusal({ type: 'interval', everyMs: -1000 }).message).toBe('Expected body.trigger.everyMs to be positive, got -1000');
    expect(assertTriggerSpec({ type: 'interval', everyMs: 1 }, 'trigger')).toEqual({ type: 'interval', everyMs: 1, startAtMs: null, endAtMs: null, jitterMs: 0 });
  });

  it('refuses an interval jitter that is negative or not smaller than everyMs', () => {
    const message = (jitterMs: number) => `Expected body.trigger.jitterMs to be at least 0 and smaller than everyMs, got ${jitterMs}`;
    expect(refusal({ type: 'interval', everyMs: 1000, jitterMs: -1 }).message).toBe(message(-1));
    expect(refusal({ type: 'interval', everyMs: 1000, jitterMs: 1000 }).message).toBe(message(1000));
    expect(assertTriggerSpec({ type: 'interval', everyMs: 1000, jitterMs: 999 }, 'trigger')).toMatchObject({ jitterMs: 999 });
  });

  it.each(['startAtMs', 'endAtMs', 'jitterMs'])('names a %s that is not a finite number, in an interval or a cron trigger', (field) => {
    for (const base of [{ type: 'interval', everyMs: 60_000 }, { type: 'cron', expr: '0 3 * * *' }]) {
      expect(refusal({ ...base, [field]: 'soon' }).message).toBe(`Expected body.trigger.${field} to be a finite number, got soon`);
      expect(refusal({ ...base, [field]: Number.NaN }).message).toBe(`Expected body.trigger.${field} to be a finite number, got NaN`);
    }
  });

  it('checks a cron trigger with cron(): its expression, time zone and dst policy', () => {
    expect(refusal({ type: 'cron', expr: 5 }).message).toBe('Expected body.trigger.expr to be a cron expression');
    expect(refusal({ type: 'cron' }).message).toBe('Expected body.trigger.expr to be a cron expression');
    expect(refusal({ type: 'cron', expr: '61 * * * *' })).toBeInstanceOf(InvalidCronError);
    expect(refusal({ type: 'cron', expr: '0 3 * * *', tz: 'Mars/Olympus_Mons' })).toBeInstanceOf(UnknownTimeZoneError);
    expect(refusal({ type: 'cron', expr: '0 3 * * *', dst: 'sometimes' }).message).toBe(`Expected \`dst\` to be 'vixie' or 'strict', got "sometimes"`);
  });
});
