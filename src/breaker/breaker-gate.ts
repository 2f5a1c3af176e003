import type { Store } from '../store/store.ts';
import type { BreakerRecord, BreakerState, WriteBreakerRequest } from '../store/gate-types.ts';
import type { BreakerPolicy } from './breaker-options.ts';
import { afterWrite, automaticWrite, initialWrite, probeFailedWrite, probesSucceededWrite } from './breaker-rules.ts';

/** Why a breaker changed (see `breaker.changed`). */
export type BreakerChangeReason = 'failure-rate' | 'open-for-passed' | 'probe-takeover' | 'probe-failed' | 'probes-succeeded';

export interface BreakerChange {
  task: string;
  from: BreakerState;
  to: BreakerState;
  reason: BreakerChangeReason;
  /** The calls counted in the window when it opened on its failure rate. */
  calls?: { succeeded: number; failed: number };
}

/** The probes of one half-open term (a record version) this node holds. */
interface ProbeCount {
  version: number;
  started: number;
  succeeded: number;
  failed: boolean;
}

export interface BreakerGateOptions {
  store: Store;
  nodeId: string;
  /** The breakers of the tasks this node runs, by task. */
  policies: ReadonlyMap<string, BreakerPolicy>;
  /** How long a node holds a half-open breaker's probes before another node may take them over. */
  probeHoldMs: number;
  /** This node changed a breaker (its write won). */
  onChange(change: BreakerChange): void;
  onError(error: unknown, during: string): void;
}

/**
 * One node's view of the breakers of the tasks it runs. The state lives in the store, shared by
 * all nodes: this node adds its attempts' outcomes to the task's call buckets, reads the
 * breakers back at most every `checkEveryMs` (a tenth of the shortest window, at most 1 s), and
 * applies the transitions the rules call for; a compare-and-set makes one node's write win. The
 * claim asks `allowance(task)` before it takes the task's jobs.
 */
