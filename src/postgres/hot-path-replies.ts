import type {
  AcquiredSchedule,
  ClaimedJob,
  ClaimJobsRequest,
  CompleteAndClaimResult,
  CompleteJobRequest,
  CompleteJobResult,
  ReleaseScheduleRequest,
  ReleaseScheduleResult,
} from '../store/store.ts';
import { InvalidArgumentError } from '../errors.ts';
import { claimedRowOrder, rowToClaimed } from './claimed-job.ts';
import { rowToSchedule, type Row } from './row-mapping.ts';

// The hot path's arguments and lean replies: what claim_jobs takes, and how the rows of a claim,
// a completeAndClaim, an acquisition or a release become the contract's answers.

/**
 * A claim's arguments: claim_jobs' (see job-statements.ts `claim`), and `maxActive`, which
 * routes it to claim_capped_jobs instead (null: uncapped, the hot path, which counts nothing).
 */
export interface ClaimParams {
  args: unknown[];
  maxActive: number | null;
}

/** The claim's arguments, or null when the request can claim nothing. */
export function claimParams(request: ClaimJobsRequest): ClaimParams | null {
  const tasks = [...new Set(request.tasks)];
  const aheadMs = Math.max(0, request.aheadMs ?? 0);
  const aheadLimit = aheadMs > 0 ? Math.max(0, request.aheadLimit ?? 0) : 0;
  const limit = Math.max(0, request.limit);
  const maxActive = maxActiveOf(request.maxActive);
  if (tasks.length === 0 || (limit === 0 && aheadLimit === 0) || maxActive === 0) return null;
  return { args: [request.nodeId, request.nowMs, request.leaseMs, limit, tasks, aheadMs, aheadLimit], maxActive };
}

/** Past this no count can reach the cap (and the function takes an integer). */
const uncappedAbove = 2 ** 31 - 1;

/** `maxActive` as the capped claim takes it (a whole number, at least 0), or null when absent or unreachable. */
function maxActiveOf(maxActive: number | undefined): number | null {
  if (maxActive === undefined) return null;
  if (Number.isNaN(maxActive)) throw new InvalidArgumentError(`Expected \`maxActive\` to be a number, got ${String(maxActive)}`);
  return maxActive >= uncappedAbove ? null : Math.max(0, Math.floor(maxActive));
}

/** Claimed rows in claim order (due jobs, then reservations), as the node runs them. */
export function claimedOf(rows: Row[]): ClaimedJob[] {
  return rows.sort(claimedRowOrder).map(rowToClaimed);
}

/** complete_and_claim's rows: the completion rows (completion_index set), then the claimed jobs. */
export function completeAndClaimResult(completions: readonly CompleteJobRequest[], rows: readonly Row[]): CompleteAndClaimResult {
  const completed: CompleteJobResult[] = completions.map((c) => ({ jobId: c.jobId, completed: false }));
  const claimedRows: Row[] = [];
  for (const row of rows) {
    if (row.completion_index === null || row.completion_index === undefined) claimedRows.push(row);
    else if (row.completed === true) completed[Number(row.completion_index)]!.completed = true;
  }
  return { completed, claimed: claimedOf(claimedRows) };
}

/** Acquired schedules in the contract's order: the UPDATE hands its rows back in no order. */
export function acquiredSchedules(rows: readonly Row[]): AcquiredSchedule[] {
  return rows
    .map((row) => {
      const schedule = rowToSchedule(row);
      return { schedule, leaseToken: schedule.leaseToken, activeJobs: Number(row.active_jobs) };
    })
    .sort((a, b) => (a.schedule.nextFireAtMs ?? 0) - (b.schedule.nextFireAtMs ?? 0) || compareIds(a.schedule.id, b.schedule.id));
}

/** Byte order for ASCII ids, as ORDER BY on a COLLATE "C" column. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The release statement's rows (held releases, created jobs) regrouped per request, jobs in request order. */
export function releaseResults(requests: readonly ReleaseScheduleRequest[], rows: readonly Row[]): ReleaseScheduleResult[] {
  const results: ReleaseScheduleResult[] = requests.map((request) => ({ scheduleId: request.scheduleId, released: false, created: [] }));
  const indexBySchedule = new Map(requests.map((request, i) => [request.scheduleId, i]));
  for (const row of rows) {
    if (row.release_index !== null && row.release_index !== undefined) {
      results[Number(row.release_index)]!.released = true;
    } else {
      const job = rowToClaimed(row);
      const index = indexBySchedule.get(job.scheduleId ?? '');
      if (index !== undefined) results[index]!.created.push(job);
    }
  }
  results.forEach((result, i) => {
    if (result.created.length < 2) return;
    const order = new Map(requests[i]!.jobs.map((job, k) => [job.id, k]));
    result.created.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  });
  return results;
}
