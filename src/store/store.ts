import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
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
  StoreCapabilities,
  StoreSignal,
  StoreWarning,
  WriteOptions,
} from './store-types.ts';
import type { ClusterEventWrite, ReadEventsRequest, ReadEventsResult } from './event-log-types.ts';
import type { AcquireLeadershipRequest, LeaderRecord, ReleaseLeadershipRequest, RenewLeadershipRequest } from './leadership-types.ts';
import type { BreakerRecord, RateTokens, ReadBreakersRequest, RecordBreakerCallsRequest, TakeRateTokensRequest, WriteBreakerRequest } from './gate-types.ts';

export type * from './store-types.ts';
export type * from './gate-types.ts';
export type * from './event-log-types.ts';
export type * from './leadership-types.ts';

/**
 * The store contract. Every store (memory, SQLite, PostgreSQL, Redis, a third party's) implements
 * it and passes the conformance suite in `sundial-scheduler/testing`.
 *
 * The store is deliberately dumb: it applies decisions atomically and never makes policy ones.
 * Trigger arithmetic, misfire, coalescing, overlap and retry decisions are pure functions in the
 * core, so every store behaves the same. The hot path (claim, renew, complete, release) takes
 * batches and answers leanly — what the node needs to run a job, or whether a write applied — so
 * a busy node pays one round trip, and decodes little, for many jobs. What a store must guarantee:
 *
 * - Each method is atomic per item: another node sees all of an item's effect or none of it.
 * - A schedule is leased by at most one node at a time (`acquireDueSchedules`), and only the
 *   current lease token can release it (`releaseSchedules`).
 * - At most one job exists per (scheduleId, fireAtMs) where fireAtMs is not null, for as long as
 *   the job is kept (history included).
 * - A job is held by at most one node at a time: every claim or reservation bumps its fencing
 *   token, and a write under an older token is refused (`completed: false`).
 *
 * Jobs live through the statuses of `JobStatus`. `reserved` is a job a node claimed ahead of its
 * `runAtMs` (a schedule's fire within the node's look-ahead, or a delayed job): the node starts it
 * from a local timer at that instant, without a store call, and tells the store at its next lease
 * renewal or at the completion (`startedAtMs`), which makes it running with its attempt counted.
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
   * createdAtMs, lastFireAtMs, the counters and any lease are kept. `paused: null` keeps the
   * stored flag (false for a new schedule). With `keepNextFire`, a stored schedule whose trigger
   * equals `write.trigger` keeps its nextFireAtMs (compared in the same atomic step; a store may
   * compare the canonical JSON rather than the meaning).
   *
   * When the definition of a stored schedule changes (task, data, trigger, priority, maxRunning,
   * misfireGraceMs or coalesce), its reserved jobs that are not due yet (`runAtMs > nowMs`) are
   * deleted in the same step — they would run the old definition — and `firedCount` goes down by
   * as many; when the next fire is kept, it moves back to the earliest of them, so those fires are
   * planned again under the new definition. Returns the stored record.
   */
  upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord>;
  /**
   * Optional: many `upsertSchedule` writes in one step (one transaction or script), each with
   * exactly its semantics, in order; the records come back in the same order. A store without it
   * gets one `upsertSchedule` call per write.
   */
  upsertSchedules?(writes: readonly ScheduleWrite[], options?: WriteOptions): Promise<ScheduleRecord[]>;
  /** The schedule with this id, or null when none exists. */
  getSchedule(id: string): Promise<ScheduleRecord | null>;
  /** Ordered by id ascending. */
  listSchedules(query?: ScheduleQuery): Promise<ScheduleRecord[]>;
  /**
   * Deletes the schedule (its jobs stay, with their scheduleId, but its reserved jobs not due yet
   * at `nowMs`, which are deleted). True when it existed.
   */
  removeSchedule(id: string, nowMs: number): Promise<boolean>;
  /**
   * Sets paused and/or nextFireAtMs. Pausing, or setting nextFireAtMs, also deletes the schedule's
   * reserved jobs not due yet (`runAtMs > nowMs`), with `firedCount` down by as many; pausing moves
   * nextFireAtMs back to the earliest of them (a resume before that instant still fires it).
   * Returns the updated record, or null when it does not exist.
   */
  updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null>;

  /**
   * Leases up to `limit` schedules that are due within the look-ahead: not paused,
   * `nextFireAtMs <= nowMs + horizonMs`, and not leased (or their lease expired:
   * `leaseExpiresAtMs <= nowMs`). Earliest `nextFireAtMs` first, then id. Each gets leaseOwner =
   * nodeId, leaseExpiresAtMs = nowMs + leaseMs and leaseToken + 1. `activeJobs` is the number of
   * this schedule's jobs in queued, running, failed or reserved status.
   */
  acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]>;

  /**
   * Applies what the core decided for leased schedules, one request per schedule, in one round
   * trip. Each request is applied atomically and independently of the others (a refused one does
   * not undo the rest), and only if the schedule is still leased under `leaseToken` (else
   * `released: false` and nothing changes for it; a schedule removed meanwhile is refused too):
   * creates `jobs` (a job whose (scheduleId, fireAtMs) exists already is not created again),
   * sets nextFireAtMs and lastFireAtMs, adds `fired` (= jobs actually created, plus `buffered`), `skipped` and
   * `missed` to the counters, clears the lease, and deletes the schedule when `end` is true.
   * With `reserve`, each created job is reserved by that node at once (see `ClaimJobsRequest`:
   * status reserved, fencing token 1, lease until runAtMs + leaseMs); else it is queued.
   * One result per request, in order, with the jobs created (as a claim hands them out).
   */
  releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]>;

  // ---- jobs ---------------------------------------------------------------------------------

  /**
   * Creates jobs, in order, as given (status queued, attempt 0, fencing token 0, updatedAtMs =
   * createdAtMs): the caller knows each created record, so a created job is answered
   * `{ created: true }` only. A job is not created, and the existing one returned, when (a) a job
   * with the same (scheduleId, fireAtMs) exists (fireAtMs not null), (b) its dedupeKey is not null
   * and a job with that dedupeKey is not final (succeeded, dead, cancelled), or (c) a job with
   * its id exists.
   *
   * A batch in which any job has `parents` is one atomic step: every job is created (or answered
   * existing) or, when it throws, none. (A store may write a batch without parents in chunks,
   * each atomic, so that a huge batch does not hold the server.) A job with `parents` (a flow: its parents may be stored jobs or jobs earlier in the
   * batch) is created with the status its parents give it, and answered with its record:
   * `waiting` while any parent is unfinished (not succeeded, dead or cancelled); when every
   * parent is final already, as if the last had just finished (see `completeJobs`). A parent id
   * that names no job throws `InvalidArgumentError` (naming it) and creates nothing.
   */
  enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]>;

  /**
   * Claims jobs of the given tasks (the tasks the claiming node registers: a node never takes a
   * job it cannot run), and answers each as `ClaimedJob`:
   *
   * - up to `limit` jobs in status queued or failed with `runAtMs <= nowMs`, ordered by priority
   *   descending, then runAtMs ascending, then creation order. Each becomes running: attempt + 1,
   *   fencingToken + 1, leaseOwner = nodeId, leaseExpiresAtMs = nowMs + leaseMs, startedAtMs set
   *   if null, the attempt's start = nowMs, updatedAtMs = nowMs.
   * - then, with `aheadMs` > 0, up to `aheadLimit` jobs in status queued or failed with
   *   `nowMs < runAtMs <= nowMs + aheadMs`, runAtMs ascending, then creation order. Each becomes
   *   reserved: fencingToken + 1, leaseOwner = nodeId, leaseExpiresAtMs = runAtMs + leaseMs,
   *   updatedAtMs = nowMs; its attempt is not counted until it starts (see `renewLeases`).
   *
   * Running and reserved jobs are never claimed here, even with an expired lease: the core reaps
   * those through `findExpiredLeases` + `completeJobs`.
   */
  claimJobs(request: ClaimJobsRequest): Promise<ClaimedJob[]>;

  /**
   * `completeJobs(completions)` then `claimJobs(claim)`, in one round trip: a busy node hands in
   * the outcomes of its finished jobs with the claim that refills their slots. Each part keeps
   * its own guarantees; the two need not be one transaction.
   */
  completeAndClaim(request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult>;

  /**
   * Extends the leases still held: a job whose status is running or reserved, whose fencingToken
   * equals the given one and whose leaseOwner is nodeId. A running job gets leaseExpiresAtMs =
   * nowMs + leaseMs. A reserved job with `startedAtMs` (its node started it) becomes running: its
   * attempt counted (attempt + 1, startedAtMs set if null, the attempt's start = startedAtMs),
   * leaseExpiresAtMs = nowMs + leaseMs and updatedAtMs = nowMs (the change feed shows the
   * start); a reserved job without it keeps waiting, with leaseExpiresAtMs = max(nowMs, runAtMs)
   * + leaseMs. One result per lease, in order; `held:
   * false` when the lease was lost (reclaimed, cancelled, deleted with its schedule's
   * reservations). `cancelRequested` mirrors the job's flag.
   */
  renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]>;

  /**
   * Ends the current attempt of running jobs (or a reserved job's), one request per job, in one
   * round trip. Each is applied atomically and independently, and only when the job is running
   * or reserved under the given fencingToken; otherwise (reaped and reclaimed, cancelled, gone)
   * its result has `completed: false` and nothing changes. A reserved job with `startedAtMs` is
   * first made running as by `renewLeases`. The attempt joins the job's attempt history with
   * finishedAtMs and outcome; see `JobCompletion` for the status. With `endSchedule`, the job's
   * schedule is deleted in the same atomic step, with its reserved jobs not due yet (runAtMs >
   * nowMs), as by `removeSchedule`. One result per request, in order.
   *
   * A job that reaches a final status (succeeded, dead, cancelled — here, by `cancelJob`, or as a
   * child below) resolves its waiting children in the same atomic step:
   * - it succeeded, or it failed and the child's `onParentFailure` is `ignore`: when it was the
   *   child's last unfinished parent, the child becomes queued, runAtMs = max(runAtMs, nowMs).
   * - it ended dead or cancelled and the child's `onParentFailure` is `fail` (or `cancel`): the
   *   child becomes dead (or cancelled) at once, finishedAtMs = nowMs, error = { name:
   *   'ParentFailedError', message naming the parent and its status }, no attempt recorded — and
   *   resolves its own children in turn.
   * A failed attempt with a retry planned is not final: children keep waiting. Every change
   * sets the child's updatedAtMs = nowMs (the change feed shows it).
   */
  completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]>;

  /**
   * Running and reserved jobs whose lease expired (`leaseExpiresAtMs <= nowMs`), oldest expiry
   * first. Reads only.
   */
  findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]>;

  /**
   * Cancels a job. waiting, queued, failed, or reserved and not due yet (`runAtMs > nowMs`): becomes
   * cancelled now (finishedAtMs = nowMs, error = the reason, lease cleared). running, or reserved
   * and due (its node may have started it): only `cancelRequested` is set; its node ends it.
   * Final: unchanged. A job cancelled now resolves its waiting children (see `completeJobs`).
   * Returns the record after the change, or null when no such job exists.
   */
  cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null>;

  /**
   * Puts a dead or cancelled job back in the queue for an operator: status queued, runAtMs =
   * nowMs, maxAttempts = attempt + 1 (one more try), error kept until the next attempt. Its
   * parents are not looked at again, and children it already resolved stay as they are.
   * Returns null when the job does not exist; throws `InvalidJobStateError` for other statuses.
   */
  retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null>;

  /** The job with this id (its attempt history included), or null when none exists. */
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
   * The earliest instant at which something may become due (waiting jobs never are): an unpaused schedule's nextFireAtMs
   * (or its lease expiry, when leased), a queued/failed job's runAtMs, a running or reserved
   * job's lease expiry. Null when nothing is pending. Lets a node sleep exactly until then (less
   * its look-ahead).
   */
  nextWakeAtMs(): Promise<number | null>;

  // ---- task gates: circuit breakers and rate limits (gate-types.ts) ------------------------

  /** Breaker records with their counted calls (see `ReadBreakersRequest`), ordered by task. */
  readBreakers(request: ReadBreakersRequest): Promise<BreakerRecord[]>;
  /** Adds attempts' outcomes to the tasks' call buckets (see `RecordBreakerCallsRequest`); atomic per task. */
  recordBreakerCalls(request: RecordBreakerCallsRequest): Promise<void>;
  /** Compare-and-set of a breaker's state (see `WriteBreakerRequest`). True when written. */
  writeBreaker(request: WriteBreakerRequest): Promise<boolean>;
  /** Takes or gives back rate-limit tokens (see `TakeRateTokensRequest`); one answer per request, in order. */
  takeRateTokens(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]>;

  // ---- nodes --------------------------------------------------------------------------------

  /** Inserts or replaces this node's record (every node calls it at start and then periodically). */
  upsertNode(node: NodeRecord): Promise<void>;
  /** Removes a node's record (at graceful stop). */
  removeNode(id: string): Promise<void>;
  /** Nodes seen after `seenAfterMs` (all when omitted), ordered by id. */
  listNodes(query?: { seenAfterMs?: number }): Promise<NodeRecord[]>;

  // ---- leadership ---------------------------------------------------------------------------

  /**
   * Tries to make `nodeId` the leader of `name`, atomically. It succeeds when no record exists
   * (term 1, version 1), when the record has no holder (released: term + 1), or when the record's
   * version still equals `observedVersion` — the candidate watched it unchanged for the holder's
   * lease on its own clock, so the holder has stopped acting (term + 1). Success sets holder =
   * nodeId, acquiredAtMs = renewedAtMs = nowMs, leaseMs, version + 1. Otherwise nothing changes.
   * Either way the record after the call is returned: the caller leads iff `holder === nodeId`
   * and `term` is new. The store never compares clocks to decide.
   */
  acquireLeadership(request: AcquireLeadershipRequest): Promise<LeaderRecord>;
  /**
   * Extends the holder's term: only when holder = nodeId and term = the given term (a fenced
   * write). Sets renewedAtMs = nowMs, leaseMs, version + 1 and returns the record; null when the
   * node no longer leads under that term (nothing changes).
   */
  renewLeadership(request: RenewLeadershipRequest): Promise<LeaderRecord | null>;
  /**
   * Gives leadership up at once (graceful stop): only under the holder's own term. Sets holder =
   * null and version + 1, keeps the term (the next acquisition takes term + 1). True when released.
   */
  releaseLeadership(request: ReleaseLeadershipRequest): Promise<boolean>;
  /** The leadership record of the election `name`, or null when no node ever acquired it. */
  getLeader(name: string): Promise<LeaderRecord | null>;
  /** Every election's record, ordered by name. */
  listLeaders(): Promise<LeaderRecord[]>;

  // ---- cluster event log --------------------------------------------------------------------

  /**
   * Appends events to the log shared by all nodes, in the given order, atomically: each gets the
   * next seq. Seqs are unique and increase in the order readers see the events — an append that
   * becomes visible later never takes a seq below one a reader has already seen (PostgreSQL
   * serializes appends for it). A store with push wake-ups signals `'events'` to the others.
   */
  appendEvents(events: readonly ClusterEventWrite[]): Promise<void>;
  /** Events with seq > afterSeq, ascending, at most `limit`; and how far the log was trimmed. */
  readEvents(request: ReadEventsRequest): Promise<ReadEventsResult>;
  /** The highest seq appended so far (0 for an empty log): where a reader that wants only new events starts. */
  eventCursor(): Promise<number>;
  /**
   * Deletes events with atMs < beforeMs, and keeps at most `keepLast` of the newest when given.
   * Raises `trimmedThroughSeq` to the highest seq deleted. Returns how many were deleted.
   */
  trimEvents(request: { beforeMs: number; keepLast?: number }): Promise<number>;

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

