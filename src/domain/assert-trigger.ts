import { InvalidArgumentError } from '../errors.ts';
import { cron } from '../triggers/cron.ts';
import type { TriggerSpec } from './trigger.ts';

/**
 * Checks a trigger that may not come from the builders (JSON from the admin API or the CLI, or a
 * hand-written object) and returns it. Cron expressions and time zones are checked by `cron()`.
 */
export function assertTriggerSpec(value: unknown, what: string): TriggerSpec {
  if (value === null || typeof value !== 'object') {
    throw new InvalidArgumentError(`Expected ${what} to be made by at(), every() or cron(), got ${String(value)}`);
  }
  const spec = value as Partial<TriggerSpec> & Record<string, unknown>;
  switch (spec.type) {
    case 'date':
      requireFinite(spec.runAtMs, `${what}.runAtMs`);
      return spec as TriggerSpec;
    case 'interval':
      requireFinite(spec.everyMs, `${what}.everyMs`);
      if ((spec.everyMs as number) <= 0) throw new InvalidArgumentError(`Expected ${what}.everyMs to be positive, got ${String(spec.everyMs)}`);
      return spec as TriggerSpec;
    case 'cron':
      if (typeof spec.expr !== 'string') throw new InvalidArgumentError(`Expected ${what}.expr to be a cron expression`);
      // Throws InvalidCronError / UnknownTimeZoneError / InvalidArgumentError for a bad dst.
      cron(spec.expr, { ...(spec.tz ? { tz: spec.tz as string } : {}), ...(spec.dst === undefined ? {} : { dst: spec.dst as 'vixie' }) });
      return spec as TriggerSpec;
    default:
      throw new InvalidArgumentError(`Expected ${what}.type to be 'date', 'interval' or 'cron', got ${JSON.stringify(spec.type)}`);
  }
}

function requireFinite(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`Expected ${what} to be a finite number, got ${String(value)}`);
  }
}
