import type { JobError, JobSnapshot, JobStatus } from '../domain/job.ts';
import type { JsonValue } from '../domain/json.ts';
import type { ClaimedJob } from '../store/store.ts';

/**
 * What a schedule's fire carries to its start, when its node reserved it ahead: the policies that
 * are judged at the instant it starts, not when it was reserved.
 */
export interface FirePolicy {
  maxRunning: number | null;
  misfireGraceMs: number | null;
  /** The schedule's active jobs held by other nodes when the fire was planned (a hint: they may end before the start). */
  foreignActive: number;
  /** `foreignActive` was read from the store at the start itself: exact, no need to ask again. */
  foreignChecked?: boolean;
}

/**
 * Where a held job is on this node:
 * - `reserved`: claimed ahead of its instant; a local timer moves it to `waiting` at runAtMs.
 * - `waiting`: due, waiting for a free slot (a prefetched claim, or a reservation whose instant came).
 * - `running`: its handler runs in a slot.
 * - `writing`: its handler ended; its outcome is on its way to the store (the slot is free).
 */
export type HeldState = 'reserved' | 'waiting' | 'running' | 'writing';

/**
 * A job this node holds a lease on, from its claim (or reservation) until its outcome is written.
 * One object per job, with no closures and no abort controller until one is needed: a burst of
 * thousands of jobs costs a few fields each.
 */
export class HeldJob {
  readonly claimed: ClaimedJob;
  fire: FirePolicy | null;
  state: HeldState;
  /** The lease as this node last had it confirmed (claim or renewal): it starts a job only inside it. */
  leaseUntilMs: number;
  /** Since when it waits for a slot (it is handed back to the queue when that takes too long). */
  waitingSinceMs = 0;
  /** When its handler started on this node (null until then). */
  startedAtMs: number | null = null;
  /** The store still holds it as reserved: the start is reported with the next renewal or the outcome. */
  storeReserved: boolean;
  /** The job's cancellation was requested (an operator); it ends as cancelled. */
  cancelRequested = false;
  /** Settles when the attempt has been written to the store (or given up on). */
  done: Promise<void> = Promise.resolve();
  #controller: AbortController | null = null;
  #abortReason: Error | null = null;

  constructor(claimed: ClaimedJob, fire: FirePolicy | null, nowMs: number) {
    this.claimed = claimed;
    this.fire = fire;
    this.storeReserved = claimed.status === 'reserved';
    this.state = this.storeReserved && claimed.runAtMs > nowMs ? 'reserved' : 'waiting';
    this.leaseUntilMs = claimed.leaseExpiresAtMs ?? 0;
  }

  get id(): string {
    return this.claimed.id;
  }

  /** The handler's signal, made on first use (most handlers of short jobs never look at it). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#abortReason) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#abortReason !== null;
  }

  get abortReason(): Error | null {
    return this.#abortReason;
  }

  /** Aborts the handler (once): timeout, lost lease, cancellation, shutdown. */
  abort(reason: Error): void {
    if (this.#abortReason) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    this.#onAbort?.(reason);
  }

  /** Called by `abort` (the executor's race against the handler); set while the handler runs. */
  #onAbort: ((reason: Error) => void) | null = null;

  /** A promise that rejects when the job is aborted (for the executor's race). */
  abortion(): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.#abortReason) return reject(this.#abortReason);
      this.#onAbort = reject;
    });
  }

  /** The job as events describe it, at `status`. */
  snapshot(
    status: JobStatus,
    nodeId: string,
    outcome: { nowMs?: number; result?: JsonValue | null; error?: JobError | null; attempt?: number } = {},
  ): JobSnapshot {
    const c = this.claimed;
    const final = status === 'succeeded' || status === 'dead' || status === 'cancelled';
    return {
      id: c.id,
      task: c.task,
      data: c.data,
      origin: c.origin,
      scheduleId: c.scheduleId,
      fireAtMs: c.fireAtMs,
      status,
      priority: c.priority,
      runAtMs: c.runAtMs,
      createdAtMs: c.createdAtMs,
      dedupeKey: c.dedupeKey,
      attempt: outcome.attempt ?? (this.startedAtMs === null && status !== 'running' ? c.attempt - 1 : c.attempt),
      maxAttempts: c.maxAttempts,
      fencingToken: c.fencingToken,
      nodeId,
      startedAtMs: this.startedAtMs,
      finishedAtMs: final ? (outcome.nowMs ?? null) : null,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
    };
  }
}
