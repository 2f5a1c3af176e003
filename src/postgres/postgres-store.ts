import { finalJobStatuses } from '../domain/job.ts';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import { InvalidJobStateError } from '../errors.ts';
import type {
  AcquiredSchedule,
  AcquireLeadershipRequest,
  AcquireSchedulesRequest,
  ClaimedJob,
  ClaimJobsRequest,
  CompleteAndClaimRequest,
  CompleteAndClaimResult,
  CompleteJobRequest,
  CompleteJobResult,
  ClusterEventWrite,
  EnqueueResult,
  JobQuery,
  JobStats,
  JobStatsQuery,
  LeaderRecord,
  LeaseRenewal,
  ReadEventsRequest,
  ReadEventsResult,
  ReleaseLeadershipRequest,
  ReleaseScheduleRequest,
  ReleaseScheduleResult,
  RenewLeadershipRequest,
  RenewLeasesRequest,
  ScheduleQuery,
  SchedulePatch,
  Store,
  StoreCapabilities,
  StoreSignal,
  WriteOptions,
} from '../store/store.ts';
import { adminStatements } from './admin-statements.ts';
import { completionParams, newJobArrays, releaseParams, scheduleWriteParams } from './batch-params.ts';
import { acquiredSchedules, claimedOf, claimParams, completeAndClaimResult, releaseResults } from './hot-path-replies.ts';
import { createPool, openListenConnection, resolveConnection, withClient, type PostgresConnectionOptions, type ResolvedConnection } from './connection.ts';
import { sqlState, toStoreError } from './errors.ts';
import { eventArrays, eventLogStatements, readEventsResult } from './event-log-statements.ts';
import { quoteIdent } from './identifiers.ts';
import { jobStatements } from './job-statements.ts';
import { assembleJobStats } from './job-stats.ts';
import { jobStatsRange } from '../store/job-stats-buckets.ts';
import { leadershipStatements } from './leadership-statements.ts';
import { sqlRowToLeader as rowToLeader } from '../store/sql-rows.ts';
import { buildJobListQuery, buildScheduleListQuery } from './list-queries.ts';
import { checkSchemaVersion, migrateSchema } from './migrations.ts';
import { rowToJob, rowToNode, rowToSchedule, type Row } from './row-mapping.ts';
import { scheduleStatements } from './schedule-statements.ts';
import { StatementRunner, txClient } from './statement-runner.ts';
import { Wakeups } from './wakeups.ts';

export interface PostgresStoreOptions extends PostgresConnectionOptions {
  /**
   * Apply missing migrations on `open()`. With false, `open()` only checks that the schema is
   * at this version (run `sundial migrate` or `migrate()` at deploy time instead).
   * @defaultValue true
   */
  migrate?: boolean | undefined;
}

/**
 * The PostgreSQL store: many processes on many machines share one database and behave as one
 * scheduler. Claims are `FOR UPDATE SKIP LOCKED`, the invariants are unique indexes, batches are
 * one statement each, and LISTEN/NOTIFY wakes idle nodes when another adds work.
 *
 * @example
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL, schema: 'sundial' });
 * const scheduler = new Scheduler({ store, tasks });
 */
export class PostgresStore implements Store {
  readonly name = 'postgres';
  readonly capabilities: StoreCapabilities = { multiProcess: true, pushWakeups: true, transactionalWrites: true };
  readonly schema: string;
  readonly #connection: ResolvedConnection;
  readonly #migrate: boolean;
  readonly #q: string;
  readonly #jobs: ReturnType<typeof jobStatements>;
  readonly #schedules: ReturnType<typeof scheduleStatements>;
  readonly #admin: ReturnType<typeof adminStatements>;
  readonly #leadership: ReturnType<typeof leadershipStatements>;
  readonly #events: ReturnType<typeof eventLogStatements>;
  readonly #sql: StatementRunner;
  readonly #wakeups: Wakeups;
  #opening: Promise<void> | null = null;

  constructor(options: PostgresStoreOptions = {}) {
    this.#connection = resolveConnection(options);
    this.schema = this.#connection.schema;
    this.#migrate = options.migrate ?? true;
    this.#q = quoteIdent(this.schema);
    this.#jobs = jobStatements(this.#q);
    this.#schedules = scheduleStatements(this.#q);
    this.#admin = adminStatements(this.#q);
    this.#leadership = leadershipStatements(this.#q);
    this.#events = eventLogStatements(this.#q);
    this.#sql = new StatementRunner(this.schema);
    const { userPool, clientConfig } = this.#connection;
    this.#wakeups = new Wakeups(this.channel, () => openListenConnection(userPool, clientConfig));
  }

