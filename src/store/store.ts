import type { JsonValue } from '../domain/json.ts';
import type { AttemptOutcome, JobError, JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';

/**
 * The store contract. Every store (memory, SQLite, PostgreSQL, Redis, a third party's) implements
 * it and passes the conformance suite in `sundial/testing`.
 *
 * The store is deliberately dumb: it applies decisions atomically and never makes policy ones.
 * The hot-path writes (claim, renew, complete, release) take batches, so a busy node pays one
 * round trip for many jobs.
 * Trigger arithmetic, misfire, coalescing, overlap and retry decisions are pure functions in the
 * core, so every store behaves the same. What a store must guarantee:
 *
 * - Each method is atomic: another node sees all of its effect or none of it.
 * - A schedule is leased by at most one node at a time (`acquireDueSchedules`), and only the
 *   current lease token can release it (`releaseSchedules`).
 * - At most one job exists per (scheduleId, fireAtMs) where fireAtMs is not null.
 * - A job is claimed by at most one node at a time; every claim bumps its fencing token, and a
 *   write under an older token is refused (`completeJobs` answers `job: null`).
 *
 * All times are epoch milliseconds passed in by the caller (`nowMs`): a store never reads the
 * system clock, so the same virtual clock drives every store in tests.
 */
export interface Store {
  /** Short name for logs and errors: 'memory', 'sqlite', … */
  readonly name: string;
  readonly capabilities: StoreCapabilities;

  /** Connects and brings the schema up to date. Idempotent; safe when several nodes open at once. */
  open(): Promise<void>;
  /** Releases connections. Idempotent. Data stays (but for MemoryStore, whose data lives in the object). */
  close(): Promise<void>;

  // ---- schedules ----------------------------------------------------------------------------

  /**
   * Inserts the schedule, or replaces the definition of the one with this id: task, data,
   * trigger, priority, maxRunning, misfireGraceMs, coalesce, paused and nextFireAtMs are written;
   * createdAtMs, lastFireAtMs, the counters and any lease are kept. Returns the stored record.
   */
  upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord>;
  getSchedule(id: string): Promise<ScheduleRecord | null>;
  /** Ordered by id ascending. */
  listSchedules(query?: ScheduleQuery): Promise<ScheduleRecord[]>;
  /** Deletes the schedule (its jobs stay, with their scheduleId). True when it existed. */
  removeSchedule(id: string): Promise<boolean>;
  /** Sets paused and/or nextFireAtMs. Returns the updated record, or null when it does not exist. */
  updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null>;

  /**
   * Leases up to `limit` schedules that are due: not paused, `nextFireAtMs <= nowMs`, and not
   * leased (or their lease expired: `leaseExpiresAtMs <= nowMs`). Earliest `nextFireAtMs` first.
   * Each gets leaseOwner = nodeId, leaseExpiresAtMs = nowMs + leaseMs and leaseToken + 1.
   * `activeJobs` is the number of this schedule's jobs in queued, running or failed status.
   */
  acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]>;

  /**
   * Applies what the core decided for leased schedules, one request per schedule, in one round
   * trip. Each request is applied atomically and independently of the others (a refused one does
   * not undo the rest), and only if the schedule is still leased under `leaseToken` (else
   * `released: false` and nothing changes for it; a schedule removed meanwhile is refused too):
   * creates `jobs` (a job whose (scheduleId, fireAtMs) exists already is not created again),
   * sets nextFireAtMs and lastFireAtMs, adds `fired` (= jobs actually created), `skipped` and
   * `missed` to the counters, clears the lease, and deletes the schedule when `end` is true.
   * One result per request, in order.
   */
  releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]>;

  // ---- jobs ---------------------------------------------------------------------------------

  /**
   * Creates jobs, in order. A job is not created, and the existing one returned with
   * `created: false`, when (a) a job with the same (scheduleId, fireAtMs) exists (fireAtMs not
   * null), or (b) its dedupeKey is not null and a job with that dedupeKey is not final
   * (succeeded, dead, cancelled).
   */
  enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]>;

  /**
   * Claims up to `limit` jobs in status queued or failed with `runAtMs <= nowMs` whose task is one
   * of `tasks` (the tasks the claiming node registers: a node never takes a job it cannot run),
   * ordered by priority descending, then runAtMs ascending, then creation order. Each becomes running:
   * attempt + 1, fencingToken + 1, leaseOwner = nodeId, leaseExpiresAtMs = nowMs + leaseMs,
   * startedAtMs set if null, updatedAtMs = nowMs, and a new attempt record with outcome 'running'
   * appended. Returns the updated records. Running jobs are never claimed here, even with an
   * expired lease: the core reaps those through `findExpiredLeases` + `completeJobs`.
   */
  claimJobs(request: ClaimJobsRequest): Promise<JobRecord[]>;

  /**
   * Extends the leases still held: a job whose status is running, fencingToken equals the given
   * one and leaseOwner is nodeId gets leaseExpiresAtMs = nowMs + leaseMs. One result per lease,
   * in order; `held: false` when the lease was lost. `cancelRequested` mirrors the job's flag.
   */
  renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]>;

  /**
   * Ends the current attempt of running jobs, one request per job, in one round trip. Each is
   * applied atomically and independently, and only when the job is running under the given
   * fencingToken; otherwise (reaped and reclaimed, cancelled, not running, gone) its result has
   * `job: null` and nothing changes. The last attempt record gets finishedAtMs and outcome; see
   * `JobCompletion` for the status. With `endSchedule`, the job's schedule is deleted in the same
   * atomic step. One result per request, in order.
   */
  completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]>;

  /** Running jobs whose lease expired (`leaseExpiresAtMs <= nowMs`), oldest expiry first. Reads only. */
  findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]>;

  /**
   * Cancels a job. queued or failed: becomes cancelled now (finishedAtMs = nowMs, error = the
   * reason). running: only `cancelRequested` is set; its node ends it. Final: unchanged.
   * Returns the record after the change, or null when no such job exists.
   */
  cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null>;

  /**
   * Puts a dead or cancelled job back in the queue for an operator: status queued, runAtMs =
   * nowMs, maxAttempts = attempt + 1 (one more try), error kept until the next attempt.
   * Returns null when the job does not exist; throws `InvalidJobStateError` for other statuses.
   */
  retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null>;

  getJob(id: string): Promise<JobRecord | null>;
  /**
   * Newest first (createdAtMs descending, then id descending) — or, when `updatedAfterMs` is
   * given, the change feed: jobs with updatedAtMs > updatedAfterMs, oldest change first
   * (updatedAtMs ascending, then id ascending).
   */
  listJobs(query?: JobQuery): Promise<JobRecord[]>;
  /** How many jobs are in each status now, and how many reached a final status per time bucket. */
  jobStats(query: JobStatsQuery): Promise<JobStats>;
  /** Deletes final jobs with finishedAtMs < finishedBeforeMs (optionally of these statuses). Returns how many. */
  purgeJobs(request: { finishedBeforeMs: number; statuses?: readonly JobStatus[] }): Promise<number>;

  /**
   * The earliest instant at which something may become due: an unpaused schedule's nextFireAtMs
   * (or its lease expiry, when leased), a queued/failed job's runAtMs, a running job's lease
   * expiry. Null when nothing is pending. Lets a node sleep exactly until then.
   */
  nextWakeAtMs(): Promise<number | null>;

  // ---- nodes --------------------------------------------------------------------------------

  /** Inserts or replaces this node's record (every node calls it at start and then periodically). */
  upsertNode(node: NodeRecord): Promise<void>;
  /** Removes a node's record (at graceful stop). */
  removeNode(id: string): Promise<void>;
  /** Nodes seen after `seenAfterMs` (all when omitted), ordered by id. */
  listNodes(query?: { seenAfterMs?: number }): Promise<NodeRecord[]>;

  /**
   * Optional push wake-ups (LISTEN/NOTIFY, pub/sub): the listener is called when another node
   * adds or changes work. Returns an unsubscribe function. Stores without it are polled.
   */
  subscribe?(listener: (signal: StoreSignal) => void): () => void;

  /**
   * Optional: what in the server's own configuration breaks the durability this contract
   * assumes — data lost on a restart, records evicted under memory pressure. Empty when nothing
   * is wrong. Call it after `open()` (before, it rejects like any other call). It reads the
   * server's settings on every call (they can change at runtime), and never rejects because
   * they cannot be read (a disabled or denied command, a lost connection): that is a warning of
   * its own, `'durability-unchecked'`. Stores without server settings to check (memory, SQLite)
   * leave it out. The scheduler logs each warning once (`logger.warn`) after the store opens, and
   * the admin API lists them (`GET /api/stats`, `storeWarnings`).
   */
  durabilityWarnings?(): Promise<StoreWarning[]>;
}

