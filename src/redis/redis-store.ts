import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import type { JobRecord, JobStatus, NewJob } from '../domain/job.ts';
import type { NodeRecord } from '../domain/node.ts';
import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import { InvalidArgumentError, InvalidJobStateError, StoreSchemaError, StoreUnavailableError } from '../errors.ts';
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
  StoreSignal,
  StoreWarning,
  WriteOptions,
} from '../store/store.ts';
import { decodeClaimedRows, decodeJob, decodeSchedule, optionalNumberArg } from './codecs.ts';
import type { ReplyValue } from './codecs.ts';
import { durabilityWarnings } from './durability-warnings.ts';
import type { RedisStoreOptions } from './redis-store-options.ts';
import type { FlatHash } from './codecs.ts';
import { keyLayout } from './key-layout.ts';
import type { KeyLayout } from './key-layout.ts';
import { listJobs, listSchedules } from './list-queries.ts';
import { toStoreError } from './redis-errors.ts';
import { migrateSchema } from './schema-migrations.ts';
import { defineScripts, runScript } from './scripts.ts';
import type { ScriptName } from './scripts.ts';
import { Subscriber } from './subscriber.ts';
import { claimArgs, completionArgs, pushNewJobArgs, pushScheduleWriteArgs } from './store-args.ts';
import { addFinished, emptyJobStats, jobStatsRange, setStatusCount } from '../store/job-stats-buckets.ts';

/**
 * 2: one claim queue per task (routing). 3: reserved jobs (status `reserved`, in `jlease` and
 * `sres:<scheduleId>`), lean claim replies; an older node must not run against them.
 */
