import type { CronTriggerSpec, DstPolicy } from '../domain/trigger.ts';
import { InvalidArgumentError, InvalidCronError, UnknownTimeZoneError } from '../errors.ts';
import { type Duration, parseDuration } from '../time/duration.ts';
import { cronFor } from './croner-cache.ts';
import { describeCronProblem } from './cron-problem.ts';
import { type Instant, parseWindow } from './instant.ts';
import { type PreviewableTrigger, withPreview } from './preview.ts';

/**
 * The options of `cron(expression, options)`: the time zone, the daylight-saving policy, the window and
 * the jitter.
 *
 * @example
 * cron('0 9 * * 1-5', { tz: 'Europe/Berlin' })
 */
export interface CronOptions {
  /**
   * IANA time zone the expression is read in, e.g. `'Europe/Berlin'`. Stored in its canonical
   * spelling (`'europe/berlin'` becomes `'Europe/Berlin'`). See `next-fire.ts` for how daylight
   * saving changes are handled.
   * @defaultValue UTC
   */
  tz?: string | undefined;
  /**
   * How daylight-saving changes are handled: `'vixie'` as classic cron, `'strict'` as OCPS 1.4
   * (no fire at a wall time that does not exist, one fire for a wall time that happens twice).
   * See `DstPolicy`.
   * @defaultValue 'vixie'
   */
  dst?: DstPolicy | undefined;
  /**
   * Each job runs a deterministic 0..jitter after its fire time, so that many nodes' `0 * * * *`
   * schedules do not all hit a downstream service in the same second.
   * @defaultValue 0
   */
  jitter?: Duration | undefined;
  /**
   * No fire before this instant.
   * @defaultValue no start bound: the first fire is the first match after the schedule is created
   */
  startAt?: Instant | undefined;
  /**
   * No fire after this instant (a fire exactly at `endAt` still happens); the schedule then ends.
   * @defaultValue no end
   */
  endAt?: Instant | undefined;
}

/**
 * A trigger that fires when the cron expression matches, read in `tz`.
 *
 * @param expr 5 fields (`minute hour day-of-month month day-of-week`) or 6 with seconds first,
 *   in croner's syntax (`L`, `W`, `#`, names such as `MON` and `JAN` are accepted). Day-of-month and
 *   day-of-week are OR-ed, as in Vixie cron.
 * @returns The spec (plain JSON), with a non-enumerable `nextFires(count)` to preview it:
 *   `cron('0 9 * * 1-5', { tz: 'Europe/Berlin' }).nextFires(5)`.
 * @throws InvalidCronError for an expression that does not parse (naming the wrong field, with a
 *   valid example), or one that never fires
 *   (`0 0 31 2 *`). UnknownTimeZoneError for a `tz` the runtime does not know.
 *   InvalidArgumentError for a bad jitter, startAt or endAt.
 *
 * @example
 * await scheduler.schedule({ id: 'nightly-report', task: 'report', trigger: cron('0 3 * * *', { tz: 'Europe/Berlin' }) });
 */
export function cron(expr: string, options?: CronOptions): PreviewableTrigger<CronTriggerSpec> {
  if (typeof expr !== 'string') {
    throw new InvalidCronError(`Expected \`cron\` to be a cron expression string, got a value of type ${typeof expr}`);
  }
  const tz = options?.tz === undefined ? null : canonicalTimeZone(options.tz);
  const normalized = expr.trim().split(/\s+/).join(' ');
  const fieldCount = normalized === '' ? 0 : normalized.split(' ').length;
  if (fieldCount !== 5 && fieldCount !== 6) {
    // Croner also takes ISO dates and 7 fields (with a year); Sundial's triggers do not (use `at`).
    throw new InvalidCronError(
      `Invalid cron expression ${JSON.stringify(expr)}: expected 5 fields (minute hour day month weekday) or 6 (with seconds first), got ${fieldCount}`,
    );
  }
  let firstRun: Date | null;
  try {
    // From the epoch: any expression of 5 or 6 fields that ever fires, fires within 28 years of it
    // (the calendar repeats), and croner gives up with null when nothing matches.
    firstRun = cronFor(normalized, tz).nextRun(new Date(0));
  } catch (error) {
    throw new InvalidCronError(`Invalid cron expression ${JSON.stringify(expr)}: ${describeCronProblem(normalized, error)}`, { cause: error });
  }
  if (firstRun === null) {
    throw new InvalidCronError(`Invalid cron expression ${JSON.stringify(expr)}: it never fires (no date matches it)`);
  }
  const { startAtMs, endAtMs } = parseWindow(options);
  const jitterMs = options?.jitter === undefined ? 0 : parseDuration(options.jitter, 'jitter', { allowZero: true });
  if (startAtMs !== null && endAtMs !== null) {
    const firstInWindow = cronFor(normalized, tz).nextRun(new Date(startAtMs - 1));
    if (firstInWindow === null || firstInWindow.getTime() > endAtMs) {
      throw new InvalidArgumentError(
        `Expected the cron expression ${JSON.stringify(expr)} to fire between \`startAt\` and \`endAt\`, but it never does`,
      );
    }
  }
  const dst = options?.dst ?? 'vixie';
  if (dst !== 'vixie' && dst !== 'strict') {
    throw new InvalidArgumentError(`Expected \`dst\` to be 'vixie' or 'strict', got ${JSON.stringify(dst)}`);
  }
  return withPreview({ type: 'cron', expr: normalized, tz, dst, startAtMs, endAtMs, jitterMs });
}

/**
 * The canonical IANA name of `tz`, checked against the runtime's Intl database.
 * @throws UnknownTimeZoneError when the runtime does not know it.
 */
export function canonicalTimeZone(tz: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch (error) {
    throw new UnknownTimeZoneError(
      `Expected \`tz\` to be an IANA time zone such as 'Europe/Berlin' or 'UTC', got ${JSON.stringify(tz)}`,
      { cause: error },
    );
  }
}
