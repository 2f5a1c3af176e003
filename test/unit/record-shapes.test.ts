import { describe, expect, test } from 'vitest';
import { assertTriggerSpec } from '../../src/domain/assert-trigger.ts';
import { jobStatuses, type JobAttempt } from '../../src/domain/job.ts';
import {
  jobAttemptsProblem,
  jobErrorProblem,
  jobStatusProblem,
  oneOfProblem,
  stringArrayProblem,
  triggerProblem,
} from '../../src/domain/record-shapes.ts';
import { at, cron, every } from '../../src/triggers/index.ts';

// The shape checks a store runs on what it reads back (a damaged record is quarantined as
// unreadable, see docs/stores.md): each returns why a value is not of its shape, or null.

const t0 = Date.UTC(2026, 0, 1);

const attempt: JobAttempt = {
  attempt: 1,
  nodeId: 'node-a',
  fencingToken: 7,
  startedAtMs: t0,
  finishedAtMs: t0 + 1_000,
  outcome: 'failed',
  error: { name: 'Error', message: 'boom', code: 'E_BOOM', stack: 'Error: boom' },
};

/** The message of what assertTriggerSpec throws for `value`. */
function assertMessage(value: unknown): string {
  try {
    assertTriggerSpec(value, 'trigger');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`assertTriggerSpec accepted ${JSON.stringify(value)}`);
}

