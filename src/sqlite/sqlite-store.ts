import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { finalJobStatuses } from '../domain/job.ts';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import { StoreUnavailableError } from '../errors.ts';
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
  ScheduleQuery,
  SchedulePatch,
  Store,
  StoreCapabilities,
  StoreSignal,
  WriteOptions,
} from '../store/store.ts';
import type { ClusterEventWrite, ReadEventsRequest, ReadEventsResult } from '../store/event-log-types.ts';
import type { AcquireLeadershipRequest, LeaderRecord, ReleaseLeadershipRequest, RenewLeadershipRequest } from '../store/leadership-types.ts';
import type { BreakerRecord, RateTokens, ReadBreakersRequest, RecordBreakerCallsRequest, TakeRateTokensRequest, WriteBreakerRequest } from '../store/gate-types.ts';
import { readJobStats } from './job-stats.ts';
import { buildJobListQuery, buildScheduleListQuery } from './list-queries.ts';
import { isMemoryPath, openDatabase } from './open-database.ts';
import { nodeParams, rowToJob, rowToNode, rowToSchedule } from './row-mapping.ts';
import type { Row } from './row-mapping.ts';
import { toStoreError } from './sqlite-errors.ts';
import { releaseOne, runCompletion } from './job-writes.ts';
import { cancelOne, retryOne } from './job-control.ts';
import { EnqueueStatements, enqueueJobs } from './enqueue-jobs.ts';
import { acquireDue, removeOne, updateOne, upsertOne } from './schedule-writes.ts';
import { claimJobs, claimsAnything } from './claim-jobs.ts';
import { renewLeases } from './renew-leases.ts';
import { ChangeWatcher } from './change-watcher.ts';
import { acquireLeadership, getLeader, listLeaders, releaseLeadership, renewLeadership } from './leadership.ts';
import { appendEvents, eventCursor, readEvents, trimEvents } from './event-log.ts';
import { readBreakers, recordBreakerCalls, writeBreaker } from './breakers.ts';
import { takeRateTokens } from './rate-tokens.ts';
import { prepareStatements } from './statements.ts';
import { callerConnection, writeInCallerTransaction } from './caller-transaction.ts';
import { WriteLock } from './write-lock.ts';
import type { Statements } from './statements.ts';

/**
 * The options of `new SqliteStore(options)`: the database file and how the store waits for other writers.
 *
 * @example
 * new SqliteStore({ path: './data/sundial.db', busyTimeoutMs: 10_000 })
 */
export interface SqliteStoreOptions {
  /** The database file, created on `open()` (with its directory). ':memory:' keeps everything in this one connection. */
  path: string;
  /**
   * How long a write waits for another connection's (or process's) write lock before failing
   * with `StoreUnavailableError`. The store's own writes wait without blocking the event loop
   * (pauses of 1–25 ms between attempts); reads and `open()` use SQLite's blocking busy handler.
   * @defaultValue 5000
   */
  busyTimeoutMs?: number | undefined;
  /**
   * How often the store checks whether another process committed to the file (`PRAGMA
   * data_version`, which costs no disk I/O), to wake an idle node at once. 0 turns it off: other
   * processes' work is then seen at the scheduler's poll interval.
   * @defaultValue 50
   */
  watchIntervalMs?: number | undefined;
}

const defaultBusyTimeoutMs = 5000;
const defaultWatchIntervalMs = 50;

/**
 * The embedded default store: one SQLite file (WAL mode) through `node:sqlite`. Several processes
 * may share the file: every write runs in one BEGIN IMMEDIATE transaction, so writers take turns
 * and a claim is a single `UPDATE … RETURNING`. `upsertSchedule(s)` and `enqueueJobs` can join
 * the caller's transaction: `{ tx: db }`, your own `DatabaseSync` on the same file inside
 * `BEGIN IMMEDIATE` (see caller-transaction.ts).
 *
 * @example
 * const store = new SqliteStore('./sundial.db');
 * await store.open();
 */
export class SqliteStore implements Store {
  readonly name = 'sqlite';
  readonly capabilities: StoreCapabilities;
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly watchIntervalMs: number;
  #watcher: ChangeWatcher | null = null;
  #db: DatabaseSync | null = null;
  #statements: Statements | null = null;
  #enqueueStatements: EnqueueStatements | null = null;
  #writeLock: WriteLock | null = null;
  #builtStatements = new Map<string, StatementSync>();

