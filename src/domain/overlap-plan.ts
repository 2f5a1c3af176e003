import type { CoalescePolicy, OverlapPolicy } from './schedule.ts';

/** A schedule's job as the overlap decision sees it. */
export interface OverlapJob {
  id: string;
  fireAtMs: number | null;
}

export interface OverlapInput {
  overlap: OverlapPolicy;
  coalesce: CoalescePolicy;
  /** The fires `planFires` skipped because `maxRunning` jobs were active, oldest first. */
  skipped: readonly number[];
  /** The schedule's active jobs (queued, reserved, running, failed). */
  active: readonly OverlapJob[];
  /** The schedule's buffered jobs: its fires waiting (status `waiting`) for the jobs before them. */
  buffered: readonly OverlapJob[];
  /** The id the job of a buffered fire gets. */
  jobIdFor: (fireAtMs: number) => string;
}

/** What to do with the skipped fires of a schedule whose overlap policy is not `skip`. */
export interface OverlapPlan {
  /** Fires that get a job now, waiting for `parents` (`onParentFailure` ignore), in fire order. */
  buffer: Array<{ fireAtMs: number; jobId: string; parents: string[] }>;
  /** Jobs to cancel first (`cancelOther`): queued and waiting ones at once, running ones asked to abort. */
  cancel: string[];
  /** The fires that stay skipped, oldest first. */
  skipped: number[];
}

/** `NewJob.parents`' bound: a buffered fire waits for at most this many jobs. */
export const maxOverlapParents = 100;

/**
 * Decides what the fires `planFires` skipped (the schedule had `maxRunning` active jobs) become
 * under the schedule's overlap policy. Pure; the firer applies the plan under the schedule's lease.
 *
 * - `skip`: they stay skipped.
 * - `bufferOne`: while a buffered fire waits, they stay skipped; otherwise one of them (the newest,
 *   or the oldest with coalesce `earliest`) is buffered, waiting for the active jobs.
 * - `bufferAll`: each is buffered, in fire order, waiting for the active jobs and the newest
 *   earlier buffered one (which waits for the ones before it): they run one after another.
 * - `cancelOther`: the active jobs and the buffered ones are cancelled, and one fire (as for
 *   `bufferOne`) is buffered, waiting for the active jobs (a running one ends once its handler
 *   has stopped).
 *
 * The parents are capped at `maxOverlapParents` (the newest buffered one is always among them).
 */
export function planOverlap(input: OverlapInput): OverlapPlan {
  const { overlap, skipped, active, buffered } = input;
  if (overlap === 'skip' || skipped.length === 0) return { buffer: [], cancel: [], skipped: [...skipped] };
  const activeIds = active.map((job) => job.id);
  if (overlap === 'bufferAll') {
    const byFire = [...buffered].sort((a, b) => (a.fireAtMs ?? 0) - (b.fireAtMs ?? 0));
    let previous = byFire.at(-1)?.id ?? null;
    const buffer = skipped.map((fireAtMs) => {
      const jobId = input.jobIdFor(fireAtMs);
      const parents = previous === null ? cap(activeIds) : [previous, ...cap(activeIds, 1)];
      previous = jobId;
      return { fireAtMs, jobId, parents };
    });
    return { buffer, cancel: [], skipped: [] };
  }
  if (overlap === 'bufferOne' && buffered.length > 0) return { buffer: [], cancel: [], skipped: [...skipped] };
  const kept = input.coalesce === 'earliest' ? skipped[0]! : skipped.at(-1)!;
  const buffer = [{ fireAtMs: kept, jobId: input.jobIdFor(kept), parents: cap(activeIds) }];
  return {
    buffer,
    cancel: overlap === 'cancelOther' ? [...activeIds, ...buffered.map((job) => job.id)] : [],
    skipped: skipped.filter((fireAtMs) => fireAtMs !== kept),
  };
}

function cap(ids: readonly string[], reserved = 0): string[] {
  return ids.slice(0, maxOverlapParents - reserved);
}
