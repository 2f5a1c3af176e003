import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import { InvalidArgumentError, InvalidJobStateError, StoreUnavailableError } from '../errors.ts';
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
  SchedulePatch,
  ScheduleQuery,
  Store,
  StoreCapabilities,
  StoreSignal,
  StoreWarning,
  TakeRateTokensRequest,
  WriteBreakerRequest,
  WriteOptions,
} from '../store/store.ts';
import { decodeClaimedRows, decodeJob, decodeJobStats, optionalNumberArg } from './codecs.ts';
import type { FlatHash, ReplyValue } from './codecs.ts';
import { RedisBreakers } from './breakers.ts';
import { createClient, duplicate, quitClient } from './connection.ts';
import { durabilityWarnings } from './durability-warnings.ts';
import { enqueueJobs } from './enqueue-jobs.ts';
import { RedisEventLog } from './event-log.ts';
import { RedisLeadership } from './leadership.ts';
import { RedisNodes } from './nodes.ts';
import { RedisRateTokens } from './rate-tokens.ts';
import { RedisSchedules } from './schedules.ts';
import type { StoreCalls } from './store-calls.ts';
import type { RedisStoreOptions } from './redis-store-options.ts';
import { keyLayout } from './key-layout.ts';
import type { KeyLayout } from './key-layout.ts';
import { listJobs } from './list-queries.ts';
import { toStoreError } from './redis-errors.ts';
import { ensureSchema } from './schema-migrations.ts';
import { defineScripts, runScript } from './scripts.ts';
import type { ScriptName } from './scripts.ts';
import { Subscriber } from './subscriber.ts';
import { claimArgs, completionArgs } from './store-args.ts';
import { jobStatsRange } from '../store/job-stats-buckets.ts';

const purgeChunk = 1000;

/**
 * The store for high-throughput production: any number of processes share one Redis (or a
 * Cluster: all keys share the `{prefix}` hash tag). Every state change is one Lua script, so it is
 * atomic; other nodes are woken over pub/sub.
 *
 * @example
 * const store = new RedisStore({ url: process.env.REDIS_URL, prefix: 'sundial' });
 * await store.open();
 */
