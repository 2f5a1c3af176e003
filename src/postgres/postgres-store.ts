import { finalJobStatuses } from '../domain/job.ts';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import type {
  AcquiredSchedule,
  AcquireLeadershipRequest,
  AcquireSchedulesRequest,
  BreakerRecord,
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
  RateTokens,
  ReadBreakersRequest,
  ReadEventsRequest,
  ReadEventsResult,
  RecordBreakerCallsRequest,
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
  TakeRateTokensRequest,
  WriteBreakerRequest,
  WriteOptions,
} from '../store/store.ts';
import { adminStatements } from './admin-statements.ts';
import { releaseParams, scheduleWriteParams } from './batch-params.ts';
import { acquiredSchedules, releaseResults } from './hot-path-replies.ts';
import { createPool, openListenConnection, resolveConnection, withClient, type PostgresConnectionOptions, type ResolvedConnection } from './connection.ts';
import { toStoreError } from './errors.ts';
import { eventArrays, eventLogStatements, readEventsResult } from './event-log-statements.ts';
import { quoteIdent } from './identifiers.ts';
import { claimJobs, completeAndClaim, completeJobs } from './job-claims.ts';
import { cancelJob, getJob, retryJob } from './job-control.ts';
import { enqueueJobs } from './job-enqueue.ts';
import { jobStatements, type JobContext } from './job-statements.ts';
import { assembleJobStats } from './job-stats.ts';
import { jobStatsRange } from '../store/job-stats-buckets.ts';
import { leadershipStatements } from './leadership-statements.ts';
import { sqlRowToLeader as rowToLeader } from '../store/sql-rows.ts';
import { buildJobListQuery, buildScheduleListQuery } from './list-queries.ts';
import { checkSchemaVersion, migrateSchema } from './migrations.ts';
import { rowToJob, rowToNode, rowToSchedule } from './row-mapping.ts';
import { scheduleStatements } from './schedule-statements.ts';
import { StatementRunner, txClient } from './statement-runner.ts';
import { PostgresTaskGates } from './task-gates.ts';
import { Wakeups } from './wakeups.ts';

/**
 * The options of `new PostgresStore(options)`: the connection (see `PostgresConnectionOptions`) and
 * whether `open()` migrates the schema.
 *
 * @example
 * new PostgresStore({ connectionString: process.env.DATABASE_URL, schema: 'sundial', migrate: false })
 */
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
  readonly #gates: PostgresTaskGates;
  /** What the job calls kept outside this class (job-*.ts) need. */
  readonly #ctx: JobContext;
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
    this.#gates = new PostgresTaskGates(this.#sql, this.#q);
    this.#ctx = { sql: this.#sql, jobs: this.#jobs, channel: this.channel };
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

  /** Same as `close()`, for `await using store = new PostgresStore(…)`. */
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
    return enqueueJobs(this.#ctx, jobs, txClient(options));
  }

  async claimJobs(request: ClaimJobsRequest): Promise<ClaimedJob[]> {
    return claimJobs(this.#ctx, request);
  }

  async completeAndClaim(request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult> {
    return completeAndClaim(this.#ctx, request);
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
    return completeJobs(this.#ctx, requests);
  }

  async findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]> {
    if (request.limit <= 0) return [];
    return (await this.#sql.read('findExpiredLeases', 'findExpired', this.#jobs.findExpired, [request.nowMs, request.limit])).map(rowToJob);
  }

  async cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
    return cancelJob(this.#ctx, request);
  }

  async retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
    return retryJob(this.#ctx, request);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return getJob(this.#ctx, id);
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

  // ---- task gates ---------------------------------------------------------------------------

  async readBreakers(request: ReadBreakersRequest): Promise<BreakerRecord[]> {
    return this.#gates.readBreakers(request);
  }

  async recordBreakerCalls(request: RecordBreakerCallsRequest): Promise<void> {
    return this.#gates.recordBreakerCalls(request);
  }

  async writeBreaker(request: WriteBreakerRequest): Promise<boolean> {
    return this.#gates.writeBreaker(request);
  }

  async takeRateTokens(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]> {
    return this.#gates.takeRateTokens(requests);
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
