import { ValueType, type Attributes, type Counter, type Histogram, type Meter } from '@opentelemetry/api';
import type { AttemptInfo, InstrumentedScheduler, SchedulerEvents } from '../index.ts';
import { jobStatuses } from '../domain/job.ts';
import { QueueDepthReader } from './queue-depth.ts';
import { messagingAttributes, sundialAttributes as attr, sundialMetrics as names, type FireOutcome, type JobOutcome } from './telemetry-names.ts';

/** Bucket boundaries (s) for handler durations: from 5 ms to an hour. */
export const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Bucket boundaries (s) for lateness: a healthy node starts within milliseconds; downtime shows as minutes. */
export const latenessBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Bucket boundaries (s) for store calls. */
export const storeCallBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** How many schedule → task pairs a node remembers to name the task of a missed or skipped fire. */
const rememberedSchedules = 10_000;

export interface SchedulerMetricsOptions {
  scheduleIdAttribute: (scheduleId: string) => boolean;
  queueDepth: boolean;
  queueDepthIntervalMs: number;
}

/** A scheduler this instrumentation was attached to. */
interface AttachedNode {
  storeName: string;
  started: boolean;
  runningCount: () => number;
  breakerStates: () => Array<{ task: string; state: 'closed' | 'open' | 'half-open' }>;
  queueDepth: QueueDepthReader;
}

/** `sundial.breaker.state` values: the store's states with OpenTelemetry's underscores. */
const breakerStateValues = { closed: 'closed', open: 'open', 'half-open': 'half_open' } as const;

/**
 * The metrics of the schedulers one `openTelemetry()` is attached to: instruments made once, fed
 * by each scheduler's events (outcomes, fires, leases, quarantines), by each attempt (duration,
 * lateness), and observed from the started schedulers (running jobs, queue depth).
 */
export class SchedulerMetrics {
  readonly #options: SchedulerMetricsOptions;
  readonly #attemptDuration: Histogram;
  readonly #lateness: Histogram;
  readonly #outcomes: Counter;
  readonly #fires: Counter;
  readonly #leaseLosses: Counter;
  readonly #leaseTakeovers: Counter;
  readonly #quarantined: Counter;
  readonly #rateLimitDelays: Counter;
  readonly #rateLimitDelay: Histogram;
  readonly #nodes = new Map<string, AttachedNode>();
  /** Missed and skipped fires name only their schedule: the task is remembered from its writes and fires. */
  readonly #scheduleTasks = new Map<string, string>();

