import { isFinalJobStatus } from '../domain/job.ts';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import { defaultCatchUpLimit, type ScheduleRecord, type ScheduleWrite } from '../domain/schedule.ts';
import { sameTrigger } from '../domain/same-trigger.ts';
import { InvalidArgumentError } from '../errors.ts';
import type {
  AcquiredSchedule,
  AcquireSchedulesRequest,
  ClaimedJob,
  ClaimJobsRequest,
  CompleteAndClaimRequest,
  CompleteAndClaimResult,
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
  AcquireLeadershipRequest,
  ClusterEventWrite,
  LeaderRecord,
  ReadEventsRequest,
  ReadEventsResult,
  ReleaseLeadershipRequest,
  RenewLeadershipRequest,
  BreakerRecord,
  RateTokens,
  ReadBreakersRequest,
  RecordBreakerCallsRequest,
  TakeRateTokensRequest,
  WriteBreakerRequest,
} from '../store/store.ts';
import { BreakerTable } from './breaker-table.ts';
import { EventLog } from './event-log.ts';
import { LeadershipTable } from './leadership-table.ts';
import { JobTable } from './job-table.ts';
import type { TaskCap } from './job-table.ts';
import { computeJobStats } from './job-stats.ts';
import { claimedOf, complete, renew, reserve, startClaimed } from './job-transitions.ts';
import { cancelJob, retryJob } from './job-control.ts';
import { enqueueJobs } from './enqueue-jobs.ts';
import { resolveChildren } from './job-parents.ts';
import { listJobRecords } from './list-jobs.ts';
import { RateBuckets } from './rate-buckets.ts';

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
  readonly #leaders = new LeadershipTable();
  readonly #events = new EventLog();
  readonly #breakers = new BreakerTable();
  readonly #rateBuckets = new RateBuckets();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  // ---- schedules ----------------------------------------------------------------------------

  async upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord> {
    refuseTransaction(options);
    const existing = this.#schedules.get(write.id);
    const keepNext = write.keepNextFire === true && existing !== undefined && sameTrigger(existing.trigger, write.trigger);
    const record: ScheduleRecord = {
      id: write.id,
      task: write.task,
      data: structuredClone(write.data),
      trigger: structuredClone(write.trigger),
      priority: write.priority,
      maxRunning: write.maxRunning,
      misfireGraceMs: write.misfireGraceMs,
      coalesce: write.coalesce,
      catchUpLimit: write.catchUpLimit ?? defaultCatchUpLimit,
      overlap: write.overlap ?? 'skip',
      paused: write.paused ?? existing?.paused ?? false,
      nextFireAtMs: keepNext ? existing.nextFireAtMs : write.nextFireAtMs,
      lastFireAtMs: existing?.lastFireAtMs ?? null,
      createdAtMs: existing?.createdAtMs ?? write.nowMs,
      updatedAtMs: write.nowMs,
      leaseOwner: existing?.leaseOwner ?? null,
      leaseExpiresAtMs: existing?.leaseExpiresAtMs ?? null,
      leaseToken: existing?.leaseToken ?? 0,
      firedCount: existing?.firedCount ?? 0,
      skippedCount: existing?.skippedCount ?? 0,
      missedCount: existing?.missedCount ?? 0,
      ...(write.traceContext ? { traceContext: write.traceContext } : {}),
    };
    this.#schedules.set(record.id, record);
    if (existing !== undefined && definitionChanged(existing, record)) {
      // Reservations not due yet would run the old definition: planned again under the new one.
      const earliest = this.#dropReservations(record, write.nowMs);
      if (keepNext && earliest !== null && (record.nextFireAtMs === null || earliest < record.nextFireAtMs)) record.nextFireAtMs = earliest;
    }
    return structuredClone(record);
  }

  async upsertSchedules(writes: readonly ScheduleWrite[], options?: WriteOptions): Promise<ScheduleRecord[]> {
    refuseTransaction(options);
    const records: ScheduleRecord[] = [];
    for (const write of writes) records.push(await this.upsertSchedule(write));
    return records;
  }

  /** Deletes a schedule's reservations not due at `nowMs`; returns the earliest of their fires. */
  #dropReservations(schedule: ScheduleRecord, nowMs: number): number | null {
    let earliest: number | null = null;
    for (const stored of this.#jobs.reservedNotDue(schedule.id, nowMs)) {
      const fireAtMs = stored.record.fireAtMs ?? stored.record.runAtMs;
      if (earliest === null || fireAtMs < earliest) earliest = fireAtMs;
      this.#jobs.delete(stored);
      schedule.firedCount -= 1;
    }
    return earliest;
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

  async removeSchedule(id: string, nowMs: number): Promise<boolean> {
    const schedule = this.#schedules.get(id);
    if (!schedule) return false;
    this.#dropReservations(schedule, nowMs);
    return this.#schedules.delete(id);
  }

  async updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    const record = this.#schedules.get(id);
    if (!record) return null;
    if (patch.paused === true || patch.nextFireAtMs !== undefined) {
      const earliest = this.#dropReservations(record, nowMs);
      if (patch.paused === true && earliest !== null && (record.nextFireAtMs === null || earliest < record.nextFireAtMs)) {
        record.nextFireAtMs = earliest;
      }
    }
    if (patch.paused !== undefined) record.paused = patch.paused;
    if (patch.nextFireAtMs !== undefined) record.nextFireAtMs = patch.nextFireAtMs;
    record.updatedAtMs = nowMs;
    return structuredClone(record);
  }

  async acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    const { nodeId, nowMs, leaseMs, limit } = request;
    const horizonMs = request.horizonMs ?? 0;
    const due = [...this.#schedules.values()].filter(
      (s) =>
        !s.paused &&
        s.nextFireAtMs !== null &&
        s.nextFireAtMs <= nowMs + horizonMs &&
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
    const created: ClaimedJob[] = [];
    for (const job of request.jobs) {
      if (this.#jobs.findConflict(job) || this.#jobs.get(job.id)) continue;
      const stored = this.#jobs.insert(job);
      if (request.reserve) reserve(this.#jobs, stored, request.reserve.nodeId, request.nowMs, request.reserve.leaseMs);
      created.push(claimedOf(stored.record));
    }
    schedule.nextFireAtMs = request.nextFireAtMs;
    schedule.lastFireAtMs = request.lastFireAtMs;
    schedule.firedCount += created.length + (request.buffered ?? 0);
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
    return enqueueJobs(this.#jobs, jobs);
  }

  async claimJobs(request: ClaimJobsRequest): Promise<ClaimedJob[]> {
    const { nodeId, nowMs, leaseMs, limit, tasks } = request;
    const claimed: ClaimedJob[] = [];
    // The cap is read per task as the claim goes: the jobs it makes running count against it.
    const { maxActive } = request;
    const capOf: TaskCap | undefined = maxActive === undefined ? undefined : (task) => Math.max(0, maxActive - this.#jobs.heldCount(task));
    for (const stored of this.#jobs.takeClaimable(nowMs, Math.max(0, limit), tasks, capOf)) {
      startClaimed(this.#jobs, stored, nodeId, nowMs, leaseMs);
      claimed.push(claimedOf(stored.record));
    }
    const aheadMs = request.aheadMs ?? 0;
    const aheadLimit = request.aheadLimit ?? 0;
    if (aheadMs > 0 && aheadLimit > 0) {
      for (const stored of this.#jobs.takeAhead(nowMs, nowMs + aheadMs, aheadLimit, tasks, capOf)) {
        reserve(this.#jobs, stored, nodeId, nowMs, leaseMs);
        claimed.push(claimedOf(stored.record));
      }
    }
    return claimed;
  }

  async completeAndClaim(request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult> {
    const completed = await this.completeJobs(request.completions);
    return { completed, claimed: await this.claimJobs(request.claim) };
  }

  async renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]> {
    return renew(this.#jobs, request);
  }

  async completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> {
    return requests.map((request) => {
      const completed = complete(this.#jobs, request, (stored, countAs) => {
        const schedule = stored.record.scheduleId === null ? undefined : this.#schedules.get(stored.record.scheduleId);
        if (schedule) {
          schedule.firedCount -= 1;
          if (countAs === 'skipped') schedule.skippedCount += 1;
          else schedule.missedCount += 1;
        }
        this.#jobs.delete(stored);
      });
      const ended = completed ? this.#jobs.get(request.jobId) : undefined;
      if (ended && isFinalJobStatus(ended.record.status)) resolveChildren(this.#jobs, ended, request.nowMs);
      if (completed && request.endSchedule) {
        const scheduleId = this.#jobs.get(request.jobId)?.record.scheduleId ?? null;
        const schedule = scheduleId === null ? undefined : this.#schedules.get(scheduleId);
        if (schedule) {
          this.#dropReservations(schedule, request.nowMs);
          this.#schedules.delete(schedule.id);
        }
      }
      return { jobId: request.jobId, completed };
    });
  }

  async findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]> {
    return this.#jobs.expiredLeases(request.nowMs, request.limit).map((s) => structuredClone(s.record));
  }

  async cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
    const job = cancelJob(this.#jobs, request);
    return job ? structuredClone(job) : null;
  }

  async retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
    const job = retryJob(this.#jobs, request);
    return job ? structuredClone(job) : null;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const stored = this.#jobs.get(id);
    return stored ? structuredClone(stored.record) : null;
  }

  async listJobs(query: JobQuery = {}): Promise<JobRecord[]> {
    // A flow's graph reads only the parent's children, not every job.
    const jobs = query.parentId === undefined ? this.#jobs.values() : this.#jobs.childrenOf(query.parentId);
    return listJobRecords(jobs, query, defaultLimit).map((job) => structuredClone(job));
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

  // ---- task gates ---------------------------------------------------------------------------

  async readBreakers(request: ReadBreakersRequest): Promise<BreakerRecord[]> {
    return this.#breakers.read(request);
  }

  async recordBreakerCalls(request: RecordBreakerCallsRequest): Promise<void> {
    this.#breakers.record(request);
  }

  async writeBreaker(request: WriteBreakerRequest): Promise<boolean> {
    return this.#breakers.write(request);
  }

  async takeRateTokens(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]> {
    return requests.map((request) => this.#rateBuckets.take(request));
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

  // ---- leadership ---------------------------------------------------------------------------

  async acquireLeadership(request: AcquireLeadershipRequest): Promise<LeaderRecord> {
    return this.#leaders.acquire(request);
  }

  async renewLeadership(request: RenewLeadershipRequest): Promise<LeaderRecord | null> {
    return this.#leaders.renew(request);
  }

  async releaseLeadership(request: ReleaseLeadershipRequest): Promise<boolean> {
    return this.#leaders.release(request);
  }

  async getLeader(name: string): Promise<LeaderRecord | null> {
    return this.#leaders.get(name);
  }

  async listLeaders(): Promise<LeaderRecord[]> {
    return this.#leaders.list();
  }

  // ---- cluster event log --------------------------------------------------------------------

  async appendEvents(events: readonly ClusterEventWrite[]): Promise<void> {
    this.#events.append(events);
  }

  async readEvents(request: ReadEventsRequest): Promise<ReadEventsResult> {
    return this.#events.read(request);
  }

  async eventCursor(): Promise<number> {
    return this.#events.cursor();
  }

  async trimEvents(request: { beforeMs: number; keepLast?: number }): Promise<number> {
    return this.#events.trim(request);
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

/** Whether an upsert changed what the schedule's jobs run (a pause alone does not). */
function definitionChanged(before: ScheduleRecord, after: ScheduleRecord): boolean {
  return (
    before.task !== after.task ||
    JSON.stringify(before.data) !== JSON.stringify(after.data) ||
    !sameTrigger(before.trigger, after.trigger) ||
    before.priority !== after.priority ||
    before.maxRunning !== after.maxRunning ||
    before.misfireGraceMs !== after.misfireGraceMs ||
    before.coalesce !== after.coalesce
  );
}
