import type { JsonValue } from '../domain/json.ts';
import type { AttemptOutcome, JobError, JobOrigin, JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { ScheduleRecord } from '../domain/schedule.ts';
import type { UnreadableField } from '../domain/unreadable.ts';

// The requests and answers of the store contract (see `Store` in store.ts).

/** What a store can do, read by the runtime to choose its strategy (see `Store.capabilities`). */
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

/**
 * The window of `Store.jobStats`: job counts now, and final outcomes per bucket of `bucketMs` since `sinceMs` (epoch milliseconds).
 */
export interface JobStatsQuery {
  nowMs: number;
  /** Start of the window for `finished`. */
  sinceMs: number;
  /** Bucket width for `finished` (e.g. 60_000 for per-minute). */
  bucketMs: number;
}

/** What `Store.jobStats` answers: jobs per status now, and final outcomes per time bucket. */
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

/** What changed: jobs, schedules, or the cluster event log (`appendEvents`). */
export type StoreSignal = 'jobs' | 'schedules' | 'events';

/** Filters and keyset paging of `Store.listSchedules` (ordered by id ascending). Every field is optional. */
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

/**
 * The fields `Store.updateSchedule` changes: pause or resume, and/or move the next fire (epoch ms; null: never).
 */
export interface SchedulePatch {
  paused?: boolean;
  nextFireAtMs?: number | null;
}

/**
 * Filters and keyset paging of `Store.listJobs`: newest first, or the change feed when `updatedAfterMs` is given.
 * Every field is optional; times are epoch milliseconds.
 */
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
  /** Only the children of this job: jobs whose `parents` include it (a flow's graph). */
  parentId?: string | undefined;
  /** Default 100. */
  limit?: number | undefined;
}

/**
 * The request of `Store.acquireDueSchedules`: lease up to `limit` due schedules to `nodeId` for `leaseMs`.
 */
export interface AcquireSchedulesRequest {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  limit: number;
  /**
   * The look-ahead: schedules whose next fire is within this long after `nowMs` are acquired
   * too, so that their fires can be reserved ahead (see `ReleaseScheduleRequest.reserve`).
   * @defaultValue 0
   */
  horizonMs?: number;
}

/** A schedule leased by `Store.acquireDueSchedules`, with the token that lets its node release it. */
export interface AcquiredSchedule {
  schedule: ScheduleRecord;
  leaseToken: number;
  /** The schedule's jobs in queued, running, failed or reserved status. */
  activeJobs: number;
}

/**
 * What the core decided for one leased schedule, applied by `Store.releaseSchedules` under `leaseToken`:
 * the jobs to create, the next and last fire instants (epoch ms), the counters to add, and whether it ends.
 */
export interface ReleaseScheduleRequest {
  scheduleId: string;
  leaseToken: number;
  nowMs: number;
  nextFireAtMs: number | null;
  lastFireAtMs: number | null;
  jobs: readonly NewJob[];
  skipped: number;
  missed: number;
  /**
   * Fires whose jobs the caller created before this release (`enqueueJobs`: an overlap policy's
   * buffered jobs), added to `firedCount` with the jobs this release creates. @defaultValue 0
   */
  buffered?: number;
  end: boolean;
  /**
   * Reserve the created jobs for this node at once (it will start each at its runAtMs from a
   * local timer): status reserved, fencing token 1, leaseOwner = nodeId, leaseExpiresAtMs =
   * runAtMs + leaseMs. Without it they are created queued, for any node to claim.
   */
  reserve?: { nodeId: string; leaseMs: number };
}

/**
 * The answer of `Store.releaseSchedules` for one schedule: whether the release applied, and the jobs it created.
 */
export interface ReleaseScheduleResult {
  scheduleId: string;
  released: boolean;
  /** Jobs created by this release (a fire that already had a job is not among them), as a claim answers them. */
  created: ClaimedJob[];
}

/**
 * What `enqueueJobs` answers per job: created as given, or the existing job that blocked it. A
 * created job with parents comes back with its record (`job`): the store decided its status
 * (waiting, queued, or dead/cancelled by a parent that had already failed).
 */
export type EnqueueResult = { created: true; job?: JobRecord } | { created: false; job: JobRecord };

/**
 * The request of `Store.claimJobs`: the due jobs of `tasks` a node takes (running), and optionally reserves ahead.
 */
export interface ClaimJobsRequest {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  /** Most due jobs to claim (they become running). */
  limit: number;
  /**
   * Only jobs of these tasks are claimed (routing): the tasks the node registers. Jobs of other
   * tasks stay queued for nodes that run them, however long they wait. Empty: nothing is claimed.
   *
   * This is the claim's one gate, designed for the gates to come: a task whose circuit breaker is
   * open is left out of the list; a task whose rate limit is nearly spent gets a per-task cap
   * beside it (a map from task to most jobs, the runtime's budget, in the same request); a job
   * whose parents are unfinished is not claimable at all — it waits outside the claim index until
   * its last parent finishes, so that no claim ever has to read past it. Each store keeps the
   * claim one indexed read per task, so the gates cost nothing when unused.
   */
  tasks: readonly string[];
  /**
   * Also reserve jobs that come due within this long after `nowMs` (delayed jobs, retries), for
   * the node to start from a local timer at their instant. @defaultValue 0 (none)
   */
  aheadMs?: number;
  /** Most jobs to reserve ahead. @defaultValue 0 */
  aheadLimit?: number;
  /**
   * A cap across the cluster (a task's `maxConcurrent`): each task in `tasks` is claimed only
   * while fewer than `maxActive` of its jobs are running or reserved on any node, and at most as
   * many more as that leaves. The count and the claim are one atomic step, so nodes claiming at
   * once never exceed it together. Absent: no cap (and no count is made).
   */
  maxActive?: number;
}