  /** The NOTIFY channel: the schema name, so one database can hold several independent schedulers. */
  get channel(): string {
    return this.schema;
  }

  async open(): Promise<void> {
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = null;
      throw error;
    });
    return this.#opening;
  }

  async #open(): Promise<void> {
    const pool = this.#connection.userPool ?? createPool(this.#connection.poolConfig);
    // An idle client whose backend dies emits 'error' on the pool; unhandled, it would crash the
    // process. The pool drops that client by itself, and the next query connects a new one.
    pool.on('error', this.#onPoolError);
    try {
      await withClient(pool, async (client) => {
        if (this.#migrate) await migrateSchema(client, this.schema);
        else await checkSchemaVersion(client, this.schema);
      });
    } catch (error) {
      pool.off('error', this.#onPoolError);
      if (!this.#connection.userPool) await pool.end().catch(() => {});
      throw toStoreError(error, this.schema, 'open');
    }
    this.#sql.attach(pool);
    this.#wakeups.resume();
  }

  readonly #onPoolError = (): void => {
    // Nothing to do: the pool already removed the broken client (see #open).
  };

  async close(): Promise<void> {
    const opening = this.#opening;
    if (!opening) return;
    this.#opening = null;
    await opening.catch(() => {});
    await this.#wakeups.pause();
    const pool = this.#sql.pool;
    this.#sql.attach(null);
    if (!pool) return;
    pool.off('error', this.#onPoolError);
    if (!this.#connection.userPool) await pool.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- schedules ----------------------------------------------------------------------------

  async upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord> {
    const [record] = await this.upsertSchedules([write], options);
    return record!;
  }

  async upsertSchedules(writes: readonly ScheduleWrite[], options?: WriteOptions): Promise<ScheduleRecord[]> {
    const tx = txClient(options);
    if (writes.length === 0) return [];
    const rows = await this.#sql.run('upsertSchedule', 'upsertSchedules', this.#schedules.upsert, [scheduleWriteParams(writes), this.channel], tx);
    return rows.map(rowToSchedule);
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    const rows = await this.#sql.read('getSchedule', 'getSchedule', this.#schedules.get, [id]);
    return rows[0] ? rowToSchedule(rows[0]) : null;
  }

  async listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    const { text, values } = buildScheduleListQuery(this.#q, query);
    return (await this.#sql.read('listSchedules', null, text, values)).map(rowToSchedule);
  }

  async removeSchedule(id: string, nowMs: number): Promise<boolean> {
    const [row] = await this.#sql.run('removeSchedule', 'removeSchedule', this.#schedules.remove, [id, nowMs]);
    return Number(row?.removed ?? 0) > 0;
  }

  async updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    const rows = await this.#sql.run('updateSchedule', 'updateSchedule', this.#schedules.update, [
      id, patch.paused ?? null, patch.nextFireAtMs !== undefined, patch.nextFireAtMs ?? null, nowMs, this.channel,
    ]);
    return rows[0] ? rowToSchedule(rows[0]) : null;
  }

  async acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    if (request.limit <= 0) return [];
    const rows = await this.#sql.run('acquireDueSchedules', 'acquireSchedules', this.#schedules.acquire, [
      request.nodeId, request.nowMs, request.nowMs + request.leaseMs, request.limit, request.nowMs + (request.horizonMs ?? 0),
    ]);
    return acquiredSchedules(rows);
  }

  async releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]> {
    if (requests.length === 0) return [];
    const { releases, jobs } = releaseParams(requests);
    const rows = await this.#sql.keyed(null, () => this.#sql.run('releaseSchedules', 'releaseSchedules', this.#schedules.release, [releases, jobs, this.channel]));
    return releaseResults(requests, rows);
  }

  // ---- jobs ---------------------------------------------------------------------------------

  async enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]> {
    const tx = txClient(options);
    if (jobs.length === 0) return [];
    const [row] = await this.#sql.keyed(tx, () => this.#sql.run('enqueueJobs', 'enqueueJobs', this.#jobs.enqueue, [...newJobArrays(jobs), this.channel, jobs.length], tx));
    const created: EnqueueResult = { created: true };
    if (row?.ids === null || row?.ids === undefined) return jobs.map(() => created);
    const createdIds = new Set((row.ids as string[]));
    const results: Array<EnqueueResult | undefined> = jobs.map((job) => {
      if (!createdIds.delete(job.id)) return undefined; // a second job with the same id in the batch was not created
      return created;
    });
    const missing = jobs.flatMap((job, index) => (results[index] === undefined ? [index] : []));
    if (missing.length > 0) {
      const pick = <T>(get: (job: NewJob) => T) => missing.map((index) => get(jobs[index]!));
      const found = await this.#sql.run('enqueueJobs', 'existingJobs', this.#jobs.existingFor, [
        pick((job) => job.id), pick((job) => job.scheduleId), pick((job) => job.fireAtMs), pick((job) => job.dedupeKey),
      ], tx);
      for (const existing of found) results[missing[Number(existing.i) - 1]!] = { job: rowToJob(existing), created: false };
      // The job it collided with was purged or finished in between: enqueue those again.
      const retry = missing.filter((index) => results[index] === undefined);
      if (retry.length > 0) {
        const again = await this.enqueueJobs(retry.map((index) => jobs[index]!), options);
        retry.forEach((index, k) => (results[index] = again[k]));
      }
    }
    return results as EnqueueResult[];
  }

  async claimJobs(request: ClaimJobsRequest): Promise<ClaimedJob[]> {
    const params = claimParams(request);
    if (params === null) return [];
    return claimedOf(await this.#sql.run('claimJobs', 'claimJobs', this.#jobs.claim, params));
  }

  async completeAndClaim(request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult> {
    const { completions } = request;
    const claim = claimParams(request.claim);
    if (completions.length === 0) return { completed: [], claimed: claim === null ? [] : claimedOf(await this.#sql.run('claimJobs', 'claimJobs', this.#jobs.claim, claim)) };
    if (claim === null) return { completed: await this.completeJobs(completions), claimed: [] };
    const rows = await this.#sql.run('completeAndClaim', 'completeAndClaim', this.#jobs.completeAndClaim, [
      completionParams(completions), completions.map((c) => c.jobId), this.channel, ...claim,
    ]);
    return completeAndClaimResult(completions, rows);
  }

  async renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]> {
    if (request.leases.length === 0) return [];
    const { leases } = request;
    const rows = await this.#sql.run('renewLeases', 'renewLeases', this.#jobs.renew, [
      leases.map((lease) => lease.jobId), leases.map((lease) => lease.fencingToken), request.nodeId, request.nowMs, request.leaseMs,
      leases.map((lease) => lease.startedAtMs ?? null),
    ]);
    return rows.map((row, index) => ({ jobId: leases[index]!.jobId, held: row.held === true, cancelRequested: row.cancel_requested === true }));
  }

  async completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> {
    if (requests.length === 0) return [];
    const rows = await this.#sql.run('completeJobs', 'completeJobs', this.#jobs.complete, [
      completionParams(requests), requests.map((request) => request.jobId), this.channel,
    ]);
    return rows.map((row, index) => ({ jobId: requests[index]!.jobId, completed: row.completed === true }));
  }

  async findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]> {
    if (request.limit <= 0) return [];
    return (await this.#sql.read('findExpiredLeases', 'findExpired', this.#jobs.findExpired, [request.nowMs, request.limit])).map(rowToJob);
  }

  async cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
    const error = JSON.stringify({ name: 'JobCancelledError', message: request.reason, code: 'JOB_CANCELLED' });
    const rows = await this.#sql.run('cancelJob', 'cancelJob', this.#jobs.cancel, [request.jobId, request.nowMs, error]);
    return rows[0] ? rowToJob(rows[0]) : this.getJob(request.jobId);
  }

  async retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
    let rows: Row[];
    try {
      rows = await this.#sql.run('retryJob', 'retryJob', this.#jobs.retry, [request.jobId, request.nowMs, this.channel]);
    } catch (error) {
      if (sqlState(error) !== '23505') throw error;
      throw new InvalidJobStateError(`Job ${request.jobId} cannot be retried: another active job holds its dedupeKey`, { cause: error });
    }
    if (rows[0]) return rowToJob(rows[0]);
    const job = await this.getJob(request.jobId);
    if (!job) return null;
    throw new InvalidJobStateError(`Job ${request.jobId} is ${job.status}; only dead or cancelled jobs can be retried`);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const rows = await this.#sql.read('getJob', 'getJob', this.#jobs.get, [id]);
    return rows[0] ? rowToJob(rows[0]) : null;
  }

  async listJobs(query: JobQuery = {}): Promise<JobRecord[]> {
    const { text, values } = buildJobListQuery(this.#q, query);
    return (await this.#sql.read('listJobs', null, text, values)).map(rowToJob);
  }

  async jobStats(query: JobStatsQuery): Promise<JobStats> {
    const { firstBucketMs, lastBucketMs, bucketMs } = jobStatsRange(query);
    const [counts, buckets] = await Promise.all([
      this.#sql.read('jobStats', 'countByStatus', this.#admin.countByStatus, []),
      this.#sql.read('jobStats', 'finishedByBucket', this.#admin.finishedByBucket, [bucketMs, firstBucketMs, lastBucketMs + bucketMs]),
    ]);
    return assembleJobStats(counts, buckets, { firstBucketMs, lastBucketMs, bucketMs });
  }

  async purgeJobs(request: { finishedBeforeMs: number; statuses?: readonly JobStatus[] }): Promise<number> {
    const statuses = [...(request.statuses ?? finalJobStatuses)];
    const [row] = await this.#sql.run('purgeJobs', 'purgeJobs', this.#jobs.purge, [statuses, request.finishedBeforeMs]);
    return Number(row?.n ?? 0);
  }

  async nextWakeAtMs(): Promise<number | null> {
    const [row] = await this.#sql.read('nextWakeAtMs', 'nextWake', this.#admin.nextWake, []);
    return row?.wake_at_ms === null || row?.wake_at_ms === undefined ? null : Number(row.wake_at_ms);
  }

  // ---- nodes --------------------------------------------------------------------------------

  async upsertNode(node: NodeRecord): Promise<void> {
    await this.#sql.run('upsertNode', 'upsertNode', this.#admin.upsertNode, [
      node.id, node.hostname, node.pid, node.roles.schedules, node.roles.jobs, JSON.stringify(node.tasks), node.concurrency,
      node.running, node.startedAtMs, node.lastSeenAtMs, node.version, JSON.stringify(node.clusterEvents),
    ]);
  }

  async removeNode(id: string): Promise<void> {
    await this.#sql.run('removeNode', 'removeNode', this.#admin.removeNode, [id]);
  }

  async listNodes(query: { seenAfterMs?: number } = {}): Promise<NodeRecord[]> {
    return (await this.#sql.read('listNodes', 'listNodes', this.#admin.listNodes, [query.seenAfterMs ?? null])).map(rowToNode);
  }

  // ---- leadership ---------------------------------------------------------------------------

  async acquireLeadership(request: AcquireLeadershipRequest): Promise<LeaderRecord> {
    const { name, nodeId, nowMs, leaseMs, observedVersion } = request;
    const [row] = await this.#sql.run('acquireLeadership', 'acquireLeadership', this.#leadership.acquire, [name, nodeId, nowMs, leaseMs, observedVersion]);
    return rowToLeader(row!);
  }

  async renewLeadership(request: RenewLeadershipRequest): Promise<LeaderRecord | null> {
    const { name, nodeId, term, nowMs, leaseMs } = request;
    const [row] = await this.#sql.run('renewLeadership', 'renewLeadership', this.#leadership.renew, [name, nodeId, term, nowMs, leaseMs]);
    return row ? rowToLeader(row) : null;
  }

  async releaseLeadership(request: ReleaseLeadershipRequest): Promise<boolean> {
    const rows = await this.#sql.run('releaseLeadership', 'releaseLeadership', this.#leadership.release, [request.name, request.nodeId, request.term]);
    return rows.length > 0;
  }

  async getLeader(name: string): Promise<LeaderRecord | null> {
    const [row] = await this.#sql.read('getLeader', 'getLeader', this.#leadership.get, [name]);
    return row ? rowToLeader(row) : null;
  }

  async listLeaders(): Promise<LeaderRecord[]> {
    return (await this.#sql.read('listLeaders', 'listLeaders', this.#leadership.list, [])).map(rowToLeader);
  }

  // ---- cluster event log --------------------------------------------------------------------

  async appendEvents(events: readonly ClusterEventWrite[]): Promise<void> {
    if (events.length === 0) return;
    await this.#sql.run('appendEvents', 'appendEvents', this.#events.append, [...eventArrays(events), this.channel]);
  }

  async readEvents(request: ReadEventsRequest): Promise<ReadEventsResult> {
    return readEventsResult(await this.#sql.read('readEvents', 'readEvents', this.#events.read, [request.afterSeq, Math.max(0, Math.floor(request.limit))]));
  }

  async eventCursor(): Promise<number> {
    const [row] = await this.#sql.read('eventCursor', 'eventCursor', this.#events.cursor, []);
    return Number(row?.seq ?? 0);
  }

  async trimEvents(request: { beforeMs: number; keepLast?: number }): Promise<number> {
    const keepLast = request.keepLast === undefined ? null : Math.max(0, Math.floor(request.keepLast));
    const [row] = await this.#sql.run('trimEvents', 'trimEvents', this.#events.trim, [request.beforeMs, keepLast]);
    return Number(row?.n ?? 0);
  }

  // ---- wake-ups -----------------------------------------------------------------------------

  subscribe(listener: (signal: StoreSignal) => void): () => void {
    return this.#wakeups.subscribe(listener);
  }

  /** Resolves once the LISTEN connection is up (or its first attempt failed). For tests and tools. */
  async listening(): Promise<boolean> {
    return this.#wakeups.listening();
  }
}
