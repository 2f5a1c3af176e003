import type { HeldJob } from './held-job.ts';

/** What to do with a held job whose turn to start has come. */
export type StartDecision =
  | { kind: 'start' }
  /** Its lease is gone (or going): whoever holds it now runs it; nothing to write. */
  | { kind: 'drop' }
  /** An operator cancelled it before it started: it ends as cancelled without running. */
  | { kind: 'cancel' }
  /** A schedule's fire reserved ahead that must not run now: deleted and counted on its schedule. */
  | { kind: 'discard'; countAs: 'skipped' | 'missed' }
  /** Other nodes held active jobs of its schedule when it was planned: ask the store how many still are. */
  | { kind: 'check' };

/**
 * Decides, at the instant a held job would start, whether it does. Pure, over the job and what this
 * node knows; `activeHere(scheduleId)` is the number of that schedule's jobs this node runs now.
 *
 * - A job is started only inside the lease this node had confirmed: a node that could not renew
 *   (the store was unreachable) never starts work another node may already have taken over.
 * - A schedule's fire reserved ahead is judged now, not when it was reserved: later than its
 *   misfire grace → missed; `maxRunning` of its jobs active → skipped. Jobs of the schedule held
 *   by other nodes are only known as of the planning (`foreignActive`); when there were any, the
 *   decision needs the store (`check`), since they may have ended since.
 */
export function startGate(job: HeldJob, nowMs: number, activeHere: (scheduleId: string) => number): StartDecision {
  if (job.aborted || nowMs >= job.leaseUntilMs) return { kind: 'drop' };
  if (job.cancelRequested) return { kind: 'cancel' };
  const fire = job.fire;
  const { scheduleId, fireAtMs } = job.claimed;
  if (fire === null || scheduleId === null || fireAtMs === null) return { kind: 'start' };
  if (fire.misfireGraceMs !== null && nowMs - fireAtMs > fire.misfireGraceMs) return { kind: 'discard', countAs: 'missed' };
  if (fire.maxRunning === null) return { kind: 'start' };
  const local = activeHere(scheduleId);
  if (local >= fire.maxRunning) return { kind: 'discard', countAs: 'skipped' };
  if (local + fire.foreignActive < fire.maxRunning) return { kind: 'start' };
  return fire.foreignChecked ? { kind: 'discard', countAs: 'skipped' } : { kind: 'check' };
}
