import assert from 'node:assert/strict';
import type { JobRecord, NewJob } from '../../domain/job.ts';
import { completeJob } from '../../store/single-calls.ts';
import type { Store } from '../../store/store.ts';
import { leaseMs, newJob } from './fixtures.ts';

// Helpers of the flow tests (flows.ts, flows-control.ts). Each flow job runs a task named after
// its id, so a test claims exactly the job it means to end, whatever else is due.

export const boom = { name: 'Error', message: 'boom' };

/** A job whose task is its id (see above); with `parents`, a flow's node. */
export function flowJob(id: string, parents: readonly string[] = [], overrides: Partial<NewJob> = {}): NewJob {
  return newJob(id, { task: id, ...(parents.length > 0 ? { parents } : {}), ...overrides });
}

/** Claims job `id` (it must be due at `nowMs`); returns its fencing token. */
export async function claimOne(store: Store, id: string, nowMs: number): Promise<number> {
  const [claimed] = await store.claimJobs({ nodeId: 'node-a', nowMs, leaseMs, limit: 1, tasks: [id] });
  assert.equal(claimed?.id, id, `expected to claim ${id}`);
  return claimed.fencingToken;
}

/** Claims job `id` and ends it with `status` at `nowMs`. */
export async function end(store: Store, id: string, status: 'succeeded' | 'dead' | 'cancelled', nowMs: number): Promise<void> {
  const fencingToken = await claimOne(store, id, nowMs);
  const completion = status === 'succeeded' ? { status, result: { from: id } } : { status, error: boom };
  await completeJob(store, { jobId: id, fencingToken, nowMs, completion });
}

/** Reads a job that must exist. */
export async function read(store: Store, id: string): Promise<JobRecord> {
  const job = await store.getJob(id);
  assert.ok(job, `job ${id} exists`);
  return job;
}

/** Each job's status, by id. */
export async function statuses(store: Store, ids: readonly string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const id of ids) out[id] = (await store.getJob(id))?.status;
  return out;
}
