import { BreakerGate, type BreakerChange } from '../breaker/breaker-gate.ts';
import type { BreakerPolicy } from '../breaker/breaker-options.ts';
import { rateBucketKey, type RateLimitPolicy } from '../rate-limit/rate-limit-options.ts';
import type { ClaimedJob, Store, TakeRateTokensRequest } from '../store/store.ts';
import type { TaskRegistry } from '../tasks/task-registry.ts';
import type { CompletionBatcher } from './completion-batcher.ts';

export interface GatedClaimsOptions {
  store: Store;
  nodeId: string;
  leaseMs: number;
  registry: TaskRegistry;
  /** The tasks this node claims (routing). */
  taskNames: readonly string[];
  completions: CompletionBatcher;
  /** How long a node holds a half-open breaker's probes (see `BreakerGate`). */
  probeHoldMs: number;
  onBreakerChange(change: BreakerChange): void;
  /** Jobs of a task with a rate limit per key were given back until their key has a token again. */
  onDeferred(task: string, jobs: number, delayMs: number): void;
  onError(error: unknown, during: string): void;
}

/**
 * The claim step of the tasks that have a gate — a circuit breaker, a rate limit or a cap across
 * the cluster (`maxConcurrent`). Tasks without one are claimed as before, in the node's one
 * batched claim, and pay nothing here; each gated task is claimed on its own, for what its gates
 * allow:
 *
 * - breaker: nothing while open (the jobs wait in the queue), the probes while this node holds
 *   it half-open (`BreakerGate.allowance`);
 * - rate limit per task: tokens are taken from the task's bucket in the store first, the claim
 *   asks for as many jobs, and tokens not used are given back;
 * - `maxConcurrent`: the store counts the task's running and reserved jobs in the claim itself
 *   (`ClaimJobsRequest.maxActive`), so nodes claiming at once never exceed it together;
 * - rate limit per key: the store cannot read payloads, so the claimed jobs take a token of their
 *   key's bucket, and those over it are given back (`deferred`) to start when a token is there.
 *
 * Gated tasks are never reserved ahead nor prefetched: a job started from a local timer, or held
 * waiting for a slot, would start past its gate.
 */
export class GatedClaims {
  readonly #options: GatedClaimsOptions;
  /** Tasks with a gate, in name order; `ungated` are the others this node claims. */
  readonly gated: readonly string[];
  readonly ungated: readonly string[];
  readonly breakers: BreakerGate | null;
  readonly #rates = new Map<string, RateLimitPolicy>();
  readonly #caps = new Map<string, number>();
  /** Gated tasks whose last claim came back short: claimed again only on a full pass. */
  readonly #dry = new Set<string>();
  /** When a task's bucket has a token again (the node wakes then to claim). */
  readonly #retryAtMs = new Map<string, number>();

  private constructor(options: GatedClaimsOptions, breakerPolicies: Map<string, BreakerPolicy>) {
    this.#options = options;
    const gated: string[] = [];
    const ungated: string[] = [];
    for (const name of options.taskNames) {
      const definition = options.registry.get(name)!;
      if (definition.rateLimit) this.#rates.set(name, definition.rateLimit);
      if (definition.maxConcurrent !== null) this.#caps.set(name, definition.maxConcurrent);
      (definition.breaker || definition.rateLimit || definition.maxConcurrent !== null ? gated : ungated).push(name);
    }
    this.gated = gated;
    this.ungated = ungated;
    this.breakers =
      breakerPolicies.size === 0
        ? null
        : new BreakerGate({
            store: options.store,
            nodeId: options.nodeId,
            policies: breakerPolicies,
            probeHoldMs: options.probeHoldMs,
            onChange: options.onBreakerChange,
            onError: options.onError,
          });
  }

  /** Null when no task this node claims has a gate: the node's claim is then exactly as without gates. */
  static for(options: GatedClaimsOptions): GatedClaims | null {
    const breakers = new Map<string, BreakerPolicy>();
    let any = false;
    for (const name of options.taskNames) {
      const definition = options.registry.get(name)!;
      if (definition.breaker) breakers.set(name, definition.breaker);
      any ||= definition.breaker !== null || definition.rateLimit !== null || definition.maxConcurrent !== null;
    }
    return any ? new GatedClaims(options, breakers) : null;
  }

  isGated(task: string): boolean {
    return this.gated.includes(task);
  }