describe('jobAttemptsProblem', () => {
  test('accepts an empty list and attempts of the stored shape', () => {
    expect(jobAttemptsProblem([])).toBeNull();
    expect(jobAttemptsProblem([attempt])).toBeNull();
    const running = { ...attempt, attempt: 2, finishedAtMs: null, outcome: 'running', error: null };
    expect(jobAttemptsProblem([attempt, running])).toBeNull();
    // An attempt written before errors were kept has no error field at all.
    const { error: _error, ...noError } = attempt;
    expect(jobAttemptsProblem([noError])).toBeNull();
  });

  test('refuses a value that is not an array, naming what it is', () => {
    expect(jobAttemptsProblem(null)).toBe('expected an array of attempts, got null');
    expect(jobAttemptsProblem(undefined)).toBe('expected an array of attempts, got a undefined');
    expect(jobAttemptsProblem('[]')).toBe('expected an array of attempts, got a string');
    expect(jobAttemptsProblem({ 0: attempt, length: 1 })).toBe('expected an array of attempts, got an object');
  });

  test('refuses an attempt that is not an object, by its index', () => {
    expect(jobAttemptsProblem([null])).toBe('attempt 0 is null, not an object');
    expect(jobAttemptsProblem([attempt, 3])).toBe('attempt 1 is a number, not an object');
    expect(jobAttemptsProblem([attempt, attempt, [attempt]])).toBe('attempt 2 is an array, not an object');
  });

  test('refuses an attempt without a finite number, fencing token or start', () => {
    for (const field of ['attempt', 'fencingToken', 'startedAtMs'] as const) {
      for (const bad of [undefined, null, '1', Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(jobAttemptsProblem([attempt, { ...attempt, [field]: bad }]), `${field}: ${String(bad)}`).toBe(
          'attempt 1 lacks its number, fencing token or start',
        );
      }
    }
  });

  test('refuses a finishedAtMs that is neither null nor a finite number', () => {
    for (const bad of [undefined, '2026-01-01', Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(jobAttemptsProblem([{ ...attempt, finishedAtMs: bad }]), String(bad)).toBe(
        'attempt 0 has a finishedAtMs that is not a number',
      );
    }
  });

  test('refuses an attempt without a string outcome or node', () => {
    expect(jobAttemptsProblem([{ ...attempt, outcome: undefined }])).toBe('attempt 0 lacks its outcome or node');
    expect(jobAttemptsProblem([{ ...attempt, outcome: 1 }])).toBe('attempt 0 lacks its outcome or node');
    expect(jobAttemptsProblem([{ ...attempt, nodeId: null }])).toBe('attempt 0 lacks its outcome or node');
    expect(jobAttemptsProblem([attempt, { ...attempt, nodeId: 42 }])).toBe('attempt 1 lacks its outcome or node');
  });

  test('refuses an attempt whose error is not a readable error', () => {
    for (const bad of ['boom', { name: 'Error' }, { message: 'boom' }, [attempt.error]]) {
      expect(jobAttemptsProblem([attempt, { ...attempt, error: bad }]), JSON.stringify(bad)).toBe(
        'attempt 1 has an unreadable error',
      );
    }
  });
});

describe('jobErrorProblem', () => {
  test('accepts null (no error) and an error with a name and a message', () => {
    expect(jobErrorProblem(null)).toBeNull();
    expect(jobErrorProblem({ name: 'TypeError', message: '' })).toBeNull();
    expect(jobErrorProblem(attempt.error)).toBeNull();
  });

  test('refuses what is not an error object, naming what it is', () => {
    expect(jobErrorProblem('boom')).toBe('expected an error object, got a string');
    expect(jobErrorProblem(12)).toBe('expected an error object, got a number');
    expect(jobErrorProblem(undefined)).toBe('expected an error object, got a undefined');
    expect(jobErrorProblem([{ name: 'Error', message: 'boom' }])).toBe('expected an error object, got an array');
  });

  test('refuses an error object without a string name or message', () => {
    const problem = 'expected an error with a name and a message';
    expect(jobErrorProblem({})).toBe(problem);
    expect(jobErrorProblem({ name: 'Error' })).toBe(problem);
    expect(jobErrorProblem({ message: 'boom' })).toBe(problem);
    expect(jobErrorProblem({ name: 1, message: 'boom' })).toBe(problem);
    expect(jobErrorProblem({ name: 'Error', message: null })).toBe(problem);
  });
});

describe('jobStatusProblem, oneOfProblem, stringArrayProblem', () => {
  test('a job status is one of jobStatuses', () => {
    for (const status of jobStatuses) expect(jobStatusProblem(status)).toBeNull();
    expect(jobStatusProblem('done')).toBe('unknown status "done"');
    expect(jobStatusProblem('QUEUED')).toBe('unknown status "QUEUED"');
    expect(jobStatusProblem(undefined)).toBe('unknown status undefined');
  });

  test('oneOfProblem accepts exactly the allowed strings', () => {
    const problem = oneOfProblem(['latest', 'earliest', 'all']);
    expect(problem('latest')).toBeNull();
    expect(problem('all')).toBeNull();
    expect(problem('newest')).toBe('expected one of latest, earliest, all, got "newest"');
    expect(problem(null)).toBe('expected one of latest, earliest, all, got null');
  });

  test('stringArrayProblem accepts arrays of strings only', () => {
    expect(stringArrayProblem([])).toBeNull();
    expect(stringArrayProblem(['a', 'b'])).toBeNull();
    expect(stringArrayProblem(['a', 1])).toBe('expected an array of strings, got an array');
    expect(stringArrayProblem([null])).toBe('expected an array of strings, got an array');
    expect(stringArrayProblem('a')).toBe('expected an array of strings, got a string');
    expect(stringArrayProblem({ 0: 'a' })).toBe('expected an array of strings, got an object');
    expect(stringArrayProblem(null)).toBe('expected an array of strings, got null');
    expect(stringArrayProblem(true)).toBe('expected an array of strings, got a boolean');
  });
});

describe('triggerProblem', () => {
  test('accepts the triggers at(), every() and cron() make', () => {
    for (const trigger of [
      at(t0),
      every('5m'),
      every('1h', { startAt: t0, endAt: t0 + 86_400_000, jitter: '1m' }),
      cron('15 4 * * *'),
      cron('15 4 * * *', { tz: 'Europe/Berlin', dst: 'strict', jitter: '10s', startAt: t0, endAt: t0 + 1e9 }),
    ]) {
      expect(triggerProblem(trigger), JSON.stringify(trigger)).toBeNull();
      // A second read (of a cron trigger: from the remembered verdict) says the same.
      expect(triggerProblem(JSON.parse(JSON.stringify(trigger)))).toBeNull();
    }
  });

  test("refuses what assertTriggerSpec refuses, with assertTriggerSpec's message", () => {
    for (const bad of [
      null,
      'cron',
      { type: 'weekly' },
      { type: 'date', runAtMs: 'soon' },
      { type: 'interval', everyMs: 0 },
      { type: 'cron', expr: 'not a cron' },
      { type: 'cron', expr: '0 3 * * *', tz: 'Mars/Olympus_Mons' },
    ]) {
      const problem = triggerProblem(bad);
      expect(problem, JSON.stringify(bad)).toBe(assertMessage(bad));
      // Refused again on the next read: a refusal is not remembered as a pass.
      expect(triggerProblem(bad)).toBe(problem);
    }
  });

  test('a cron verdict is remembered per expression, zone and dst policy only', () => {
    expect(triggerProblem(cron('20 5 * * *', { tz: 'Asia/Tokyo', dst: 'strict' }))).toBeNull();
    // The same expression under an unknown zone or policy is checked anew, and refused.
    const badZone = { ...cron('20 5 * * *'), tz: 'Asia/Atlantis', dst: 'strict' };
    expect(triggerProblem(badZone)).toBe(assertMessage(badZone));
    const badDst = { ...cron('20 5 * * *', { tz: 'Asia/Tokyo' }), dst: 'sometimes' };
    expect(triggerProblem(badDst)).toBe(assertMessage(badDst));
    // An expression that only spells like the remembered one is not a string, and is refused.
    const arrayExpr = { ...cron('20 5 * * *', { tz: 'Asia/Tokyo', dst: 'strict' }), expr: ['20 5 * * *'] };
    expect(triggerProblem(arrayExpr)).toBe('Expected trigger.expr to be a cron expression');
    // Only a cron trigger is read through the remembered verdict.
    const interval = { type: 'interval', everyMs: -1, expr: '20 5 * * *', tz: 'Asia/Tokyo', dst: 'strict' };
    expect(triggerProblem(interval)).toBe(assertMessage(interval));
  });

  test('a remembered cron expression still has its window and jitter checked', () => {
    const trigger = cron('25 6 * * *', { tz: 'UTC' });
    expect(triggerProblem(trigger)).toBeNull();
    expect(triggerProblem({ ...trigger, startAtMs: null, endAtMs: null, jitterMs: null })).toBeNull();
    expect(triggerProblem({ ...trigger, startAtMs: t0, endAtMs: t0 + 1e9, jitterMs: 500 })).toBeNull();
    for (const name of ['startAtMs', 'endAtMs', 'jitterMs'] as const) {
      expect(triggerProblem({ ...trigger, [name]: 'soon' }), name).toBe(`Expected trigger.${name} to be a finite number, got soon`);
      expect(triggerProblem({ ...trigger, [name]: Number.NaN }), name).toBe(`Expected trigger.${name} to be a finite number, got NaN`);
      expect(triggerProblem({ ...trigger, [name]: Number.POSITIVE_INFINITY }), name).toBe(
        `Expected trigger.${name} to be a finite number, got Infinity`,
      );
    }
  });

  test('a cron refused for its window is not remembered as valid', () => {
    const inverted = { ...cron('35 7 * * *'), startAtMs: t0 + 1e9, endAtMs: t0 };
    const problem = triggerProblem(inverted);
    expect(problem).toBe(assertMessage(inverted));
    expect(triggerProblem(inverted)).toBe(problem);
  });
});
