import type { StatementSync } from 'node:sqlite';
import type { ClaimedJob, ClaimJobsRequest } from '../store/store.ts';
import { claimDueSql, reserveAheadSql } from './claim-sql.ts';
import { byClaimOrder, byRunAt, rowToClaimed } from './claimed-job.ts';
import type { Row } from './row-mapping.ts';

/** Whether a claim can take anything: a slot or a look-ahead, and a task to take. */
export function claimsAnything(request: ClaimJobsRequest): boolean {
  return request.tasks.length > 0 && (request.limit > 0 || ((request.aheadMs ?? 0) > 0 && (request.aheadLimit ?? 0) > 0));
}

/**
 * Store.claimJobs inside the caller's transaction: the due claim (made running, claim order),
 * then the look-ahead (made reserved, runAtMs order). `statement` prepares a built text once.
 */
export function claimJobs(statement: (text: string) => StatementSync, request: ClaimJobsRequest): ClaimedJob[] {
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
