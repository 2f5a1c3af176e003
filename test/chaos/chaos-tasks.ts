// The tasks of a chaos run, as the nodes (chaos-worker.ts) and the test's own client both declare
// them: the client never runs a job, but its enqueue takes the task's retry policy from here, so
// an on-demand job may lose as many attempts to SIGKILLs as a fired one.
import { task, type JobInfo, type TaskDefinition } from '../../src/index.ts';

/** Attempts enough that no job runs out of them to SIGKILLs alone; retries at once (no backoff to wait out). */
export const chaosRetry = { attempts: 20, backoff: { type: 'fixed', delay: '200ms', jitter: 0 } } as const;

export interface ChaosData {
  /** How long the handler works. */
  ms: number;
}

type Handler = (context: { job: JobInfo; data: ChaosData; signal: AbortSignal }) => Promise<void>;

/** `chaos-tick` (the schedules' task) and `chaos-job` (on-demand), both running `run`. */
export function chaosTasks(run: Handler): [TaskDefinition<ChaosData>, TaskDefinition<ChaosData>] {
  return [task<ChaosData>('chaos-tick', { retry: chaosRetry, run }), task<ChaosData>('chaos-job', { retry: chaosRetry, run })];
}
