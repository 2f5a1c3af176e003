import { InvalidArgumentError } from '../errors.ts';
import { calendar } from '../triggers/calendar.ts';
import { cron } from '../triggers/cron.ts';
import type { TriggerSpec } from './trigger.ts';

/**
 * Checks a trigger that may not come from the builders (JSON from the admin API or the CLI, or a
 * hand-written object) and returns it in canonical form: a new object with exactly the fields of
 * its type, absent options filled with their defaults, a cron expression and time zone spelled as
 * `cron()` spells them. Stores keep this form, so equal triggers are stored alike.
 */
export function assertTriggerSpec(value: unknown, what: string): TriggerSpec {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgumentError(`Expected ${what} to be made by at(), every(), cron() or calendar(), got ${String(value)}`);
  }
  const spec = value as Record<string, unknown>;
  switch (spec.type) {
    case 'date':
      return { type: 'date', runAtMs: requireFinite(spec.runAtMs, `${what}.runAtMs`) };
    case 'interval': {
      const everyMs = requireFinite(spec.everyMs, `${what}.everyMs`);
      if (everyMs <= 0) throw new InvalidArgumentError(`Expected ${what}.everyMs to be positive, got ${String(everyMs)}`);
      const jitterMs = optionalFinite(spec.jitterMs, `${what}.jitterMs`) ?? 0;
      if (jitterMs < 0 || jitterMs >= everyMs) {
        throw new InvalidArgumentError(`Expected ${what}.jitterMs to be at least 0 and smaller than everyMs, got ${String(jitterMs)}`);
      }
      return {
        type: 'interval',
        everyMs,
        startAtMs: optionalFinite(spec.startAtMs, `${what}.startAtMs`),
        endAtMs: optionalFinite(spec.endAtMs, `${what}.endAtMs`),
        jitterMs,
      };
    }
    case 'cron': {
      if (typeof spec.expr !== 'string') throw new InvalidArgumentError(`Expected ${what}.expr to be a cron expression`);
      if (spec.tz !== undefined && spec.tz !== null && typeof spec.tz !== 'string') {
        throw new InvalidArgumentError(`Expected ${what}.tz to be an IANA time zone name or null, got ${JSON.stringify(spec.tz)}`);
      }
      const startAtMs = optionalFinite(spec.startAtMs, `${what}.startAtMs`);
      const endAtMs = optionalFinite(spec.endAtMs, `${what}.endAtMs`);
      const jitterMs = optionalFinite(spec.jitterMs, `${what}.jitterMs`) ?? 0;
      // cron() checks the expression, the time zone (InvalidCronError / UnknownTimeZoneError), the
      // dst policy and the window, and spells them canonically.
      const { nextFires: _preview, ...plain } = cron(spec.expr, {
        ...(typeof spec.tz === 'string' ? { tz: spec.tz } : {}),
        ...(spec.dst === undefined || spec.dst === null ? {} : { dst: spec.dst as 'vixie' }),
        ...(startAtMs === null ? {} : { startAt: startAtMs }),
        ...(endAtMs === null ? {} : { endAt: endAtMs }),
        jitter: jitterMs,
      });
      return plain;
    }
    case 'calendar': {
      for (const field of ['years', 'months', 'weeks', 'days'] as const) {
        if (spec[field] !== undefined && spec[field] !== null && typeof spec[field] !== 'number') {
          throw new InvalidArgumentError(`Expected ${what}.${field} to be a whole number, got ${JSON.stringify(spec[field])}`);
        }
      }
      if (typeof spec.at !== 'string') {
        throw new InvalidArgumentError(`Expected ${what}.at to be a time of day 'HH:MM' or 'HH:MM:SS', got ${JSON.stringify(spec.at)}`);
      }
      if (spec.tz !== undefined && spec.tz !== null && typeof spec.tz !== 'string') {
        throw new InvalidArgumentError(`Expected ${what}.tz to be an IANA time zone name or null, got ${JSON.stringify(spec.tz)}`);
      }
      const startAtMs = optionalFinite(spec.startAtMs, `${what}.startAtMs`);
      const endAtMs = optionalFinite(spec.endAtMs, `${what}.endAtMs`);
      const jitterMs = optionalFinite(spec.jitterMs, `${what}.jitterMs`) ?? 0;
      // calendar() checks the interval, `at`, the time zone (UnknownTimeZoneError), the window and
      // the jitter, and spells them canonically.
      const { nextFires: _calendarPreview, ...plainCalendar } = calendar({
        years: spec.years as number | undefined,
        months: spec.months as number | undefined,
        weeks: spec.weeks as number | undefined,
        days: spec.days as number | undefined,
        at: spec.at,
        ...(typeof spec.tz === 'string' ? { tz: spec.tz } : {}),
        ...(startAtMs === null ? {} : { startAt: startAtMs }),
        ...(endAtMs === null ? {} : { endAt: endAtMs }),
        jitter: jitterMs,
      });
      return plainCalendar;
    }
    default:
      throw new InvalidArgumentError(
        `Expected ${what}.type to be 'date', 'interval', 'cron' or 'calendar', got ${JSON.stringify(spec.type)}`,
      );
  }
}

function requireFinite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`Expected ${what} to be a finite number, got ${String(value)}`);
  }
  return value;
}

function optionalFinite(value: unknown, what: string): number | null {
  return value === undefined || value === null ? null : requireFinite(value, what);
}