  constructor(pathOrOptions: string | SqliteStoreOptions, options?: Omit<SqliteStoreOptions, 'path'>) {
    const resolved = typeof pathOrOptions === 'string' ? { ...options, path: pathOrOptions } : pathOrOptions;
    this.path = resolved.path;
    this.busyTimeoutMs = resolved.busyTimeoutMs ?? defaultBusyTimeoutMs;
    this.watchIntervalMs = resolved.watchIntervalMs ?? defaultWatchIntervalMs;
    // A ':memory:' database lives in this store's connection alone: no caller's connection can share it.
    this.capabilities = { multiProcess: true, pushWakeups: this.watchIntervalMs > 0, transactionalWrites: !isMemoryPath(this.path) };
  }

  async open(): Promise<void> {
    if (this.#db) return;
    const db = openDatabase(this.path, this.busyTimeoutMs);
    this.#statements = prepareStatements(db);
    this.#enqueueStatements = new EnqueueStatements(db);
    this.#writeLock = new WriteLock(db, this.#statements.begin, this.busyTimeoutMs);
    this.#db = db;
  }

  async close(): Promise<void> {
    const db = this.#db;
    if (!db) return;
    this.#watcher?.stop();
    this.#watcher = null;
    this.#db = null;
    this.#statements = null;
    this.#enqueueStatements = null;
    this.#writeLock = null;
    this.#builtStatements.clear();
    db.close();
  }

  /** Same as `close()`, for `await using store = new SqliteStore(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Calls `listener` when another connection commits to the file (see `watchIntervalMs`). */
  subscribe(listener: (signal: StoreSignal) => void): () => void {
    if (this.watchIntervalMs <= 0) return () => {};
    const db = this.#db;
    const s = this.#statements;
    if (!db || !s) throw new StoreUnavailableError(`SqliteStore ${this.path}: subscribe() before open()`);
    if (!this.#watcher) {
      const version = db.prepare('PRAGMA data_version');
      this.#watcher = new ChangeWatcher(
        () => Number((version.get() as { data_version: number }).data_version),
        () => eventCursor(s),
        this.watchIntervalMs,
      );
    }
    return this.#watcher.subscribe(listener);
  }

  // ---- schedules ----------------------------------------------------------------------------

  async upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord> {
    const tx = this.#callerConnection('upsertSchedule', options);
    return this.#writeOn(tx, 'upsertSchedule', (s) => upsertOne(s, write));
  }