export class BreakerGate {
  readonly #options: BreakerGateOptions;
  readonly #records = new Map<string, BreakerRecord | null>();
  readonly #pending = new Map<string, { succeeded: number; failed: number }>();
  /** Probes this node let through while it holds a half-open breaker (by task). */
  readonly #probes = new Map<string, ProbeCount>();
  readonly #checkEveryMs: number;
  #lastCheckAtMs = Number.NEGATIVE_INFINITY;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: BreakerGateOptions) {
    this.#options = options;
    let shortest = Number.POSITIVE_INFINITY;
    for (const policy of options.policies.values()) shortest = Math.min(shortest, policy.bucketMs);
    this.#checkEveryMs = Math.min(1_000, shortest);
  }

  get tasks(): Iterable<string> {
    return this.#options.policies.keys();
  }

  /** The breakers as this node last read them (tasks without a record yet are closed). */
  states(): Array<{ task: string; state: BreakerState }> {
    return [...this.#options.policies.keys()].map((task) => ({ task, state: this.#records.get(task)?.state ?? 'closed' }));
  }

  /**
   * When the node should look again even if nothing else wakes it: an open breaker's end, a
   * half-open one's probe hold, or the next check while outcomes wait to be counted.
   */
  wakeAtMs(): number | null {
    let earliest: number | null = this.#pending.size > 0 ? this.#lastCheckAtMs + this.#checkEveryMs : null;
    const earlier = (atMs: number | null) => {
      if (atMs !== null && (earliest === null || atMs < earliest)) earliest = atMs;
    };
    for (const record of this.#records.values()) {
      if (record === null || record.forced !== null) continue;
      if (record.state === 'open') earlier(record.openUntilMs);
      else if (record.state === 'half-open') earlier(record.probeUntilMs);
    }
    // Only a check moves a breaker on: never before the next one is due.
    return earliest === null ? null : Math.max(earliest, this.#lastCheckAtMs + this.#checkEveryMs);
  }

  /** Due for a check: the claim awaits `check` first. */
  due(nowMs: number): boolean {
    return nowMs - this.#lastCheckAtMs >= this.#checkEveryMs;
  }

  /**
   * How many of the task's jobs may start now: none while open (or half-open with the probes held
   * by another node), the probes left while this node holds them, no bound while closed.
   */
  allowance(task: string, nowMs: number): number {
    const record = this.#records.get(task);
    if (!record || record.state === 'closed' || record.forced === 'closed') return Number.POSITIVE_INFINITY;
    if (record.state === 'open') return 0;
    if (record.probeOwner !== this.#options.nodeId || (record.probeUntilMs !== null && record.probeUntilMs <= nowMs)) return 0;
    const policy = this.#options.policies.get(task)!;
    const probes = this.#probeCount(record);
    // A failed probe opens the breaker again (its write may still be on its way): no more probes.
    return probes.failed ? 0 : Math.max(0, policy.halfOpenProbes - probes.started);
  }

  /** The claim took `count` of the task's jobs: while half-open, they are the probes. */
  started(task: string, count: number): void {
    const record = this.#records.get(task);
    if (record?.state === 'half-open' && record.probeOwner === this.#options.nodeId) this.#probeCount(record).started += count;
  }

  /** An attempt of a task with a breaker ended (cancellations and lost leases are not calls). */
  attemptEnded(task: string, succeeded: boolean, nowMs: number): void {
    const policy = this.#options.policies.get(task);
    if (!policy) return;
    let counts = this.#pending.get(task);
    if (!counts) this.#pending.set(task, (counts = { succeeded: 0, failed: 0 }));
    if (succeeded) counts.succeeded++;
    else counts.failed++;
    const record = this.#records.get(task);
    if (record?.state !== 'half-open' || record.probeOwner !== this.#options.nodeId || record.forced !== null) return;
    const probes = this.#probeCount(record);
    if (!succeeded) {
      probes.failed = true;
      this.#write(record, probeFailedWrite(policy, record, nowMs), 'probe-failed');
    }
    else if (++probes.succeeded >= policy.halfOpenProbes) this.#write(record, probesSucceededWrite(record, nowMs), 'probes-succeeded');
  }

  /** Writes the counted calls, reads the breakers, and applies the transitions due. */
  async check(nowMs: number): Promise<void> {
    this.#lastCheckAtMs = nowMs;
    const { store, policies } = this.#options;
    await this.#writes;
    await this.#flushCalls(nowMs);
    // One read per window length (usually one in all): the counts are summed over each task's own window.
    const byWindow = new Map<number, string[]>();
    for (const [task, policy] of policies) {
      const tasks = byWindow.get(policy.windowMs);
      if (tasks) tasks.push(task);
      else byWindow.set(policy.windowMs, [task]);
    }
    for (const [windowMs, tasks] of byWindow) {
      const read = await store.readBreakers({ tasks, sinceMs: nowMs - windowMs });
      const found = new Map(read.map((record) => [record.task, record]));
      for (const task of tasks) {
        const record = found.get(task) ?? null;
        this.#records.set(task, record);
        if (record === null) {
          // A breaker's calls count only once it has a record: the first node to run the task makes it.
          if (await store.writeBreaker(initialWrite(task, nowMs))) this.#records.set(task, afterWrite(null, initialWrite(task, nowMs)));
          continue;
        }
        const write = automaticWrite(policies.get(task)!, record, nowMs, this.#options.nodeId, this.#options.probeHoldMs);
        if (write) await this.#apply(record, write, reasonFor(record));
      }
    }
  }

  /** Writes what is counted (at stop). */
  async flush(nowMs: number): Promise<void> {
    await this.#writes;
    await this.#flushCalls(nowMs);
  }

  async #flushCalls(nowMs: number): Promise<void> {
    if (this.#pending.size === 0) return;
    const byBucket = new Map<number, Array<{ task: string; succeeded: number; failed: number; windowMs: number }>>();
    for (const [task, counts] of this.#pending) {
      const policy = this.#options.policies.get(task)!;
      const calls = byBucket.get(policy.bucketMs) ?? [];
      calls.push({ task, ...counts, windowMs: policy.windowMs });
      byBucket.set(policy.bucketMs, calls);
    }
    this.#pending.clear();
    for (const [bucketMs, calls] of byBucket) {
      const longest = Math.max(...calls.map((call) => call.windowMs));
      await this.#options.store.recordBreakerCalls({
        nowMs,
        bucketMs,
        calls: calls.map(({ task, succeeded, failed }) => ({ task, succeeded, failed })),
        pruneBeforeMs: nowMs - longest - bucketMs,
      });
    }
  }

  #probeCount(record: BreakerRecord): ProbeCount {
    let probes = this.#probes.get(record.task);
    if (!probes || probes.version !== record.version) this.#probes.set(record.task, (probes = { version: record.version, started: 0, succeeded: 0, failed: false }));
    return probes;
  }

  /** A transition decided outside a check (a probe's outcome): written in order with the others. */
  #write(record: BreakerRecord, write: WriteBreakerRequest, reason: BreakerChangeReason): void {
    this.#writes = this.#writes
      .then(() => this.#apply(record, write, reason))
      .catch((error: unknown) => this.#options.onError(error, `writing the breaker of task ${record.task}`));
  }

  async #apply(record: BreakerRecord, write: WriteBreakerRequest, reason: BreakerChangeReason): Promise<void> {
    if (this.#records.get(record.task)?.version !== record.version) return; // changed since: the next check decides again
    if (!(await this.#options.store.writeBreaker(write))) return; // another node's write won
    const after = afterWrite(record, write);
    this.#records.set(record.task, after);
    this.#options.onChange({
      task: record.task,
      from: record.state,
      to: after.state,
      reason,
      ...(reason === 'failure-rate' ? { calls: { succeeded: record.succeeded, failed: record.failed } } : {}),
    });
  }
}

function reasonFor(record: BreakerRecord): BreakerChangeReason {
  if (record.state === 'closed') return 'failure-rate';
  return record.state === 'open' ? 'open-for-passed' : 'probe-takeover';
}
