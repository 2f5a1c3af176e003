import type { JsonValue } from '../domain/json.ts';
import { isFinalJobStatus } from '../domain/job.ts';
import type { AttemptOutcome, JobError, JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import { InvalidArgumentError, InvalidJobStateError } from '../errors.ts';
import type {
  AcquiredSchedule,
  AcquireSchedulesRequest,
  ClaimJobsRequest,
  CompleteJobRequest,
  CompleteJobResult,
  EnqueueResult,
  JobQuery,
  JobStats,
  JobStatsQuery,
  LeaseRenewal,
  ReleaseScheduleRequest,
  ReleaseScheduleResult,
  RenewLeasesRequest,
  SchedulePatch,
  ScheduleQuery,
  Store,
  StoreCapabilities,
  WriteOptions,
} from '../store/store.ts';
import { JobTable } from './job-table.ts';
import type { StoredJob } from './job-table.ts';
import { computeJobStats } from './job-stats.ts';
import { listJobRecords } from './list-jobs.ts';

const defaultLimit = 100;

/**
 * A store in plain Maps, for tests, examples and single-process use. Everything is lost with the
 * object. Records are deep-copied on the way in and out, so callers never share state with it;
 * every method runs synchronously to the end, which makes each one atomic.
 */
export class MemoryStore implements Store {
  readonly name = 'memory';
  readonly capabilities: StoreCapabilities = { multiProcess: false, pushWakeups: false, transactionalWrites: false };

  readonly #schedules = new Map<string, ScheduleRecord>();
  readonly #jobs = new JobTable();
  readonly #nodes = new Map<string, NodeRecord>();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  // ---- schedules ----------------------------------------------------------------------------

  async upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord> {
    refuseTransaction(options);
    const existing = this.#schedules.get(write.id);
    const record: ScheduleRecord = {
      id: write.id,
      task: write.task,
      data: structuredClone(write.data),
      trigger: structuredClone(write.trigger),
      priority: write.priority,
      maxRunning: write.maxRunning,
      misfireGraceMs: write.misfireGraceMs,
      coalesce: write.coalesce,
      paused: write.paused,
      nextFireAtMs: write.nextFireAtMs,
      lastFireAtMs: existing?.lastFireAtMs ?? null,
      createdAtMs: existing?.createdAtMs ?? write.nowMs,
      updatedAtMs: write.nowMs,
      leaseOwner: existing?.leaseOwner ?? null,
      leaseExpiresAtMs: existing?.leaseExpiresAtMs ?? null,
      leaseToken: existing?.leaseToken ?? 0,
      firedCount: existing?.firedCount ?? 0,
      skippedCount: existing?.skippedCount ?? 0,
      missedCount: existing?.missedCount ?? 0,
    };
    this.#schedules.set(record.id, record);
    return structuredClone(record);
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    const record = this.#schedules.get(id);
    return record ? structuredClone(record) : null;
  }

  async listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    const { task, paused, idPrefix, afterId } = query;
    const matches = [...this.#schedules.values()].filter(
      (s) =>
        (task === undefined || s.task === task) &&
        (paused === undefined || s.paused === paused) &&
        (idPrefix === undefined || s.id.startsWith(idPrefix)) &&
        (afterId === undefined || s.id > afterId),
    );
    matches.sort((a, b) => compareStrings(a.id, b.id));
    return matches.slice(0, query.limit ?? defaultLimit).map((s) => structuredClone(s));
  }

  async removeSchedule(id: string): Promise<boolean> {
    return this.#schedules.delete(id);
  }

  async updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    const record = this.#schedules.get(id);
    if (!record) return null;
    if (patch.paused !== undefined) record.paused = patch.paused;
    if (patch.nextFireAtMs !== undefined) record.nextFireAtMs = patch.nextFireAtMs;
    record.updatedAtMs = nowMs;
    return structuredClone(record);
  }

  async acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    const { nodeId, nowMs, leaseMs, limit } = request;
    const due = [...this.#schedules.values()].filter(
      (s) =>
        !s.paused &&
        s.nextFireAtMs !== null &&
        s.nextFireAtMs <= nowMs &&
        (s.leaseExpiresAtMs === null || s.leaseExpiresAtMs <= nowMs),
    );
    due.sort((a, b) => (a.nextFireAtMs as number) - (b.nextFireAtMs as number) || compareStrings(a.id, b.id));
    return due.slice(0, Math.max(0, limit)).map((schedule) => {
      schedule.leaseOwner = nodeId;
      schedule.leaseExpiresAtMs = nowMs + leaseMs;
      schedule.leaseToken += 1;
      return { schedule: structuredClone(schedule), leaseToken: schedule.leaseToken, activeJobs: this.#jobs.activeCount(schedule.id) };
    });
  }

  async releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]> {
    return requests.map((request) => this.#releaseSchedule(request));
  }

  #releaseSchedule(request: ReleaseScheduleRequest): ReleaseScheduleResult {
    const schedule = this.#schedules.get(request.scheduleId);
    // A schedule whose lease was already released is not leased: a second release must not count twice.
    if (!schedule || schedule.leaseToken !== request.leaseToken || schedule.leaseOwner === null) {
      return { scheduleId: request.scheduleId, released: false, created: [] };
    }
    const created = this.#insertJobs(request.jobs)
      .filter((r) => r.created)
      .map((r) => r.job);
    schedule.nextFireAtMs = request.nextFireAtMs;
    schedule.lastFireAtMs = request.lastFireAtMs;
    schedule.firedCount += created.length;
    schedule.skippedCount += request.skipped;
    schedule.missedCount += request.missed;
    schedule.leaseOwner = null;
    schedule.leaseExpiresAtMs = null;
    schedule.updatedAtMs = request.nowMs;
    if (request.end) this.#schedules.delete(schedule.id);
    return { scheduleId: request.scheduleId, released: true, created };
  }

  // ---- jobs ---------------------------------------------------------------------------------

  async enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]> {
    refuseTransaction(options);
    return this.#insertJobs(jobs);
  }

  async claimJobs(request: ClaimJobsRequest): Promise<JobRecord[]> {
    const { nodeId, nowMs, leaseMs, limit, tasks } = request;
    return this.#jobs.takeClaimable(nowMs, limit, tasks).map((stored) => {
      const job = stored.record;
      job.attempt += 1;
      job.fencingToken += 1;
      job.leaseOwner = nodeId;
      job.leaseExpiresAtMs = nowMs + leaseMs;
      job.startedAtMs ??= nowMs;
      job.updatedAtMs = nowMs;
      job.attempts.push({
        attempt: job.attempt,
        nodeId,
        fencingToken: job.fencingToken,
        startedAtMs: nowMs,
        finishedAtMs: null,
        outcome: 'running',
        error: null,
      });
      this.#jobs.setStatus(stored, 'running');
      return structuredClone(job);
    });
  }

  async renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]> {
    const { nodeId, nowMs, leaseMs } = request;
    return request.leases.map(({ jobId, fencingToken }) => {
      const stored = this.#jobs.get(jobId);
      const job = stored?.record;
      if (!job) return { jobId, held: false, cancelRequested: false };
      const held = job.status === 'running' && job.fencingToken === fencingToken && job.leaseOwner === nodeId;
      if (held) this.#jobs.setLeaseExpiry(stored as StoredJob, nowMs + leaseMs);
      return { jobId, held, cancelRequested: job.cancelRequested };
    });
  }

  async completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> {
    return requests.map((request) => ({ jobId: request.jobId, job: this.#completeJob(request) }));
  }

  /** The job after the completion, or null when it is not running under the request's fencing token. */
  #completeJob(request: CompleteJobRequest): JobRecord | null {
    const { jobId, fencingToken, nowMs, completion } = request;
    const stored = this.#jobs.get(jobId);
    const job = stored?.record;
    if (!stored || !job || job.status !== 'running' || job.fencingToken !== fencingToken) return null;
    let status: JobStatus;
    let outcome: AttemptOutcome;
    let attemptError: JobError | null = null;
    switch (completion.status) {
      case 'succeeded':
        status = 'succeeded';
        outcome = 'succeeded';
        job.result = structuredClone(completion.result) as JsonValue | null;
        job.error = null;
        break;
      case 'retry':
        status = 'failed';
        outcome = completion.attemptOutcome ?? 'failed';
        attemptError = completion.error;
        job.runAtMs = completion.retryAtMs;
        break;
      case 'dead':
        status = 'dead';
        outcome = completion.attemptOutcome ?? 'failed';
        attemptError = completion.error;
        break;
      case 'cancelled':
        status = 'cancelled';
        outcome = 'cancelled';
        attemptError = completion.error;
        break;
      case 'released':
        status = 'queued';
        outcome = 'interrupted';
        job.runAtMs = nowMs;
        job.attempt -= 1;
        break;
    }
    if (attemptError !== null) job.error = structuredClone(attemptError);
    const last = job.attempts.at(-1);
    if (last) {
      last.finishedAtMs = nowMs;
      last.outcome = outcome;
      last.error = attemptError === null ? null : structuredClone(attemptError);
    }
    job.leaseOwner = null;
    job.leaseExpiresAtMs = null;
    job.updatedAtMs = nowMs;
    if (isFinalJobStatus(status)) job.finishedAtMs = nowMs;
    this.#jobs.setStatus(stored, status);
    if (request.endSchedule && job.scheduleId !== null) this.#schedules.delete(job.scheduleId);
    return structuredClone(job);
  }

  async findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]> {
    return this.#jobs.expiredLeases(request.nowMs, request.limit).map((s) => structuredClone(s.record));
  }

  async cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
    const stored = this.#jobs.get(request.jobId);
    if (!stored) return null;
    const job = stored.record;
    if (job.status === 'queued' || job.status === 'failed') {
      job.finishedAtMs = request.nowMs;
      job.updatedAtMs = request.nowMs;
      job.error = { name: 'JobCancelledError', message: request.reason };
      this.#jobs.setStatus(stored, 'cancelled');
    } else if (job.status === 'running' && !job.cancelRequested) {
      job.cancelRequested = true;
      job.updatedAtMs = request.nowMs;
    }
    return structuredClone(job);
  }

  async retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
    const stored = this.#jobs.get(request.jobId);
    if (!stored) return null;
    const job = stored.record;
    if (job.status !== 'dead' && job.status !== 'cancelled') {
      throw new InvalidJobStateError(`Job ${job.id} is ${job.status}: only a dead or cancelled job can be retried`);
    }
    job.runAtMs = request.nowMs;
    job.maxAttempts = job.attempt + 1;
    job.finishedAtMs = null;
    job.cancelRequested = false;
    job.updatedAtMs = request.nowMs;
    this.#jobs.setStatus(stored, 'queued');
    return structuredClone(job);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const stored = this.#jobs.get(id);
    return stored ? structuredClone(stored.record) : null;
  }

  async listJobs(query: JobQuery = {}): Promise<JobRecord[]> {
    return listJobRecords(this.#jobs.values(), query, defaultLimit).map((job) => structuredClone(job));
  }

  async jobStats(query: JobStatsQuery): Promise<JobStats> {
    return computeJobStats(this.#jobs.values(), query);
  }

  async purgeJobs(request: { finishedBeforeMs: number; statuses?: readonly JobStatus[] }): Promise<number> {
    const statuses = request.statuses === undefined ? null : new Set(request.statuses);
    const doomed = [...this.#jobs.values()].filter(
      ({ record }) =>
        isFinalJobStatus(record.status) &&
        record.finishedAtMs !== null &&
        record.finishedAtMs < request.finishedBeforeMs &&
        (statuses === null || statuses.has(record.status)),
    );
    for (const stored of doomed) this.#jobs.delete(stored);
    return doomed.length;
  }

  async nextWakeAtMs(): Promise<number | null> {
    let earliest: number | null = this.#jobs.earliestClaimableRunAtMs();
    const consider = (atMs: number | null) => {
      if (atMs !== null && (earliest === null || atMs < earliest)) earliest = atMs;
    };
    for (const schedule of this.#schedules.values()) {
      if (schedule.paused) continue;
      // A leased schedule is another node's until its lease expires.
      consider(schedule.leaseOwner !== null ? schedule.leaseExpiresAtMs : schedule.nextFireAtMs);
    }
    consider(this.#jobs.earliestLeaseExpiryMs());
    return earliest;
  }

  // ---- nodes --------------------------------------------------------------------------------

  async upsertNode(node: NodeRecord): Promise<void> {
    this.#nodes.set(node.id, structuredClone(node));
  }

  async removeNode(id: string): Promise<void> {
    this.#nodes.delete(id);
  }

  async listNodes(query: { seenAfterMs?: number } = {}): Promise<NodeRecord[]> {
    const { seenAfterMs } = query;
    return [...this.#nodes.values()]
      .filter((node) => seenAfterMs === undefined || node.lastSeenAtMs > seenAfterMs)
      .sort((a, b) => compareStrings(a.id, b.id))
      .map((node) => structuredClone(node));
  }

  #insertJobs(jobs: readonly NewJob[]): EnqueueResult[] {
    return jobs.map((job) => {
      const existing: StoredJob | undefined = this.#jobs.findConflict(job);
      if (existing) return { job: structuredClone(existing.record), created: false };
      return { job: structuredClone(this.#jobs.insert(job).record), created: true };
    });
  }
}

/** Memory writes cannot join a caller's transaction: refuse rather than pretend to (see WriteOptions). */
function refuseTransaction(options: WriteOptions | undefined): void {
  if (options?.tx !== undefined) {
    throw new InvalidArgumentError(
      "The memory store cannot join a caller's transaction (options.tx); use PostgresStore for transactional enqueue",
    );
  }
}

/** Code-unit order, like SQL's binary collation, independent of the locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
