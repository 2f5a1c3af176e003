import type { StatementSync } from 'node:sqlite';
import type { ClaimedJob, ClaimJobsRequest } from '../store/store.ts';
import { claimDueCappedSql, claimDueSql, countActiveSql, reserveAheadCappedSql, reserveAheadSql } from './claim-sql.ts';
import { byClaimOrder, byRunAt, rowToClaimed } from './claimed-job.ts';
import type { Row } from './row-mapping.ts';

/** Prepares a built statement text once (the store's cache). */
type StatementFor = (text: string) => StatementSync;

/** Whether a claim can take anything: a slot or a look-ahead, and a task to take. */
export function claimsAnything(request: ClaimJobsRequest): boolean {
  return request.tasks.length > 0 && (request.limit > 0 || ((request.aheadMs ?? 0) > 0 && (request.aheadLimit ?? 0) > 0));
}

/**
 * Store.claimJobs inside the caller's transaction: the due claim (made running, claim order),
 * then the look-ahead (made reserved, runAtMs order). With `maxActive`, see claimCapped.
 */
export function claimJobs(statement: StatementFor, request: ClaimJobsRequest): ClaimedJob[] {
  if (request.maxActive !== undefined) return claimCapped(statement, request);
  const tasks = [...new Set(request.tasks)];
  const { nodeId, nowMs, leaseMs, limit } = request;
  const claimed: ClaimedJob[] = [];
  if (limit > 0) {
    const params: Record<string, string | number> = { nodeId, nowMs, leaseExpiresAtMs: nowMs + leaseMs, limit };
    for (let i = 0; i < tasks.length; i++) params[`t${i}`] = tasks[i]!;
    const rows = statement(claimDueSql(tasks.length)).all(params) as Row[];
    for (const row of rows.sort(byClaimOrder)) claimed.push(rowToClaimed(row));
  }
  const aheadMs = request.aheadMs ?? 0;
  const aheadLimit = request.aheadLimit ?? 0;
  if (aheadMs > 0 && aheadLimit > 0) {
    const params: Record<string, string | number> = { nodeId, nowMs, untilMs: nowMs + aheadMs, leaseMs, aheadLimit };
    for (let i = 0; i < tasks.length; i++) params[`t${i}`] = tasks[i]!;
    const rows = statement(reserveAheadSql(tasks.length)).all(params) as Row[];
    for (const row of rows.sort(byRunAt)) claimed.push(rowToClaimed(row));
  }
  return claimed;
}

/**
 * The claim under `maxActive`: each task's running and reserved jobs are counted first, in the
 * same transaction (writers take turns on the file, so no other node claims between the count and
 * the claim), and each task is claimed only up to the room its cap leaves — the due claim first,
 * then the look-ahead from what the due claim left. Tasks without room are left out of the
 * statements altogether.
 */
function claimCapped(statement: StatementFor, request: ClaimJobsRequest): ClaimedJob[] {
  const { nodeId, nowMs, leaseMs, limit } = request;
  const maxActive = Math.max(0, Math.floor(request.maxActive ?? 0));
  const room = new Map<string, number>(request.tasks.map((task) => [task, maxActive]));
  if (maxActive > 0) {
    const params: Record<string, string> = {};
    const tasks = [...room.keys()];
    for (let i = 0; i < tasks.length; i++) params[`t${i}`] = tasks[i]!;
    for (const row of statement(countActiveSql(tasks.length)).all(params) as Row[]) {
      room.set(String(row.task), Math.max(0, maxActive - Number(row.n)));
    }
  }
  const claimed: ClaimedJob[] = [];
  const take = (rows: Row[]): void => {
    for (const row of rows) {
      const job = rowToClaimed(row);
      room.set(job.task, (room.get(job.task) ?? 0) - 1);
      claimed.push(job);
    }
  };
  if (limit > 0) {
    const params = roomParams(room, limit);
    if (params !== null) {
      Object.assign(params.values, { nodeId, nowMs, leaseExpiresAtMs: nowMs + leaseMs, limit });
      take((statement(claimDueCappedSql(params.taskCount)).all(params.values) as Row[]).sort(byClaimOrder));
    }
  }
  const aheadMs = request.aheadMs ?? 0;
  const aheadLimit = request.aheadLimit ?? 0;
  if (aheadMs > 0 && aheadLimit > 0) {
    const params = roomParams(room, aheadLimit);
    if (params !== null) {
      Object.assign(params.values, { nodeId, nowMs, untilMs: nowMs + aheadMs, leaseMs, aheadLimit });
      take((statement(reserveAheadCappedSql(params.taskCount)).all(params.values) as Row[]).sort(byRunAt));
    }
  }
  return claimed;
}

/** The tasks with room (:t0, :t1, …) and each one's limit (:c0, :c1, …, at most `limit`); null when none has room. */
function roomParams(room: ReadonlyMap<string, number>, limit: number): { taskCount: number; values: Record<string, string | number> } | null {
  const values: Record<string, string | number> = {};
  let taskCount = 0;
  for (const [task, left] of room) {
    if (left <= 0) continue;
    values[`t${taskCount}`] = task;
    values[`c${taskCount}`] = Math.min(left, limit);
    taskCount++;
  }
  return taskCount === 0 ? null : { taskCount, values };
}
