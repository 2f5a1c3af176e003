import type { ClaimedJob, ClaimJobsRequest, CompleteAndClaimRequest, CompleteAndClaimResult, CompleteJobRequest, CompleteJobResult } from '../store/store.ts';
import { completionParams } from './batch-params.ts';
import { claimedOf, claimParams, completeAndClaimResult, type ClaimParams } from './hot-path-replies.ts';
import type { JobContext } from './job-statements.ts';

// The hot path's claims and completions (Store.claimJobs, completeJobs, completeAndClaim), one
// statement each. An uncapped claim is claim_jobs as ever; only a claim with `maxActive` goes to
// the capped functions, which count the task's active jobs under a lock per task.

export async function claimJobs(ctx: JobContext, request: ClaimJobsRequest): Promise<ClaimedJob[]> {
  const claim = claimParams(request);
  return claim === null ? [] : runClaim(ctx, claim);
}

async function runClaim(ctx: JobContext, { args, maxActive }: ClaimParams): Promise<ClaimedJob[]> {
  const rows = maxActive === null
    ? await ctx.sql.run('claimJobs', 'claimJobs', ctx.jobs.claim, args)
    : await ctx.sql.run('claimJobs', 'claimCappedJobs', ctx.jobs.claimCapped, [...args, maxActive]);
  return claimedOf(rows);
}

export async function completeJobs(ctx: JobContext, requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> {
  if (requests.length === 0) return [];
  const rows = await ctx.sql.run('completeJobs', 'completeJobs', ctx.jobs.complete, [
    completionParams(requests), requests.map((request) => request.jobId), ctx.channel,
  ]);
  return rows.map((row, index) => ({ jobId: requests[index]!.jobId, completed: row.completed === true }));
}

export async function completeAndClaim(ctx: JobContext, request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult> {
  const { completions } = request;
  const claim = claimParams(request.claim);
  if (completions.length === 0) return { completed: [], claimed: claim === null ? [] : await runClaim(ctx, claim) };
  if (claim === null) return { completed: await completeJobs(ctx, completions), claimed: [] };
  const completing = [completionParams(completions), completions.map((c) => c.jobId), ctx.channel, ...claim.args];
  const rows = claim.maxActive === null
    ? await ctx.sql.run('completeAndClaim', 'completeAndClaim', ctx.jobs.completeAndClaim, completing)
    : await ctx.sql.run('completeAndClaim', 'completeAndClaimCapped', ctx.jobs.completeAndClaimCapped, [...completing, claim.maxActive]);
  return completeAndClaimResult(completions, rows);
}