/** One problem a store found in its server's configuration (see `Store.durabilityWarnings`). */
export interface StoreWarning {
  /** Stable, for programs and alerts; see `StoreWarningCode`. */
  readonly code: StoreWarningCode;
  /** One or two sentences for an operator: which server, what was found, what it costs, how to fix it. */
  readonly message: string;
}

/**
 * - `persistence-off`: the server keeps data in memory only; a restart loses every schedule and job.
 * - `eviction-possible`: the server may delete keys when it runs out of memory; an evicted
 *   record is lost without an error.
 * - `durability-unchecked`: the store could not read those settings (the command is disabled,
 *   renamed or denied, as on many managed services); check them yourself.
 */
export type StoreWarningCode = 'persistence-off' | 'eviction-possible' | 'durability-unchecked';

export interface StoreCapabilities {
  /** Several processes may share this store (false for MemoryStore). */
  readonly multiProcess: boolean;
  /** `subscribe` pushes other nodes' changes (else the runtime polls). */
  readonly pushWakeups: boolean;
  /** `upsertSchedule` and `enqueueJobs` can join the caller's own transaction (`options.tx`). */
  readonly transactionalWrites: boolean;
}

/**
 * Lets a write join the caller's transaction, so that a job exists only if the business
 * transaction commits. What `tx` is depends on the store (a `pg` client inside BEGIN, …); a
 * store without `transactionalWrites` throws `InvalidArgumentError` when it is given.
 */