  /** Many upserts in one transaction: one commit for thousands of schedules. */
  async upsertSchedules(writes: readonly ScheduleWrite[], options?: WriteOptions): Promise<ScheduleRecord[]> {
    const tx = this.#callerConnection('upsertSchedules', options);
    if (writes.length === 0) return [];
    return this.#writeOn(tx, 'upsertSchedules', (s) => writes.map((write) => upsertOne(s, write)));
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    return this.#read('getSchedule', (s) => {
      const row = s.getSchedule.get(id) as Row | undefined;
      return row ? rowToSchedule(row) : null;
    });
  }

  async listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    return this.#read('listSchedules', () => {
      const { text, params } = buildScheduleListQuery(query);
      return (this.#cachedStatement(text).all(...params) as Row[]).map(rowToSchedule);
    });
  }

  async removeSchedule(id: string, nowMs: number): Promise<boolean> {
    return this.#write('removeSchedule', (s) => removeOne(s, id, nowMs));
  }

  async updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    return this.#write('updateSchedule', (s) => updateOne(s, id, patch, nowMs));
  }

  async acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    if (request.limit <= 0) return [];
    return this.#write('acquireDueSchedules', (s) => acquireDue(s, request));
  }

  async releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]> {
    if (requests.length === 0) return [];
    // One write transaction for the whole batch: a burst of due schedules costs one commit, not one each.
    return this.#write('releaseSchedules', (s) => requests.map((request) => releaseOne(s, request)));
  }

  // ---- jobs ---------------------------------------------------------------------------------

  async enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]> {
    const tx = this.#callerConnection('enqueueJobs', options);
    if (jobs.length === 0) return [];
    return this.#writeOn(tx, 'enqueueJobs', (s, bulk) => enqueueJobs(s, bulk, jobs));
  }

  async claimJobs(request: ClaimJobsRequest): Promise<ClaimedJob[]> {
    if (!claimsAnything(request)) return [];
    return this.#write('claimJobs', () => claimJobs((text) => this.#cachedStatement(text), request));
  }

  /** Completions and the claim that refills their slots in one transaction: one commit for both. */
  async completeAndClaim(request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult> {
    const { completions, claim } = request;
    if (completions.length === 0 && !claimsAnything(claim)) return { completed: [], claimed: [] };
    return this.#write('completeAndClaim', (s) => ({
      completed: completions.map((completion) => ({ jobId: completion.jobId, completed: runCompletion(s, completion) })),
      claimed: claimsAnything(claim) ? claimJobs((text) => this.#cachedStatement(text), claim) : [],
    }));
  }

  async renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]> {
    if (request.leases.length === 0) return [];
    return this.#write('renewLeases', (s) => renewLeases(s, request));
  }

  async completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> {
    if (requests.length === 0) return [];
    return this.#write('completeJobs', (s) => requests.map((request) => ({ jobId: request.jobId, completed: runCompletion(s, request) })));
  }

  async findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]> {
    if (request.limit <= 0) return [];
    return this.#read('findExpiredLeases', (s) => (s.findExpiredLeases.all(request.nowMs, request.limit) as Row[]).map(rowToJob));
  }

  async cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
    return this.#write('cancelJob', (s) => cancelOne(s, request));
  }

  async retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
    return this.#write('retryJob', (s) => retryOne(s, request));
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.#read('getJob', (s) => {
      const row = s.getJob.get(id) as Row | undefined;
      return row ? rowToJob(row) : null;
    });
  }

  async listJobs(query: JobQuery = {}): Promise<JobRecord[]> {
    return this.#read('listJobs', () => {
      const { text, params } = buildJobListQuery(query);
      return (this.#cachedStatement(text).all(...params) as Row[]).map(rowToJob);
    });
  }

  async jobStats(query: JobStatsQuery): Promise<JobStats> {
    return this.#read('jobStats', (s) => readJobStats(s, query));
  }

  async purgeJobs(request: { finishedBeforeMs: number; statuses?: readonly JobStatus[] }): Promise<number> {
    return this.#write('purgeJobs', (s) =>
      Number(
        s.purgeJobs.run({
          statuses: JSON.stringify(request.statuses ?? finalJobStatuses),
          finishedBeforeMs: request.finishedBeforeMs,
        }).changes,
      ),
    );
  }

  async nextWakeAtMs(): Promise<number | null> {
    return this.#read('nextWakeAtMs', (s) => {
      const value = (s.nextWakeAtMs.get() as Row).wake_at_ms;
      return value === null || value === undefined ? null : Number(value);
    });
  }

  // ---- task gates ---------------------------------------------------------------------------

  async readBreakers(request: ReadBreakersRequest): Promise<BreakerRecord[]> {
    return this.#read('readBreakers', (s) => readBreakers(s, request));
  }

  async recordBreakerCalls(request: RecordBreakerCallsRequest): Promise<void> {
    if (request.calls.length === 0) return;
    await this.#write('recordBreakerCalls', (s) => recordBreakerCalls(s, request));
  }

  async writeBreaker(request: WriteBreakerRequest): Promise<boolean> {
    return this.#write('writeBreaker', (s) => writeBreaker(s, request));
  }

  async takeRateTokens(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]> {
    if (requests.length === 0) return [];
    return this.#write('takeRateTokens', (s) => takeRateTokens(s, requests));
  }

  // ---- nodes --------------------------------------------------------------------------------

  async upsertNode(node: NodeRecord): Promise<void> {
    await this.#write('upsertNode', (s) => s.upsertNode.run(nodeParams(node)));
  }

  async removeNode(id: string): Promise<void> {
    await this.#write('removeNode', (s) => s.removeNode.run(id));
  }

  async listNodes(query: { seenAfterMs?: number } = {}): Promise<NodeRecord[]> {
    return this.#read('listNodes', (s) => (s.listNodes.all({ seenAfterMs: query.seenAfterMs ?? null }) as Row[]).map(rowToNode));
  }

  // ---- leadership ---------------------------------------------------------------------------

  async acquireLeadership(request: AcquireLeadershipRequest): Promise<LeaderRecord> {
    return this.#write('acquireLeadership', (s) => acquireLeadership(s, request));
  }

  async renewLeadership(request: RenewLeadershipRequest): Promise<LeaderRecord | null> {
    return this.#write('renewLeadership', (s) => renewLeadership(s, request));
  }

  async releaseLeadership(request: ReleaseLeadershipRequest): Promise<boolean> {
    return this.#write('releaseLeadership', (s) => releaseLeadership(s, request));
  }

  async getLeader(name: string): Promise<LeaderRecord | null> {
    return this.#read('getLeader', (s) => getLeader(s, name));
  }

  async listLeaders(): Promise<LeaderRecord[]> {
    return this.#read('listLeaders', listLeaders);
  }

  // ---- cluster event log --------------------------------------------------------------------

  async appendEvents(events: readonly ClusterEventWrite[]): Promise<void> {
    if (events.length === 0) return;
    await this.#write('appendEvents', (s) => appendEvents(s, events));
  }

  async readEvents(request: ReadEventsRequest): Promise<ReadEventsResult> {
    return this.#read('readEvents', (s) => readEvents(s, request));
  }

  async eventCursor(): Promise<number> {
    return this.#read('eventCursor', eventCursor);
  }

  async trimEvents(request: { beforeMs: number; keepLast?: number }): Promise<number> {
    return this.#write('trimEvents', (s) => trimEvents(s, request));
  }

  // ---- plumbing -----------------------------------------------------------------------------

  #statementsOrThrow(operation: string): Statements {
    if (!this.#statements) throw new StoreUnavailableError(`SqliteStore ${this.path}: ${operation} called before open()`);
    return this.#statements;
  }

  /** A statement built at run time (listings, claims by task count), prepared once per text. */
  #cachedStatement(text: string): StatementSync {
    let statement = this.#builtStatements.get(text);
    if (!statement) {
      statement = this.#db!.prepare(text);
      this.#builtStatements.set(text, statement);
    }
    return statement;
  }

  #read<T>(operation: string, body: (s: Statements) => T): T {
    const s = this.#statementsOrThrow(operation);
    try {
      return body(s);
    } catch (error) {
      throw toStoreError(error, this.path, operation);
    }
  }

  /** The caller's connection of `options.tx`, checked before anything is written (see caller-transaction.ts); null for none. */
  #callerConnection(operation: string, options: WriteOptions | undefined): DatabaseSync | null {
    this.#statementsOrThrow(operation);
    return callerConnection(options, this.#db!, this.path);
  }

  /** On the caller's connection inside its transaction (no BEGIN, no COMMIT), else in the store's own transaction. */
  #writeOn<T>(tx: DatabaseSync | null, operation: string, body: (s: Statements, bulk: EnqueueStatements) => T): T | Promise<T> {
    if (tx !== null) return writeInCallerTransaction(tx, this.path, operation, body);
    return this.#write(operation, (s) => body(s, this.#enqueueStatements!));
  }

  /**
   * Runs `body` in one BEGIN IMMEDIATE transaction: writers on the same file take turns. While
   * another connection holds the lock the wait yields the event loop (see WriteLock); the
   * transaction itself, once begun, runs synchronously to its COMMIT.
   */
  #write<T>(operation: string, body: (s: Statements) => T): T | Promise<T> {
    const s = this.#statementsOrThrow(operation);
    let waiting: Promise<void> | undefined;
    try {
      waiting = this.#writeLock!.acquire(() => this.#statements === s);
    } catch (error) {
      throw toStoreError(error, this.path, operation);
    }
    if (waiting === undefined) return this.#inTransaction(s, operation, body);
    return waiting.then(
      () => this.#inTransaction(s, operation, body),
      (error: unknown) => {
        throw toStoreError(error, this.path, operation);
      },
    );
  }

  /** `body` and COMMIT in the transaction just begun, or ROLLBACK. */
  #inTransaction<T>(s: Statements, operation: string, body: (s: Statements) => T): T {
    try {
      const result = body(s);
      s.commit.run();
      return result;
    } catch (error) {
      if (this.#db?.isTransaction) {
        try {
          s.rollback.run();
        } catch (rollbackError) {
          // The connection is in an unknown state: report both failures rather than hide one.
          throw new StoreUnavailableError(`SqliteStore ${this.path}: ${operation} failed and could not roll back`, {
            cause: new AggregateError([error, rollbackError]),
          });
        }
      }
      throw toStoreError(error, this.path, operation);
    }
  }
}
