import { InvalidArgumentError } from '../errors.ts';
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
    throw new InvalidArgumentError(`Expected ${what} to be made by at(), every() or cron(), got ${String(value)}`);
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
      return cron(spec.expr, {
        ...(typeof spec.tz === 'string' ? { tz: spec.tz } : {}),
        ...(spec.dst === undefined || spec.dst === null ? {} : { dst: spec.dst as 'vixie' }),
        ...(startAtMs === null ? {} : { startAt: startAtMs }),
        ...(endAtMs === null ? {} : { endAt: endAtMs }),
        jitter: jitterMs,
      });
    }
    default:
      throw new InvalidArgumentError(`Expected ${what}.type to be 'date', 'interval' or 'cron', got ${JSON.stringify(spec.type)}`);
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
