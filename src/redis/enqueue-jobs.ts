import type { NewJob } from '../domain/job.ts';
import { checkedParents, checkedPolicy } from '../store/new-job-parents.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { EnqueueResult } from '../store/store.ts';
import { decodeJob } from './codecs.ts';
import type { FlatHash } from './codecs.ts';
import { pushNewJobArgs } from './store-args.ts';
import type { StoreCalls } from './store-calls.ts';

/** Per job: 1 (created as given), [id, record, 1] (created with parents), [id, record] (blocked by it). */
type EnqueueRow = 1 | [string, FlatHash] | [string, FlatHash, 1];

/** Jobs per script for a batch without parents. */
const plainChunk = 1000;

/**
 * `Store.enqueueJobs` on Redis (enqueue-jobs.lua). A batch with parents anywhere is one script,
 * so it is one atomic step: a parent that names no job, at any position, leaves nothing created.
 * A batch without parents cannot be refused, and goes in scripts of `plainChunk` jobs, so that a
 * bulk enqueue never holds Redis for long (20,000 jobs in one script block it for most of a
 * second); each chunk is atomic, and the whole batch is created, in order, when the call resolves.
 */
export async function enqueueJobs(calls: StoreCalls, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
  const chunk = jobs.some((job) => (job.parents?.length ?? 0) > 0) ? jobs.length : plainChunk;
  const results: EnqueueResult[] = [];
  for (let from = 0; from < jobs.length; from += chunk) {
    for (const result of await enqueueChunk(calls, jobs.slice(from, from + chunk))) results.push(result);
  }
  return results;
}

async function enqueueChunk(calls: StoreCalls, jobs: readonly NewJob[]): Promise<EnqueueResult[]> {
  const args: string[] = [calls.instanceId, String(jobs.length)];
  for (const job of jobs) {
    pushNewJobArgs(args, job);
    pushParentArgs(args, job);
  }
  const reply = (await calls.script('enqueueJobs', args)) as EnqueueRow[] | ['unknown-parent', string, string];
  if (reply[0] === 'unknown-parent') {
    const [, jobId, parentId] = reply;
    throw new InvalidArgumentError(`Job "${String(jobId)}" names parent "${String(parentId)}", which is neither a stored job nor one earlier in the same batch`);
  }
  return (reply as EnqueueRow[]).map((row): EnqueueResult => {
    if (row === 1) return { created: true };
    return row.length === 3 ? { created: true, job: decodeJob(row[0], row[1]) } : { created: false, job: decodeJob(row[0], row[1]) };
  });
}

/**
 * Appends a job's flow arguments as enqueue-jobs.lua reads them after create_job's 12: its
 * parents as JSON ('' = none), its onParentFailure, how many parents, and their ids.
 */
function pushParentArgs(args: string[], job: NewJob): void {
  const parents = checkedParents(job);
  if (parents.length === 0) {
    args.push('', '', '0');
    return;
  }
  const policy = checkedPolicy(job);
  args.push(JSON.stringify(parents), policy, String(parents.length), ...parents);
}

