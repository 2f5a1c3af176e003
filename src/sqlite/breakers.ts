import { breakerStates, type BreakerForce, type BreakerRecord, type BreakerState } from '../store/gate-types.ts';
import type { ReadBreakersRequest, RecordBreakerCallsRequest, WriteBreakerRequest } from '../store/gate-types.ts';
import { oneOfProblem } from '../domain/record-shapes.ts';
import { InvalidArgumentError } from '../errors.ts';
import { FieldReader } from '../store/field-reader.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

// The circuit breakers' state (Store.readBreakers, recordBreakerCalls, writeBreaker). The store
// keeps rows and applies writes atomically; when a breaker opens or closes is the core's decision
// (src/breaker).

/** Store.readBreakers: one statement, so the records and their call counts are one snapshot. */
export function readBreakers(s: Statements, request: ReadBreakersRequest): BreakerRecord[] {
  const rows =
    request.tasks === undefined
      ? (s.readAllBreakers.all({ sinceMs: request.sinceMs }) as Row[])
      : (s.readBreakersOf.all({ sinceMs: request.sinceMs, tasks: JSON.stringify(request.tasks) }) as Row[]);
  return rows.map(rowToBreaker);
}

/** Store.recordBreakerCalls inside the caller's transaction. */
export function recordBreakerCalls(s: Statements, request: RecordBreakerCallsRequest): void {
  const { nowMs, bucketMs, pruneBeforeMs } = request;
  if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) {
    throw new InvalidArgumentError(`Expected \`bucketMs\` to be a positive number of milliseconds, got ${String(bucketMs)}`);
  }
  const bucketStartMs = Math.floor(nowMs / bucketMs) * bucketMs;
  for (const { task, succeeded, failed } of request.calls) {
    s.addBreakerCalls.run({ task, bucketStartMs, succeeded, failed });
    s.pruneBreakerCalls.run({ task, pruneBeforeMs });
  }
}

/** Store.writeBreaker inside the caller's transaction: the compare-and-set on `version`. */
export function writeBreaker(s: Statements, request: WriteBreakerRequest): boolean {
  const fields = {
    task: request.task,
    state: request.state,
    forced: request.forced,
    changedAtMs: request.changedAtMs,
    openUntilMs: request.openUntilMs,
    probeOwner: request.probeOwner,
    probeUntilMs: request.probeUntilMs,
  };
  const written =
    request.expectedVersion === 0
      ? Number(s.insertBreaker.run(fields).changes) === 1
      : Number(s.updateBreaker.run({ ...fields, expectedVersion: request.expectedVersion }).changes) === 1;
  if (written && request.clearCalls) s.clearBreakerCalls.run(request.task);
  return written;
}

const forcedProblem = (value: unknown): string | null =>
  value === null || value === 'open' || value === 'closed' ? null : `expected open, closed or none, got ${JSON.stringify(value)}`;

/**
 * A breaker row as its record. A damaged field (a hand edit, a bad restore) reads as the automatic
 * closed breaker's, with the stored version: the record has no `unreadable` to flag, and the next
 * compare-and-set by the core replaces the row rather than every read failing.
 */
function rowToBreaker(row: Row): BreakerRecord {
  const f = new FieldReader();
  return {
    task: String(row.task),
    state: f.text<BreakerState>('state', row.state, oneOfProblem(breakerStates), 'closed'),
    forced: forcedProblem(row.forced) === null ? (row.forced as BreakerForce) : null,
    changedAtMs: f.number('changedAtMs', row.changed_at_ms),
    openUntilMs: f.numberOrNull('openUntilMs', row.open_until_ms),
    probeOwner: row.probe_owner === null ? null : String(row.probe_owner),
    probeUntilMs: f.numberOrNull('probeUntilMs', row.probe_until_ms),
    version: f.number('version', row.version),
    succeeded: f.number('succeeded', row.succeeded_calls),
    failed: f.number('failed', row.failed_calls),
  };
}