export class RedisStore implements Store {
  readonly name = 'redis';
  readonly capabilities: StoreCapabilities = { multiProcess: true, pushWakeups: true, transactionalWrites: false };
  readonly prefix: string;
  readonly url: string;
  readonly #options: RedisStoreOptions;
  readonly #keys: KeyLayout;
  readonly #instanceId = randomUUID();
  readonly #nodes: RedisNodes;
  readonly #leadership: RedisLeadership;
  readonly #events: RedisEventLog;
  readonly #calls: StoreCalls;
  readonly #schedules: RedisSchedules;
  readonly #breakers: RedisBreakers;
  readonly #rateTokens: RedisRateTokens;
  #client: Redis | Cluster | null = null;
  #subscriber: Subscriber | null = null;
  /** The last connection error ioredis reported (it reconnects by itself); kept as context. */
  lastConnectionError: Error | null = null;
  readonly #onError = (error: Error) => {
    this.lastConnectionError = error;
  };

  constructor(options: RedisStoreOptions = {}) {
    this.#options = options;
    this.prefix = options.prefix ?? 'sundial';
    if (this.prefix.includes('{') || this.prefix.includes('}')) {
      throw new InvalidArgumentError(`Expected \`prefix\` without braces (it becomes the hash tag), got "${this.prefix}"`);
    }
    this.url = options.url ?? 'redis://127.0.0.1:6379';
    this.#keys = keyLayout(this.prefix);
    const calls: StoreCalls = {
      keys: this.#keys,
      instanceId: this.#instanceId,
      script: (name, args) => this.#script(name, args),
      call: (operation, body) => this.#call(operation, body),
    };
    this.#calls = calls;
    this.#schedules = new RedisSchedules(calls);
    this.#nodes = new RedisNodes(calls);
    this.#leadership = new RedisLeadership(calls);
    this.#events = new RedisEventLog(calls);
    this.#breakers = new RedisBreakers(calls);
    this.#rateTokens = new RedisRateTokens(calls);
  }

  async open(): Promise<void> {
    if (this.#client) return;
    const client = this.#options.client ?? createClient(this.url, this.prefix, this.#options);
    client.on('error', this.#onError);
    try {
      if (client.status === 'wait') await client.connect();
      defineScripts(client);
      await ensureSchema(client, this.#keys, this.prefix);
    } catch (error) {
      client.off('error', this.#onError);
      if (!this.#options.client) client.disconnect();
      throw toStoreError(error, this.prefix, 'open');
    }
    this.#client = client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = null;
    this.#subscriber?.close();
    this.#subscriber = null;
    if (this.#options.client) client.off('error', this.#onError);
    else await quitClient(client, this.#onError);
  }

  /** Same as `close()`, for `await using store = new RedisStore(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- schedules ----------------------------------------------------------------------------

  async upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord> {
    const [record] = await this.upsertSchedules([write], options);
    return record!;
  }

  /** Many writes in few scripts (schedules.ts), each applied in order. */
  upsertSchedules(writes: readonly ScheduleWrite[], options?: WriteOptions): Promise<ScheduleRecord[]> {
    refuseTransaction(options);
    return this.#schedules.upsert(writes);
  }

  getSchedule(id: string): Promise<ScheduleRecord | null> {
    return this.#schedules.get(id);
  }

  listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    return this.#schedules.list(query);
  }

  removeSchedule(id: string, nowMs: number): Promise<boolean> {
    return this.#schedules.remove(id, nowMs);
  }

  updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    return this.#schedules.update(id, patch, nowMs);
  }

  acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    return this.#schedules.acquireDue(request);
  }

  releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]> {
    return this.#schedules.release(requests);
  }

  // ---- jobs ---------------------------------------------------------------------------------

  /** A flow's batch in one script, others in chunks (enqueue-jobs.ts). */
  async enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]> {
    refuseTransaction(options);
    return enqueueJobs(this.#calls, jobs);
  }

  async claimJobs(request: ClaimJobsRequest): Promise<ClaimedJob[]> {
    const tasks = [...new Set(request.tasks)];
    const args = claimArgs(request);
    if (tasks.length === 0 || (args[3] === '0' && args[5] === '0')) return [];
    const row = (await this.#script('claimJobs', [this.#instanceId, ...args, ...tasks])) as ReplyValue[];
    return decodeClaimedRows(row);
  }

  async completeAndClaim(request: CompleteAndClaimRequest): Promise<CompleteAndClaimResult> {
    const tasks = [...new Set(request.claim.tasks)];
    const args: string[] = [this.#instanceId, ...claimArgs(request.claim), String(tasks.length), ...tasks];
    for (const completion of request.completions) args.push(...completionArgs(completion));
    const [flags, row] = (await this.#script('completeAndClaim', args)) as [number[], ReplyValue[]];
    return {
      completed: request.completions.map((completion, i) => ({ jobId: completion.jobId, completed: flags[i] === 1 })),
      claimed: decodeClaimedRows(row),
    };
  }

  async renewLeases(request: RenewLeasesRequest): Promise<LeaseRenewal[]> {
    if (request.leases.length === 0) return [];
    const args: string[] = [request.nodeId, String(request.nowMs), String(request.leaseMs)];
    for (const lease of request.leases) args.push(lease.jobId, String(lease.fencingToken), optionalNumberArg(lease.startedAtMs));
    const flags = (await this.#script('renewLeases', args)) as number[];
    return request.leases.map((lease, i) => ({ jobId: lease.jobId, held: flags[2 * i] === 1, cancelRequested: flags[2 * i + 1] === 1 }));
  }

  async completeJobs(requests: readonly CompleteJobRequest[]): Promise<CompleteJobResult[]> {
    if (requests.length === 0) return [];
    const args: string[] = [this.#instanceId];
    for (const request of requests) args.push(...completionArgs(request));
    const flags = (await this.#script('completeJobs', args)) as number[];
    return requests.map((request, i) => ({ jobId: request.jobId, completed: flags[i] === 1 }));
  }

  async findExpiredLeases(request: { nowMs: number; limit: number }): Promise<JobRecord[]> {
    if (request.limit <= 0) return [];
    const rows = (await this.#script('findExpiredLeases', [request.nowMs, request.limit])) as Array<[string, FlatHash]>;
    return rows.map(([id, flat]) => decodeJob(id, flat));
  }

  async cancelJob(request: { jobId: string; nowMs: number; reason: string }): Promise<JobRecord | null> {
    const error = JSON.stringify({ name: 'JobCancelledError', message: request.reason, code: 'JOB_CANCELLED' });
    const flat = (await this.#script('cancelJob', [this.#instanceId, request.jobId, request.nowMs, error])) as FlatHash;
    return flat.length === 0 ? null : decodeJob(request.jobId, flat);
  }

  async retryJob(request: { jobId: string; nowMs: number }): Promise<JobRecord | null> {
    const reply = (await this.#script('retryJob', [this.#instanceId, request.jobId, request.nowMs])) as [] | ['ok', FlatHash] | ['state', string];
    if (reply.length === 0) return null;
    if (reply[0] === 'state') {
      throw new InvalidJobStateError(`Job ${request.jobId} is ${reply[1]}: only a dead or cancelled job can be retried`);
    }
    return decodeJob(request.jobId, reply[1]);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const flat = await this.#call('getJob', (client) => client.call('HGETALL', this.#keys.job(id)) as Promise<string[]>);
    return flat.length === 0 ? null : decodeJob(id, flat);
  }

  async listJobs(query: JobQuery = {}): Promise<JobRecord[]> {
    return this.#call('listJobs', (client) => listJobs(client, this.#keys, query));
  }

  async jobStats(query: JobStatsQuery): Promise<JobStats> {
    const range = jobStatsRange(query);
    const reply = (await this.#script('jobStats', [range.firstBucketMs, range.lastBucketMs, range.bucketMs])) as [string[], number[]];
    return decodeJobStats(range, ...reply);
  }

  async purgeJobs(request: { finishedBeforeMs: number; statuses?: readonly JobStatus[] }): Promise<number> {
    const statuses = (['succeeded', 'dead', 'cancelled'] as const).filter((s) => request.statuses === undefined || request.statuses.includes(s));
    let total = 0;
    // In chunks: each chunk is atomic, and Redis is never blocked by one long script.
    for (const status of statuses) {
      for (;;) {
        const deleted = Number(await this.#script('purgeJobs', [status, request.finishedBeforeMs, purgeChunk]));
        total += deleted;
        if (deleted < purgeChunk) break;
      }
    }
    return total;
  }

  async nextWakeAtMs(): Promise<number | null> {
    const value = (await this.#script('nextWake', [])) as string | null;
    return value === null ? null : Number(value);
  }

  // ---- task gates (breakers.ts, rate-tokens.ts) ---------------------------------------------

  readBreakers(request: ReadBreakersRequest): Promise<BreakerRecord[]> {
    return this.#breakers.read(request);
  }

  recordBreakerCalls(request: RecordBreakerCallsRequest): Promise<void> {
    return this.#breakers.record(request);
  }

  writeBreaker(request: WriteBreakerRequest): Promise<boolean> {
    return this.#breakers.write(request);
  }

  takeRateTokens(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]> {
    return this.#rateTokens.take(requests);
  }

  // ---- nodes --------------------------------------------------------------------------------

  upsertNode(node: NodeRecord): Promise<void> {
    return this.#nodes.upsert(node);
  }

  removeNode(id: string): Promise<void> {
    return this.#nodes.remove(id);
  }

  listNodes(query?: { seenAfterMs?: number }): Promise<NodeRecord[]> {
    return this.#nodes.list(query);
  }

  // ---- leadership (leadership.ts) -----------------------------------------------------------

  acquireLeadership(request: AcquireLeadershipRequest): Promise<LeaderRecord> {
    return this.#leadership.acquire(request);
  }

  renewLeadership(request: RenewLeadershipRequest): Promise<LeaderRecord | null> {
    return this.#leadership.renew(request);
  }

  releaseLeadership(request: ReleaseLeadershipRequest): Promise<boolean> {
    return this.#leadership.release(request);
  }

  getLeader(name: string): Promise<LeaderRecord | null> {
    return this.#leadership.get(name);
  }

  listLeaders(): Promise<LeaderRecord[]> {
    return this.#leadership.list();
  }

  // ---- cluster event log (event-log.ts) -----------------------------------------------------

  appendEvents(events: readonly ClusterEventWrite[]): Promise<void> {
    return this.#events.append(events);
  }

  readEvents(request: ReadEventsRequest): Promise<ReadEventsResult> {
    return this.#events.read(request);
  }

  eventCursor(): Promise<number> {
    return this.#events.cursor();
  }

  trimEvents(request: { beforeMs: number; keepLast?: number }): Promise<number> {
    return this.#events.trim(request);
  }

  subscribe(listener: (signal: StoreSignal) => void): () => void {
    const client = this.#requireClient('subscribe');
    this.#subscriber ??= new Subscriber({ open: () => duplicate(client), channel: this.#keys.signals, instanceId: this.#instanceId });
    return this.#subscriber.add(listener);
  }

  /**
   * What the Redis server(s) holding this store are configured to lose (see
   * `Store.durabilityWarnings`): no AOF and no RDB snapshots, or a `maxmemory-policy` other than
   * `noeviction`; on a Cluster, every node is checked. When CONFIG is disabled or denied, one
   * `durability-unchecked` warning instead of a failure.
   */
  async durabilityWarnings(): Promise<StoreWarning[]> {
    return durabilityWarnings(this.#requireClient('durabilityWarnings'));
  }

  // ---- plumbing -----------------------------------------------------------------------------

  #requireClient(operation: string): Redis | Cluster {
    if (!this.#client) throw new StoreUnavailableError(`RedisStore ${this.prefix}: ${operation} called before open()`);
    return this.#client;
  }

  async #call<T>(operation: string, body: (client: Redis | Cluster) => Promise<T>): Promise<T> {
    const client = this.#requireClient(operation);
    try {
      return await body(client);
    } catch (error) {
      throw toStoreError(error, this.prefix, operation);
    }
  }

  #script(name: ScriptName, args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.#call(name, (client) => runScript(client, name, this.#keys.meta, [this.#keys.base, ...args]));
  }
}

export type { RedisStoreOptions } from './redis-store-options.ts';

/** Redis writes cannot join a caller's transaction: refuse rather than pretend to (see WriteOptions). */
function refuseTransaction(options: WriteOptions | undefined): void {
  if (options?.tx !== undefined) {
    throw new InvalidArgumentError("The Redis store cannot join a caller's transaction (options.tx); use PostgresStore for transactional enqueue");
  }
}