export interface WriteOptions {
  tx?: unknown;
}

export interface JobStatsQuery {
  nowMs: number;
  /** Start of the window for `finished`. */
  sinceMs: number;
  /** Bucket width for `finished` (e.g. 60_000 for per-minute). */
  bucketMs: number;
}

export interface JobStats {
  /** Jobs in each status now (every status present, 0 when none). */
  byStatus: Record<JobStatus, number>;
  /**
   * Final outcomes per bucket, oldest first, one entry per bucket from the bucket holding
   * `sinceMs` to the one holding `nowMs` (empty buckets included). Buckets start at multiples
   * of `bucketMs` since the epoch; a job counts in the bucket of its finishedAtMs.
   */
  finished: Array<{ bucketStartMs: number; succeeded: number; dead: number; cancelled: number }>;
}

export type StoreSignal = 'jobs' | 'schedules';

export interface ScheduleQuery {
  task?: string | undefined;
  paused?: boolean | undefined;
  /** Only ids starting with this. */
  idPrefix?: string | undefined;
  /** Only ids greater than this (keyset paging). */
  afterId?: string | undefined;
  /** Default 100. */
  limit?: number | undefined;
}

export interface SchedulePatch {
  paused?: boolean;
  nextFireAtMs?: number | null;
}

export interface JobQuery {
  status?: JobStatus | readonly JobStatus[] | undefined;
  task?: string | undefined;
  scheduleId?: string | undefined;
  createdAfterMs?: number | undefined;
  createdBeforeMs?: number | undefined;
  /**
   * Keyset paging. Newest-first listing: only jobs that sort after the job with this id (older).
   * Change feed (with updatedAfterMs): the id of the last job read, as a tie-breaker — only jobs
   * with (updatedAtMs, id) > (updatedAfterMs, afterId). The cursor is the pair itself, never looked
   * up, so a job changed again after it was read cannot move a reader's position.
   */
  afterId?: string | undefined;
  /** Change feed: only jobs changed after this instant, oldest change first (see Store.listJobs). */
  updatedAfterMs?: number | undefined;
  /** Default 100. */
  limit?: number | undefined;
}

export interface AcquireSchedulesRequest {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  limit: number;
}

export interface AcquiredSchedule {
  schedule: ScheduleRecord;
  leaseToken: number;
  activeJobs: number;
}

export interface ReleaseScheduleRequest {
  scheduleId: string;
  leaseToken: number;
  nowMs: number;
  nextFireAtMs: number | null;
  lastFireAtMs: number | null;
  jobs: readonly NewJob[];
  skipped: number;
  missed: number;
  end: boolean;
}

export interface ReleaseScheduleResult {
  scheduleId: string;
  released: boolean;
  /** Jobs created by this release (a fire that already had a job is not among them). */
  created: JobRecord[];
}

export interface EnqueueResult {
  job: JobRecord;
  created: boolean;
}

export interface ClaimJobsRequest {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  limit: number;
  /**
   * Only jobs of these tasks are claimed (routing): the tasks the node registers. Jobs of other
   * tasks stay queued for nodes that run them, however long they wait. Empty: nothing is claimed.
   * This is the claim's gate: later gates (open breakers, spent rate limits) narrow the same set.
   */
  tasks: readonly string[];
}

export interface RenewLeasesRequest {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  leases: ReadonlyArray<{ jobId: string; fencingToken: number }>;
}

export interface LeaseRenewal {
  jobId: string;
  held: boolean;
  cancelRequested: boolean;
}

/**
 * How an attempt ends, and what status the job takes:
 * - succeeded: status succeeded, result stored, finishedAtMs = nowMs, lease cleared.
 * - retry: status failed, runAtMs = retryAtMs, error stored, lease cleared (claimable again when due).
 * - dead: status dead, error stored, finishedAtMs = nowMs.
 * - cancelled: status cancelled, error stored, finishedAtMs = nowMs.
 * - released: the node gave the job back (shutdown): status queued, runAtMs = nowMs, attempt - 1
 *   (a released attempt does not count against maxAttempts), lease cleared.
 * `attemptOutcome` is written to the last attempt record (defaults: succeeded → 'succeeded',
 * retry/dead → 'failed', cancelled → 'cancelled', released → 'interrupted').
 */
export type JobCompletion =
  | { status: 'succeeded'; result: JsonValue | null }
  | { status: 'retry'; error: JobError; retryAtMs: number; attemptOutcome?: AttemptOutcome }
  | { status: 'dead'; error: JobError; attemptOutcome?: AttemptOutcome }
  | { status: 'cancelled'; error: JobError }
  | { status: 'released' };

export interface CompleteJobRequest {
  jobId: string;
  fencingToken: number;
  nowMs: number;
  completion: JobCompletion;
  /** Delete the job's schedule in the same transaction (the handler ended it). */
  endSchedule?: boolean;
}

export interface CompleteJobResult {
  jobId: string;
  /** The job after the change, or null when the fencing token was stale (the lease is lost). */
  job: JobRecord | null;
}
