import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/domain/job.ts';
import { resolveRetryPolicy } from '../../src/domain/retry.ts';
import {
  JobCancelledError,
  JobTimeoutError,
  NonRetryableError,
  PayloadValidationError,
  ShutdownError,
  StopScheduleSignal,
  UnknownTaskError,
} from '../../src/errors.ts';
import { completionForFailure, type AttemptFailure } from '../../src/runtime/attempt-completion.ts';

const nowMs = Date.UTC(2026, 0, 1);
const policy = resolveRetryPolicy({ attempts: 3, backoff: { type: 'fixed', delay: '10s', jitter: 0 } }, 'retry');

function job(patch: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'j1', task: 't', data: null, origin: 'enqueue', scheduleId: null, fireAtMs: null, status: 'running', priority: 0,
    runAtMs: nowMs, createdAtMs: nowMs, updatedAtMs: nowMs, startedAtMs: nowMs, finishedAtMs: null, attempt: 1, maxAttempts: 3,
    dedupeKey: null, leaseOwner: 'n1', leaseExpiresAtMs: nowMs + 3000, fencingToken: 1, cancelRequested: false, result: null,
    error: null, attempts: [], ...patch,
  };
}

function decide(error: unknown, patch: Partial<AttemptFailure> = {}) {
  return completionForFailure({ error, job: job(), policy, nowMs, random: () => 0, ...patch });
}

describe('completionForFailure', () => {
  it('a stop signal: the job succeeds and only then does its schedule end', () => {
    expect(decide(new StopScheduleSignal())).toEqual({ completion: { status: 'succeeded', result: null }, endSchedule: true });
  });

  it('a shutdown releases the job; a cancel cancels it with the error kept', () => {
    expect(decide(new ShutdownError('stopping'))).toEqual({ completion: { status: 'released' }, endSchedule: false });
    expect(decide(new JobCancelledError('by an operator'))).toEqual({
      completion: { status: 'cancelled', error: expect.objectContaining({ name: 'JobCancelledError', code: 'JOB_CANCELLED', message: 'by an operator' }) },
      endSchedule: false,
    });
  });

  it('an ordinary error with attempts left: a retry after the backoff, as a failed attempt', () => {
    expect(decide(new Error('boom'))).toEqual({
      completion: { status: 'retry', error: expect.objectContaining({ name: 'Error', message: 'boom' }), retryAtMs: nowMs + 10_000, attemptOutcome: 'failed' },
      endSchedule: false,
    });
  });

  it('a timeout is retried too, recorded as timed out', () => {
    expect(decide(new JobTimeoutError('slow')).completion).toMatchObject({ status: 'retry', attemptOutcome: 'timed_out' });
    expect(decide(new JobTimeoutError('slow'), { job: job({ attempt: 3 }) }).completion).toMatchObject({ status: 'dead', attemptOutcome: 'timed_out' });
  });

  it('the last attempt, a non-retryable error, a bad payload or an unknown task: dead at once', () => {
    for (const [error, patch] of [
      [new Error('boom'), { job: job({ attempt: 3 }) }],
      [new Error('boom'), { job: job({ attempt: 4, maxAttempts: 3 }) }],
      [new NonRetryableError('bad input'), {}],
      [new PayloadValidationError('Invalid `data`', []), {}],
      [new UnknownTaskError('no such task'), {}],
    ] as const) {
      expect(decide(error, patch)).toEqual({
        completion: { status: 'dead', error: expect.objectContaining({ message: error.message }), attemptOutcome: 'failed' },
        endSchedule: false,
      });
    }
  });

  it('a task this node does not know (no policy): dead, even with attempts left', () => {
    expect(decide(new Error('boom'), { policy: null })).toMatchObject({ completion: { status: 'dead' }, endSchedule: false });
  });

  it("the job's own maxAttempts decides, not the policy's (an operator's retry may raise it)", () => {
    expect(decide(new Error('boom'), { job: job({ attempt: 3, maxAttempts: 5 }) }).completion).toMatchObject({ status: 'retry' });
  });
});
