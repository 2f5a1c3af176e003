import { jobStatuses, type JobAttempt, type JobError } from './job.ts';
import { assertTriggerSpec } from './assert-trigger.ts';

// Shape checks for what a store keeps (see UnreadableField): each returns why a value is not of
// its shape, or null when it is.

export function jobAttemptsProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return `expected an array of attempts, got ${kindOf(value)}`;
  for (const [i, attempt] of value.entries()) {
    const a = attempt as Partial<Record<keyof JobAttempt, unknown>> | null;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return `attempt ${i} is ${kindOf(a)}, not an object`;
    if (!isFiniteNumber(a.attempt) || !isFiniteNumber(a.fencingToken) || !isFiniteNumber(a.startedAtMs)) {
      return `attempt ${i} lacks its number, fencing token or start`;
    }
    if (a.finishedAtMs !== null && !isFiniteNumber(a.finishedAtMs)) return `attempt ${i} has a finishedAtMs that is not a number`;
    if (typeof a.outcome !== 'string' || typeof a.nodeId !== 'string') return `attempt ${i} lacks its outcome or node`;
    if (a.error !== null && a.error !== undefined && jobErrorProblem(a.error) !== null) return `attempt ${i} has an unreadable error`;
  }
  return null;
}

export function jobErrorProblem(value: unknown): string | null {
  if (value === null) return null;
  const e = value as Partial<Record<keyof JobError, unknown>>;
  if (typeof e !== 'object' || Array.isArray(e)) return `expected an error object, got ${kindOf(value)}`;
  if (typeof e.name !== 'string' || typeof e.message !== 'string') return 'expected an error with a name and a message';
  return null;
}

export function jobStatusProblem(value: unknown): string | null {
  return (jobStatuses as readonly unknown[]).includes(value) ? null : `unknown status ${JSON.stringify(value)}`;
}

export function oneOfProblem(allowed: readonly string[]): (value: unknown) => string | null {
  return (value) => (allowed.includes(value as string) ? null : `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

export function stringArrayProblem(value: unknown): string | null {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? null : `expected an array of strings, got ${kindOf(value)}`;
}

function isFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Whether a stored trigger is one `at`, `every`, `cron` or `calendar` could have made (fields of
 * the right kind, cron expression parsed, calendar interval and time of day valid, time zone known). Stores check it on every read of a schedule,
 * so the verdict for a cron expression and zone is remembered.
 */
export function triggerProblem(value: unknown): string | null {
  const spec = value as { type?: unknown; expr?: unknown; tz?: unknown; dst?: unknown } | null;
  const key =
    spec !== null && typeof spec === 'object' && spec.type === 'cron' && typeof spec.expr === 'string'
      ? `${spec.expr}\u0000${String(spec.tz)}\u0000${String(spec.dst)}`
      : null;
  // An expression, zone and policy seen valid before: only the window and jitter are checked again.
  if (key !== null && validCron.has(key)) return fieldsProblem(spec as object);
  let problem: string | null;
  try {
    assertTriggerSpec(value, 'trigger');
    problem = null;
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  if (key !== null && problem === null) {
    if (validCron.size >= maxValidCron) validCron.clear();
    validCron.add(key);
  }
  return problem;
}

const maxValidCron = 1_000;
/** (expr, tz, dst) of cron triggers found valid (only successes: a failure may be the window's). */
const validCron = new Set<string>();

/** The window and jitter of a cron spec whose expression is known to be fine. */
function fieldsProblem(spec: object): string | null {
  const { startAtMs, endAtMs, jitterMs } = spec as Record<string, unknown>;
  for (const [name, value] of [['startAtMs', startAtMs], ['endAtMs', endAtMs], ['jitterMs', jitterMs]] as const) {
    if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isFinite(value))) {
      return `Expected trigger.${name} to be a finite number, got ${String(value)}`;
    }
  }
  return null;
}
