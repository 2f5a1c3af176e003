import { activeJobStatuses, isFinalJobStatus, newJobRecord } from '../domain/job.ts';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import { byRunAt, ClaimQueue, claimOrder } from './claim-queue.ts';
import type { QueueEntry } from './claim-queue.ts';
import { LeaseIndex } from './lease-index.ts';
import { ChildIndex } from './child-index.ts';

/** A job as MemoryStore keeps it: the record plus its creation order and live claim-queue stamp. */
export interface StoredJob {
  readonly record: JobRecord;
  readonly seq: number;
  stamp: number;
  /** Stamp of the job's current entry in the lease index (0 when not running). */
  leaseStamp: number;
}

const activeStatuses: ReadonlySet<JobStatus> = new Set(activeJobStatuses);

/**
 * MemoryStore's jobs and the indexes its invariants need: (scheduleId, fireAtMs) uniqueness,
 * dedupe keys of non-final jobs, running jobs, active jobs per schedule, and the claim queue.
 * Every status change goes through `setStatus` so the indexes never drift from the records.
 */
export class JobTable {
  readonly #jobs = new Map<string, StoredJob>();
  readonly #byFire = new Map<string, string>();
  readonly #byDedupeKey = new Map<string, string>();
  readonly #leases = new LeaseIndex((jobId, stamp) => {
    const stored = this.#jobs.get(jobId);
    return stored !== undefined && stored.leaseStamp === stamp && (stored.record.status === 'running' || stored.record.status === 'reserved');
  });
  readonly #activeBySchedule = new Map<string, Set<string>>();
  /** One claim queue per task: a claim reads only the queues of the tasks the node runs (routing). */
  readonly #queues = new Map<string, ClaimQueue>();
  /** Running and reserved jobs per task: what `ClaimJobsRequest.maxActive` caps. */
  readonly #heldByTask = new Map<string, number>();
  readonly #children = new ChildIndex();
  #nextSeq = 1;

  get(id: string): StoredJob | undefined {
    return this.#jobs.get(id);
  }

  values(): IterableIterator<StoredJob> {
    return this.#jobs.values();
  }

  /** The job that blocks creating `job` (same fire, or a live job with its dedupeKey), if any. */
  findConflict(job: NewJob): StoredJob | undefined {
    if (job.scheduleId !== null && job.fireAtMs !== null) {
      const id = this.#byFire.get(fireKey(job.scheduleId, job.fireAtMs));
      if (id !== undefined) return this.#jobs.get(id);
    }
    if (job.dedupeKey !== null) {
      const id = this.#byDedupeKey.get(job.dedupeKey);
      if (id !== undefined) return this.#jobs.get(id);
    }
    return undefined;
  }

  /**
   * Inserts a new job (the caller checked `findConflict`), queued unless its parents decided
   * otherwise (`status`): a waiting job never enters the claim queue.
   */
  insert(job: NewJob, status: JobStatus = 'queued'): StoredJob {
    const record = newJobRecord(job);
    record.data = structuredClone(job.data); // the store never shares state with its caller
    record.status = status;
    const stored: StoredJob = { record, seq: this.#nextSeq++, stamp: 0, leaseStamp: 0 };
    this.#jobs.set(record.id, stored);
    if (record.scheduleId !== null && record.fireAtMs !== null) this.#byFire.set(fireKey(record.scheduleId, record.fireAtMs), record.id);
    if (record.parents) this.#children.add(record.id, record.parents);
    this.#indexStatus(stored, null);
    return stored;
  }

  /** The jobs whose `parents` include `parentId`, in creation order. */
  childrenOf(parentId: string): StoredJob[] {
    return this.#children.of(parentId).map((id) => this.#jobs.get(id) as StoredJob);
  }

  /** How many of the task's jobs are running or reserved, on any node. */
  heldCount(task: string): number {
    return this.#heldByTask.get(task) ?? 0;
  }

  /** Moves the job to `status`, keeping every index in step. Call after setting runAtMs. */
  setStatus(stored: StoredJob, status: JobStatus): void {
    const previous = stored.record.status;
    stored.record.status = status;
    this.#indexStatus(stored, previous);
  }

  /**
   * Up to `limit` claimable jobs of `tasks` due at `nowMs`, in claim order (they must then be made
   * running): the best `limit` of each task's queue (at most `capOf(task)`), merged; the rest go
   * back to their queues.
   */
  takeClaimable(nowMs: number, limit: number, tasks: readonly string[], capOf: TaskCap = noCap): StoredJob[] {
    const taken: Array<{ entry: QueueEntry; queue: ClaimQueue }> = [];
    for (const task of new Set(tasks)) {
      const queue = this.#queues.get(task);
      if (queue) for (const entry of queue.take(nowMs, Math.min(limit, capOf(task)))) taken.push({ entry, queue });
    }
    taken.sort((a, b) => (claimOrder(a.entry, b.entry) ? -1 : claimOrder(b.entry, a.entry) ? 1 : 0));
    for (const { entry, queue } of taken.slice(limit)) queue.restore([entry]);
    return taken.slice(0, limit).map(({ entry }) => this.#jobs.get(entry.jobId) as StoredJob);
  }

  /**
   * Up to `limit` claimable jobs of `tasks` not due at `nowMs` but due by `untilMs`, runAtMs order
   * (then creation), at most `capOf(task)` per task: the jobs a claim reserves ahead (they must
   * then be made reserved).
   */
  takeAhead(nowMs: number, untilMs: number, limit: number, tasks: readonly string[], capOf: TaskCap = noCap): StoredJob[] {
    const taken: Array<{ entry: QueueEntry; queue: ClaimQueue }> = [];
    for (const task of new Set(tasks)) {
      const queue = this.#queues.get(task);
      if (queue) for (const entry of queue.takeAhead(nowMs, untilMs, Math.min(limit, capOf(task)))) taken.push({ entry, queue });
    }
    taken.sort((a, b) => (byRunAt(a.entry, b.entry) ? -1 : byRunAt(b.entry, a.entry) ? 1 : 0));
    for (const { entry, queue } of taken.slice(limit)) queue.restoreDelayed([entry]);
    return taken.slice(0, limit).map(({ entry }) => this.#jobs.get(entry.jobId) as StoredJob);
  }

  /** The reserved jobs of a schedule, not due at `nowMs` (their node cannot have started them). */
  reservedNotDue(scheduleId: string, nowMs: number): StoredJob[] {
    const ids = this.#activeBySchedule.get(scheduleId);
    if (!ids) return [];
    return [...ids]
      .map((id) => this.#jobs.get(id) as StoredJob)
      .filter((stored) => stored.record.status === 'reserved' && stored.record.runAtMs > nowMs);
  }

  earliestClaimableRunAtMs(): number | null {
    let earliest: number | null = null;
    for (const queue of this.#queues.values()) {
      const runAtMs = queue.earliestRunAtMs();
      if (runAtMs !== null && (earliest === null || runAtMs < earliest)) earliest = runAtMs;
    }
    return earliest;
  }

  /** Sets a running job's lease expiry (claim, renewal). */
  setLeaseExpiry(stored: StoredJob, expiresAtMs: number): void {
    stored.record.leaseExpiresAtMs = expiresAtMs;
    stored.leaseStamp = this.#leases.add(stored.record.id, expiresAtMs, stored.seq);
  }

  /** Running and reserved jobs whose lease expired at `nowMs`, oldest expiry first. */
  expiredLeases(nowMs: number, limit: number): StoredJob[] {
    return this.#leases.expired(nowMs, limit).map((id) => this.#jobs.get(id) as StoredJob);
  }

  earliestLeaseExpiryMs(): number | null {
    return this.#leases.earliestExpiryMs();
  }

  activeCount(scheduleId: string): number {
    return this.#activeBySchedule.get(scheduleId)?.size ?? 0;
  }

  delete(stored: StoredJob): void {
    const { record } = stored;
    this.#jobs.delete(record.id);
    if (record.scheduleId !== null && record.fireAtMs !== null) {
      const key = fireKey(record.scheduleId, record.fireAtMs);
      if (this.#byFire.get(key) === record.id) this.#byFire.delete(key);
    }
    if (record.parents) this.#children.delete(record.id, record.parents);
    this.#unindexStatus(stored, record.status);
  }

  #indexStatus(stored: StoredJob, previous: JobStatus | null): void {
    const { record } = stored;
    if (previous !== null) this.#unindexStatus(stored, previous);
    if (record.status === 'running' || record.status === 'reserved') {
      this.#heldByTask.set(record.task, this.heldCount(record.task) + 1);
      if (record.leaseExpiresAtMs !== null) this.setLeaseExpiry(stored, record.leaseExpiresAtMs);
    }
    if (record.scheduleId !== null && activeStatuses.has(record.status)) {
      let active = this.#activeBySchedule.get(record.scheduleId);
      if (active === undefined) this.#activeBySchedule.set(record.scheduleId, (active = new Set()));
      active.add(record.id);
    }
    // A key belongs to one live job; an operator's retry of an old job does not steal it from a newer one.
    if (record.dedupeKey !== null && !isFinalJobStatus(record.status) && !this.#byDedupeKey.has(record.dedupeKey)) {
      this.#byDedupeKey.set(record.dedupeKey, record.id);
    }
    if (record.status === 'queued' || record.status === 'failed') {
      let queue = this.#queues.get(record.task);
      if (queue === undefined) this.#queues.set(record.task, (queue = new ClaimQueue((entry) => this.#isCurrent(entry))));
      stored.stamp = queue.add(record.id, record.priority, record.runAtMs, stored.seq);
    }
  }

  #unindexStatus(stored: StoredJob, previous: JobStatus): void {
    const { record } = stored;
    if (previous === 'running' || previous === 'reserved') {
      stored.leaseStamp = 0;
      const held = this.heldCount(record.task) - 1;
      if (held > 0) this.#heldByTask.set(record.task, held);
      else this.#heldByTask.delete(record.task);
    }
    if (record.scheduleId !== null && activeStatuses.has(previous)) {
      const active = this.#activeBySchedule.get(record.scheduleId);
      active?.delete(record.id);
      if (active?.size === 0) this.#activeBySchedule.delete(record.scheduleId);
    }
    if (record.dedupeKey !== null && this.#byDedupeKey.get(record.dedupeKey) === record.id) {
      const stillLive = this.#jobs.has(record.id) && !isFinalJobStatus(record.status);
      if (!stillLive) this.#byDedupeKey.delete(record.dedupeKey);
    }
    stored.stamp = 0;
  }

  #isCurrent(entry: QueueEntry): boolean {
    const stored = this.#jobs.get(entry.jobId);
    return stored !== undefined && stored.stamp === entry.stamp && (stored.record.status === 'queued' || stored.record.status === 'failed');
  }
}

/** How many more jobs of a task a claim may take (`ClaimJobsRequest.maxActive`). */
export type TaskCap = (task: string) => number;

const noCap: TaskCap = () => Number.POSITIVE_INFINITY;

function fireKey(scheduleId: string, fireAtMs: number): string {
  return `${fireAtMs}\u0000${scheduleId}`;
}
