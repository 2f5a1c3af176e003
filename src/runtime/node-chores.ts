import { hostname } from 'node:os';
import { sundialVersion } from '../version.ts';
import type { JobSlots } from './job-slots.ts';
import type { ResolvedSchedulerOptions } from './scheduler-options.ts';

const purgeEveryMs = 60_000;
/**
 * How long the cluster event log keeps events, and at most how many: a node whose reading falls
 * further behind (a store outage longer than this) is told what it lost (`cluster.eventsLost`).
 */
const eventRetentionMs = 3_600_000;
const eventRetentionCount = 100_000;
/** How often a node reports itself in the store's node registry (the admin view calls a node gone after 15 s). */
const nodeReportEveryMs = 5_000;
/** A node that reported within this window is alive (as the admin view counts them). */
const nodeAliveWindowMs = 15_000;

/**
 * The periodic work of a node besides its jobs: reporting itself in the node registry (and seeing
 * which other nodes run jobs), and purging old history. Each runs at most at its own interval,
 * whenever the loop does a full round.
 */
export class NodeChores {
  readonly #options: ResolvedSchedulerOptions;
  readonly #slots: JobSlots;
  readonly #taskNames: readonly string[];
  #startedAtMs = 0;
  #nextPurgeAtMs = 0;
  #nextReportAtMs = 0;
  /** Other live nodes that run jobs, as of the last report. */
  otherWorkers = 0;

  readonly #clusterInterest: () => string[];

  constructor(options: ResolvedSchedulerOptions, slots: JobSlots, taskNames: readonly string[], clusterInterest: () => string[]) {
    this.#options = options;
    this.#slots = slots;
    this.#taskNames = taskNames;
    this.#clusterInterest = clusterInterest;
  }

  /** The next round reports the node (its cluster interest changed). */
  reportSoon(): void {
    this.#nextReportAtMs = 0;
  }

  started(nowMs: number): void {
    this.#startedAtMs = nowMs;
  }

  async runWhenDue(): Promise<void> {
    await this.#purgeHistoryWhenDue();
    await this.#reportNodeWhenDue();
  }

  async #reportNodeWhenDue(): Promise<void> {
    const { clock, store, nodeId, concurrency, runsSchedules, runsJobs } = this.#options;
    const nowMs = clock.now();
    if (nowMs < this.#nextReportAtMs) return;
    this.#nextReportAtMs = nowMs + nodeReportEveryMs;
    await store.upsertNode({
      id: nodeId,
      hostname: hostname(),
      pid: process.pid,
      roles: { schedules: runsSchedules, jobs: runsJobs },
      tasks: [...this.#taskNames],
      concurrency,
      running: this.#slots.running.size,
      startedAtMs: this.#startedAtMs,
      lastSeenAtMs: nowMs,
      version: sundialVersion,
      clusterEvents: this.#clusterInterest(),
    });
    if (runsJobs) {
      const alive = await store.listNodes({ seenAfterMs: nowMs - nodeAliveWindowMs });
      this.otherWorkers = alive.filter((node) => node.id !== nodeId && node.roles.jobs).length;
    }
  }

  async #purgeHistoryWhenDue(): Promise<void> {
    const { clock, store, keepSucceededMs, keepFailedMs } = this.#options;
    const nowMs = clock.now();
    if (nowMs < this.#nextPurgeAtMs) return;
    this.#nextPurgeAtMs = nowMs + purgeEveryMs;
    if (keepSucceededMs !== null) await store.purgeJobs({ finishedBeforeMs: nowMs - keepSucceededMs, statuses: ['succeeded'] });
    if (keepFailedMs !== null) await store.purgeJobs({ finishedBeforeMs: nowMs - keepFailedMs, statuses: ['dead', 'cancelled'] });
    await store.trimEvents({ beforeMs: nowMs - eventRetentionMs, keepLast: eventRetentionCount });
  }
}