/**
 * A job as a claim (or a reserving release) hands it to the node that will run it: what the
 * runtime needs to run it and to describe it in events, nothing more (no history, no result).
 */
export interface ClaimedJob {
  id: string;
  task: string;
  data: JsonValue;
  origin: JobOrigin;
  scheduleId: string | null;
  fireAtMs: number | null;
  priority: number;
  runAtMs: number;
  createdAtMs: number;
  dedupeKey: string | null;
  /**
   * running: claimed due, under way. reserved: claimed ahead, the node starts it at runAtMs.
   * queued: created by a release without `reserve` (for any node to claim).
   */
  status: 'running' | 'reserved' | 'queued';
  /** The attempt this claim runs: for a running job the one under way, for a reserved job the one its start will count. */
  attempt: number;
  maxAttempts: number;
  fencingToken: number;
  /** Null for a queued job. */
  leaseExpiresAtMs: number | null;
  /** The trace context it was made in (`NewJob.traceContext`); absent when none. */
  traceContext?: string;
  /** The jobs it waited for (`NewJob.parents`); absent when none. The node reads their results. */
  parents?: string[];
  /** Present only when some fields could not be decoded (see `UnreadableField`): quarantine it. */
  unreadable?: UnreadableField[];
}

/**
 * The request of `Store.completeAndClaim`: finished jobs' outcomes, and the claim that refills their slots.
 */
export interface CompleteAndClaimRequest {
  completions: readonly CompleteJobRequest[];
  claim: ClaimJobsRequest;
}

/** The answer of `Store.completeAndClaim`: one result per completion, in order, then the jobs claimed. */
export interface CompleteAndClaimResult {
  completed: CompleteJobResult[];
  claimed: ClaimedJob[];
}

/**
 * The request of `Store.renewLeases`: extend, by `leaseMs` from `nowMs`, the leases `nodeId` holds under these fencing tokens.
 */
export interface RenewLeasesRequest {
  nodeId: string;
  nowMs: number;
  leaseMs: number;
  leases: ReadonlyArray<{
    jobId: string;
    fencingToken: number;
    /** The node started this reserved job at this instant (the store makes it running). */
    startedAtMs?: number;
  }>;
}

/**
 * The answer of `Store.renewLeases` for one lease: whether the node still holds it, and whether cancellation was requested.
 */
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
 * - released: the node gave the job back (shutdown, a reservation it will not start): status
 *   queued, lease cleared. A running job's attempt does not count (attempt - 1) and runAtMs =
 *   nowMs; a reserved job that did not start keeps its runAtMs.
 * - deferred: the node gave a running job back before its handler started (a rate limit per key
 *   was spent): status queued at `runAtMs`, lease cleared, and the attempt neither counted
 *   (attempt - 1) nor recorded (no attempt history entry, error unchanged). A reserved job is
 *   given back as by released, at the given runAtMs.
 * - discarded: a reserved fire of a schedule that its node decided not to run when it came due
 *   (the schedule had `maxRunning` jobs active, or the fire came later than its misfire grace):
 *   the job is deleted and its schedule's `skippedCount` or `missedCount` (`countAs`) goes up.
 * `attemptOutcome` is written to the attempt record (defaults: succeeded → 'succeeded',
 * retry/dead → 'failed', cancelled → 'cancelled', released → 'interrupted').
 */
export type JobCompletion =
  | { status: 'succeeded'; result: JsonValue | null }
  | { status: 'retry'; error: JobError; retryAtMs: number; attemptOutcome?: AttemptOutcome }
  | { status: 'dead'; error: JobError; attemptOutcome?: AttemptOutcome }
  | { status: 'cancelled'; error: JobError }
  | { status: 'released' }
  | { status: 'deferred'; runAtMs: number }
  | { status: 'discarded'; countAs: 'skipped' | 'missed' };

/**
 * Ends the current attempt of one job held under `fencingToken` (see `Store.completeJobs` and `JobCompletion`).
 */
export interface CompleteJobRequest {
  jobId: string;
  fencingToken: number;
  nowMs: number;
  completion: JobCompletion;
  /** Delete the job's schedule in the same transaction (the handler ended it). */
  endSchedule?: boolean;
  /** For a job the store holds as reserved: its node started it at this instant (its attempt counts). */
  startedAtMs?: number;
}

/** The answer of `Store.completeJobs` for one job: whether the completion was applied. */
export interface CompleteJobResult {
  jobId: string;
  /** False when the fencing token was stale or the job is gone (the lease is lost): nothing changed. */
  completed: boolean;
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