  /** When this node should claim again for its gates: a rate-limited task's next token, a breaker's next step. */
  wakeAtMs(nowMs: number): number | null {
    let earliest: number | null = this.breakers?.wakeAtMs() ?? null;
    // A token that came due since the last claim: claim again at once (the claim drops the entry).
    for (const atMs of this.#retryAtMs.values()) earliest = Math.min(earliest ?? atMs, Math.max(atMs, nowMs + 1));
    return earliest;
  }

  /** Claims jobs of the gated tasks for up to `free` slots; `full`: also tasks that came back short last time. */
  async claim(now: () => number, free: number, full: boolean): Promise<ClaimedJob[]> {
    const { store, nodeId, leaseMs } = this.#options;
    const breakers = this.breakers;
    if (breakers?.due(now())) {
      try {
        await breakers.check(now());
      } catch (error) {
        this.#options.onError(error, 'checking circuit breakers');
      }
    }
    // After the check's round trips: the claim's instant is the job's start.
    const nowMs = now();
    for (const [task, atMs] of this.#retryAtMs) if (atMs <= nowMs) this.#retryAtMs.delete(task);
    const claimed: ClaimedJob[] = [];
    for (const task of this.gated) {
      if (free <= 0) break;
      if (!full && this.#dry.has(task)) continue;
      let want = Math.min(free, breakers ? breakers.allowance(task, nowMs) : Number.POSITIVE_INFINITY);
      if (want <= 0) continue;
      const rate = this.#rates.get(task);
      const taskBucket = rate && rate.key === null ? rate : null;
      if (taskBucket) {
        if (this.#retryAtMs.has(task)) continue; // its bucket has no token before that instant
        const [tokens] = await store.takeRateTokens([{ key: rateBucketKey(task), nowMs, intervalMs: taskBucket.intervalMs, burst: taskBucket.burst, want }]);
        want = tokens!.granted;
        if (want < 1) {
          // At least a millisecond on: a token due within this one must still wake the node, not
          // be taken for a wake-up already past (which would leave it to the poll interval).
          this.#retryAtMs.set(task, Math.max(nowMs + 1, Math.ceil(tokens!.retryAtMs)));
          continue;
        }
        this.#retryAtMs.delete(task);
      }
      const cap = this.#caps.get(task);
      const jobs = await store.claimJobs({ nodeId, nowMs, leaseMs, limit: want, tasks: [task], ...(cap === undefined ? {} : { maxActive: cap }) });
      if (taskBucket && jobs.length < want) {
        await store.takeRateTokens([{ key: rateBucketKey(task), nowMs, intervalMs: taskBucket.intervalMs, burst: taskBucket.burst, want: jobs.length - want }]);
      }
      // Short because the queue ran dry (not because of the cap, which frees as jobs finish).
      if (jobs.length < want && cap === undefined) this.#dry.add(task);
      else this.#dry.delete(task);
      breakers?.started(task, jobs.length);
      free -= jobs.length;
      for (const job of jobs) claimed.push(job);
    }
    return this.#admitByKey(claimed, nowMs);
  }

  /** A job of a gated task ended its attempt (for the breaker's counts). */
  attemptEnded(task: string, succeeded: boolean, nowMs: number): void {
    this.breakers?.attemptEnded(task, succeeded, nowMs);
  }

  /** Something changed in the store (new jobs): look at the tasks that came back short again. */
  forgetDry(): void {
    this.#dry.clear();
  }

  /**
   * Takes a token per claimed job of a task limited per key (one store call for all keys); jobs
   * over their key's limit are given back to start when it has a token again, spread one token
   * apart so that they do not all come back at once.
   */
  async #admitByKey(claimed: ClaimedJob[], nowMs: number): Promise<ClaimedJob[]> {
    const byKey = new Map<string, { policy: RateLimitPolicy; task: string; jobs: ClaimedJob[] }>();
    const admitted: ClaimedJob[] = [];
    for (const job of claimed) {
      const policy = this.#rates.get(job.task);
      if (!policy?.key || job.unreadable) {
        admitted.push(job);
        continue;
      }
      let key: string;
      try {
        key = rateBucketKey(job.task, String(policy.key(job.data)));
      } catch (error) {
        // A key function that throws must not stop the job: it runs, and the error is reported.
        this.#options.onError(error, `computing the rate-limit key of job ${job.id}`);
        admitted.push(job);
        continue;
      }
      const group = byKey.get(key) ?? { policy, task: job.task, jobs: [] };
      group.jobs.push(job);
      byKey.set(key, group);
    }
    if (byKey.size === 0) return admitted;
    const requests: TakeRateTokensRequest[] = [...byKey].map(([key, { policy, jobs }]) => ({ key, nowMs, intervalMs: policy.intervalMs, burst: policy.burst, want: jobs.length }));
    const answers = await this.#options.store.takeRateTokens(requests);
    [...byKey.values()].forEach(({ policy, task, jobs }, index) => {
      const { granted, retryAtMs } = answers[index]!;
      for (const job of jobs.slice(0, granted)) admitted.push(job);
      const over = jobs.slice(granted);
      over.forEach((job, i) => {
        const runAtMs = Math.ceil(Math.max(nowMs + 1, retryAtMs + i * policy.intervalMs));
        this.#options.completions
          .complete({ jobId: job.id, fencingToken: job.fencingToken, nowMs, completion: { status: 'deferred', runAtMs } })
          .catch((error: unknown) => this.#options.onError(error, `deferring job ${job.id}`));
      });
      if (over.length > 0) this.#options.onDeferred(task, over.length, Math.max(0, retryAtMs - nowMs));
    });
    return admitted;
  }
}