const schemaVersion = 3;
const purgeChunk = 1000;
/** Jobs per enqueue script, schedules per upsert script. */
const enqueueChunk = 1000;
const upsertChunk = 500;

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
  }

  async open(): Promise<void> {
    if (this.#client) return;
    const client = this.#options.client ?? this.#createClient();
    client.on('error', this.#onError);
    try {
      if (client.status === 'wait') await client.connect();
      defineScripts(client);
      const version = await client.hget(this.#keys.meta, 'schema');
      if (version !== null && Number(version) > schemaVersion) {
        throw new StoreSchemaError(`RedisStore ${this.prefix}: data written by a newer Sundial (schema ${version}, this one knows ${schemaVersion})`);
      }
      if (version === null) await client.hsetnx(this.#keys.meta, 'schema', String(schemaVersion));
      else if (Number(version) < schemaVersion) await migrateSchema(client, this.#keys, Number(version), schemaVersion);
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
    if (this.#options.client) {
      client.off('error', this.#onError);
      return;
    }
    try {
      await client.quit();
    } catch {
      // Already disconnected: nothing left to release.
      client.disconnect();
    } finally {
      // A call still in flight at close fails through its promise; the error the closed client
      // emits for it must not become an unhandled 'error' event.
      client.off('error', this.#onError);
      client.on('error', ignoreClosedClientError);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #createClient(): Redis {
    return new Redis(this.url, {
      lazyConnect: true,
      connectionName: `sundial:${this.prefix}`,
      maxRetriesPerRequest: this.#options.maxRetriesPerRequest ?? 1,
      commandTimeout: this.#options.commandTimeoutMs ?? 5000,
      // Quick first retries (a CLIENT KILL or failover), then at most every 2 s while Redis is down.
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      ...this.#options.redisOptions,
    });
  }

  // ---- schedules ----------------------------------------------------------------------------

  async upsertSchedule(write: ScheduleWrite, options?: WriteOptions): Promise<ScheduleRecord> {
    const [record] = await this.upsertSchedules([write], options);
    return record!;
  }

  /** Many writes in few scripts: one per `upsertChunk` writes, each applied in order. */
  async upsertSchedules(writes: readonly ScheduleWrite[], options?: WriteOptions): Promise<ScheduleRecord[]> {
    refuseTransaction(options);
    const records: ScheduleRecord[] = [];
    for (let from = 0; from < writes.length; from += upsertChunk) {
      const chunk = writes.slice(from, from + upsertChunk);
      const args: string[] = [this.#instanceId];
      for (const write of chunk) pushScheduleWriteArgs(args, write);
      const rows = (await this.#script('upsertSchedule', args)) as FlatHash[];
      chunk.forEach((write, i) => records.push(decodeSchedule(write.id, rows[i] ?? [])));
    }
    return records;
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    const flat = await this.#call('getSchedule', (client) => client.call('HGETALL', this.#keys.schedule(id)) as Promise<string[]>);
    return flat.length === 0 ? null : decodeSchedule(id, flat);
  }

  async listSchedules(query: ScheduleQuery = {}): Promise<ScheduleRecord[]> {
    return this.#call('listSchedules', (client) => listSchedules(client, this.#keys, query));
  }

  async removeSchedule(id: string, nowMs: number): Promise<boolean> {
    return Number(await this.#script('removeSchedule', [id, nowMs])) > 0;
  }

  async updateSchedule(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    const paused = patch.paused === undefined ? '' : patch.paused ? '1' : '0';
    const setNext = patch.nextFireAtMs === undefined ? '0' : '1';
    const flat = (await this.#script('updateSchedule', [this.#instanceId, id, nowMs, paused, setNext, optionalNumberArg(patch.nextFireAtMs)])) as FlatHash;
    return flat.length === 0 ? null : decodeSchedule(id, flat);
  }

  async acquireDueSchedules(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    if (request.limit <= 0) return [];
    const rows = (await this.#script('acquireSchedules', [request.nodeId, request.nowMs, request.leaseMs, request.limit, request.horizonMs ?? 0])) as Array<[string, FlatHash, number]>;
    return rows.map(([id, flat, activeJobs]) => {
      const schedule = decodeSchedule(id, flat);
      return { schedule, leaseToken: schedule.leaseToken, activeJobs: Number(activeJobs) };
    });
  }

  async releaseSchedules(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]> {
    if (requests.length === 0) return [];
    const args: string[] = [this.#instanceId];
    for (const r of requests) {
      args.push(r.scheduleId, String(r.leaseToken), String(r.nowMs), optionalNumberArg(r.nextFireAtMs), optionalNumberArg(r.lastFireAtMs));
      args.push(String(r.skipped), String(r.missed), r.end ? '1' : '0', r.reserve?.nodeId ?? '', String(r.reserve?.leaseMs ?? 0), String(r.jobs.length));
      for (const job of r.jobs) pushNewJobArgs(args, job);
    }
    const rows = (await this.#script('releaseSchedules', args)) as Array<[number, ReplyValue[]]>;
    return requests.map((request, i) => {
      const [released, created] = rows[i] ?? [0, []];
      return { scheduleId: request.scheduleId, released: released === 1, created: decodeClaimedRows(created) };
    });
  }

  // ---- jobs ---------------------------------------------------------------------------------

  async enqueueJobs(jobs: readonly NewJob[], options?: WriteOptions): Promise<EnqueueResult[]> {
    refuseTransaction(options);
    if (jobs.length === 0) return [];
    const results: EnqueueResult[] = [];
    // One script per chunk: each chunk is atomic, and Redis is never blocked long by one call.
    for (let from = 0; from < jobs.length; from += enqueueChunk) {
      const args: string[] = [this.#instanceId];
      const end = Math.min(jobs.length, from + enqueueChunk);
      for (let i = from; i < end; i++) pushNewJobArgs(args, jobs[i]!);
      const rows = (await this.#script('enqueueJobs', args)) as Array<1 | [string, FlatHash]>;
      for (const row of rows) results.push(row === 1 ? { created: true } : { created: false, job: decodeJob(row[0], row[1]) });
    }
    return results;
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
    const { firstBucketMs, lastBucketMs, bucketMs } = range;
    const [countsFlat, buckets] = (await this.#script('jobStats', [firstBucketMs, lastBucketMs, bucketMs])) as [string[], number[]];
    const stats = emptyJobStats(range);
    for (let i = 0; i + 1 < countsFlat.length; i += 2) setStatusCount(stats, String(countsFlat[i]), Number(countsFlat[i + 1]));
    // The script answers three counts per bucket, oldest bucket first.
    stats.finished.forEach(({ bucketStartMs }, index) => {
      addFinished(stats, range, 'succeeded', bucketStartMs, Number(buckets[index * 3] ?? 0));
      addFinished(stats, range, 'dead', bucketStartMs, Number(buckets[index * 3 + 1] ?? 0));
      addFinished(stats, range, 'cancelled', bucketStartMs, Number(buckets[index * 3 + 2] ?? 0));
    });
    return stats;
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

  // ---- nodes --------------------------------------------------------------------------------

  async upsertNode(node: NodeRecord): Promise<void> {
    await this.#call('upsertNode', (client) => client.hset(this.#keys.nodes, node.id, JSON.stringify(node)));
  }

  async removeNode(id: string): Promise<void> {
    await this.#call('removeNode', (client) => client.hdel(this.#keys.nodes, id));
  }

  async listNodes(query: { seenAfterMs?: number } = {}): Promise<NodeRecord[]> {
    const values = await this.#call('listNodes', (client) => client.hvals(this.#keys.nodes));
    const { seenAfterMs } = query;
    return values
      .map((value) => JSON.parse(value) as NodeRecord)
      .filter((node) => seenAfterMs === undefined || node.lastSeenAtMs > seenAfterMs)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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

/** Errors of a client this store opened and closed: whatever they are about, nobody waits for it. */
function ignoreClosedClientError(): void {}

export type { RedisStoreOptions } from './redis-store-options.ts';

/** A second connection like `client` (Redis and Cluster both have `duplicate`, with different signatures). */
function duplicate(client: Redis | Cluster): Redis | Cluster {
  return client instanceof Redis ? client.duplicate() : client.duplicate();
}

/** Redis writes cannot join a caller's transaction: refuse rather than pretend to (see WriteOptions). */
function refuseTransaction(options: WriteOptions | undefined): void {
  if (options?.tx !== undefined) {
    throw new InvalidArgumentError("The Redis store cannot join a caller's transaction (options.tx); use PostgresStore for transactional enqueue");
  }
}