  constructor(meter: Meter, options: SchedulerMetricsOptions) {
    this.#options = options;
    this.#attemptDuration = meter.createHistogram(names.attemptDuration, {
      description: "How long an attempt's handler ran, from its start until it returned or threw.",
      unit: 's',
      advice: { explicitBucketBoundaries: durationBuckets },
    });
    this.#lateness = meter.createHistogram(names.lateness, {
      description: "An attempt's start minus when it was due (its runAt: a fire's instant plus any jitter, a delayed job's time, a retry's).",
      unit: 's',
      advice: { explicitBucketBoundaries: latenessBuckets },
    });
    this.#outcomes = meter.createCounter(names.outcomes, {
      description: 'How attempts and jobs ended: succeeded, failed (a retry is planned), dead (no attempt left), cancelled (running or queued).',
      unit: '{outcome}',
      valueType: ValueType.INT,
    });
    this.#fires = meter.createCounter(names.fires, {
      description: "A schedule's fires by outcome: started (its job's first attempt), missed (later than the misfire grace), coalesced, skipped (maxRunning).",
      unit: '{fire}',
      valueType: ValueType.INT,
    });
    this.#leaseLosses = meter.createCounter(names.leaseLosses, {
      description: "Job leases this node lost to another node; the attempt's handler was aborted.",
      unit: '{lease}',
      valueType: ValueType.INT,
    });
    this.#leaseTakeovers = meter.createCounter(names.leaseTakeovers, {
      description: 'Jobs this node took over from a node that stopped renewing their lease.',
      unit: '{job}',
      valueType: ValueType.INT,
    });
    this.#quarantined = meter.createCounter(names.quarantined, {
      description: 'Records isolated because a stored field could not be decoded (a job dead-lettered, a schedule paused).',
      unit: '{record}',
      valueType: ValueType.INT,
    });
    this.#rateLimitDelays = meter.createCounter(names.rateLimitDelays, {
      description: 'Jobs given back to the queue because their rate-limit key had no token left (they start later, never fail).',
      unit: '{job}',
      valueType: ValueType.INT,
    });
    this.#rateLimitDelay = meter.createHistogram(names.rateLimitDelay, {
      description: "How long a rate limit per key put a job off (until its key's next token).",
      unit: 's',
      advice: { explicitBucketBoundaries: latenessBuckets },
    });
    // One series per task and state, 1 for the current state: `max by (task, state)` across nodes.
    meter
      .createObservableGauge(names.breakerState, { description: "A task's circuit breaker: 1 for its current state, 0 for the others.", unit: '1', valueType: ValueType.INT })
      .addCallback((result) => {
        const seen = new Set<string>();
        for (const node of this.#nodes.values()) {
          if (!node.started) continue;
          for (const { task, state } of node.breakerStates()) {
            if (seen.has(`${node.storeName}\0${task}`)) continue;
            seen.add(`${node.storeName}\0${task}`);
            for (const [value, name] of Object.entries(breakerStateValues)) {
              result.observe(value === state ? 1 : 0, { [attr.task]: task, [attr.store]: node.storeName, [attr.breakerState]: name });
            }
          }
        }
      });
    // Additive across nodes (the cluster's running jobs are the sum): an up-down counter.
    meter
      .createObservableUpDownCounter(names.running, { description: 'Jobs whose handler runs on this node now.', unit: '{job}', valueType: ValueType.INT })
      .addCallback((result) => {
        for (const [storeName, running] of this.#runningByStore()) result.observe(running, { [attr.store]: storeName });
      });
    if (options.queueDepth) {
      // The same store-wide numbers on every node: a gauge (take max, never sum, across nodes).
      meter
        .createObservableGauge(names.jobCount, { description: 'Jobs in the store by status (the queue depth).', unit: '{job}', valueType: ValueType.INT })
        .addCallback(async (result) => {
          const readings = [...this.#readerByStore()].map(async ([storeName, reader]) => [storeName, await reader.current()] as const);
          for (const [storeName, counts] of await Promise.all(readings)) {
            if (counts === null) continue;
            for (const status of jobStatuses) result.observe(counts[status] ?? 0, { [attr.store]: storeName, [attr.status]: status });
          }
        });
    }
  }

  /** Subscribes to the scheduler's events and adds it to the observed ones once it starts. */
  attach(scheduler: InstrumentedScheduler): void {
    const storeName = scheduler.storeName;
    const node: AttachedNode = {
      storeName,
      started: false,
      runningCount: () => scheduler.runningCount(),
      breakerStates: () => scheduler.breakerStates?.() ?? [],
      queueDepth: new QueueDepthReader(() => scheduler.countByStatus(), this.#options.queueDepthIntervalMs),
    };
    this.#nodes.set(scheduler.nodeId, node);
    const outcome = (outcome: JobOutcome) => ({ job }: { job: { task: string } }) =>
      this.#outcomes.add(1, { [attr.task]: job.task, [attr.store]: storeName, [attr.outcome]: outcome });
    scheduler.on('scheduler.started', () => void (node.started = true));
    // A stopped scheduler never starts again: forget it (a process may make many in turn).
    scheduler.on('scheduler.stopped', () => void this.#nodes.delete(scheduler.nodeId));
    scheduler.on('job.succeeded', outcome('succeeded'));
    scheduler.on('job.failed', outcome('failed'));
    scheduler.on('job.dead', outcome('dead'));
    scheduler.on('job.cancelled', outcome('cancelled'));
    scheduler.on('schedule.created', ({ schedule }) => this.#rememberTask(schedule.id, schedule.task));
    scheduler.on('schedule.updated', ({ schedule }) => this.#rememberTask(schedule.id, schedule.task));
    // A fire's job may still be skipped or missed at its start (a reservation is judged then): a
    // fire counts as started from its first attempt (recordAttempt), so each fire has one outcome.
    scheduler.on('schedule.fired', ({ scheduleId, job }) => this.#rememberTask(scheduleId, job.task));
    scheduler.on('schedule.missed', (missed) =>
      this.#fires.add(missed.fireAtMs.length, this.#fireAttributes(missed.scheduleId, storeName, missed.reason === 'coalesced' ? 'coalesced' : 'missed', taskOf(missed))),
    );
    scheduler.on('schedule.skipped', (skipped) =>
      this.#fires.add(skipped.fireAtMs.length, this.#fireAttributes(skipped.scheduleId, storeName, 'skipped', taskOf(skipped))),
    );
    scheduler.on('schedule.removed', ({ scheduleId }) => this.#scheduleTasks.delete(scheduleId));
    scheduler.on('lease.lost', () => this.#leaseLosses.add(1, { [attr.store]: storeName }));
    scheduler.on('lease.expired', ({ job }) => this.#leaseTakeovers.add(1, { [attr.task]: job.task, [attr.store]: storeName }));
    scheduler.on('record.quarantined', ({ kind }) => this.#quarantined.add(1, { [attr.recordKind]: kind, [attr.store]: storeName }));
    scheduler.on('rateLimit.deferred', ({ task, jobs, delayMs }) => {
      this.#rateLimitDelays.add(jobs, { [attr.task]: task, [attr.store]: storeName });
      this.#rateLimitDelay.record(delayMs / 1000, { [attr.task]: task, [attr.store]: storeName });
    });
  }

  /** Records an attempt whose handler settled after `durationS` (`errorType`: of what it threw, null when it returned). */
  recordAttempt(attempt: AttemptInfo, latenessMs: number, durationS: number, errorType: string | null): void {
    const storeName = this.#nodes.get(attempt.nodeId)?.storeName;
    const base: Attributes = { [attr.task]: attempt.task };
    if (storeName !== undefined) base[attr.store] = storeName;
    this.#attemptDuration.record(durationS, errorType === null ? base : { ...base, [messagingAttributes.errorType]: errorType });
    const lateness: Attributes = { ...base, [attr.origin]: attempt.origin };
    if (attempt.scheduleId !== null && this.#options.scheduleIdAttribute(attempt.scheduleId)) lateness[attr.scheduleId] = attempt.scheduleId;
    // A reservation may start a hair before its instant on a coarse timer: a histogram takes no negative value.
    this.#lateness.record(Math.max(0, latenessMs) / 1000, lateness);
    if (attempt.origin === 'schedule' && attempt.attempt === 1 && attempt.scheduleId !== null && storeName !== undefined) {
      this.#fires.add(1, this.#fireAttributes(attempt.scheduleId, storeName, 'started', attempt.task));
    }
  }

  #fireAttributes(scheduleId: string, storeName: string, outcome: FireOutcome, task = this.#scheduleTasks.get(scheduleId)): Attributes {
    const attributes: Attributes = { [attr.store]: storeName, [attr.outcome]: outcome };
    if (task !== undefined) attributes[attr.task] = task;
    if (this.#options.scheduleIdAttribute(scheduleId)) attributes[attr.scheduleId] = scheduleId;
    return attributes;
  }

  #rememberTask(scheduleId: string, task: string): void {
    if (this.#scheduleTasks.get(scheduleId) === task) return;
    this.#scheduleTasks.delete(scheduleId);
    this.#scheduleTasks.set(scheduleId, task);
    // The oldest pair goes first (a Map iterates in insertion order).
    if (this.#scheduleTasks.size > rememberedSchedules) this.#scheduleTasks.delete(this.#scheduleTasks.keys().next().value!);
  }

  #runningByStore(): Map<string, number> {
    const sums = new Map<string, number>();
    for (const node of this.#nodes.values()) {
      if (!node.started) continue;
      sums.set(node.storeName, (sums.get(node.storeName) ?? 0) + node.runningCount());
    }
    return sums;
  }

  /** One reader per store name: several schedulers of one process on one store report it once. */
  #readerByStore(): Map<string, QueueDepthReader> {
    const readers = new Map<string, QueueDepthReader>();
    for (const node of this.#nodes.values()) if (node.started && !readers.has(node.storeName)) readers.set(node.storeName, node.queueDepth);
    return readers;
  }
}

/** The task a missed or skipped fire names, once the core's events carry it (they name only the schedule today). */
function taskOf(event: SchedulerEvents['schedule.missed'] | SchedulerEvents['schedule.skipped']): string | undefined {
  const task = (event as { task?: unknown }).task;
  return typeof task === 'string' ? task : undefined;
}
