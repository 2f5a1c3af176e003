/**
 * The names of everything `sundial-scheduler/telemetry` records, in one place: dashboards and alerts are
 * written against these, so they change only with a major version. Metric names follow the
 * OpenTelemetry semantic-convention style (dot-separated namespaces, UCUM units: `s`, `{job}`);
 * Prometheus sees them with dots as underscores, the unit appended and `_total` on counters
 * (`sundial.job.outcomes` → `sundial_job_outcomes_total`).
 */
export const sundialMetrics = {
  /** Histogram (s): how long an attempt's handler ran, from its start until it settled. */
  attemptDuration: 'sundial.job.attempt.duration',
  /** Histogram (s): an attempt's start minus when it was due (`runAt`: the fire's instant plus any jitter, a delayed job's time, a retry's). */
  lateness: 'sundial.job.lateness',
  /** Counter: how attempts and jobs ended, by `sundial.outcome` (succeeded, failed — a retry is planned —, dead, cancelled). */
  outcomes: 'sundial.job.outcomes',
  /** Observable up-down counter: jobs whose handler runs on this node now. */
  running: 'sundial.job.running',
  /** Observable gauge: jobs in the store by `sundial.job.status` (queue depth), read at most every 5 s. */
  jobCount: 'sundial.job.count',
  /** Counter: a schedule's fires by `sundial.outcome` (started, missed, coalesced, skipped): one outcome per fire. */
  fires: 'sundial.schedule.fires',
  /** Counter: job leases this node lost (another node took the job over; its handler was aborted). */
  leaseLosses: 'sundial.lease.losses',
  /** Counter: jobs this node took over from a node that stopped renewing their lease. */
  leaseTakeovers: 'sundial.lease.takeovers',
  /** Counter: records isolated because a stored field could not be decoded. */
  quarantined: 'sundial.record.quarantined',
  /** Histogram (s): one store method call (`instrumentStore`). */
  storeCallDuration: 'sundial.store.call.duration',
  /**
   * Observable gauge per task and `sundial.breaker.state` (closed, open, half_open): 1 for the
   * current state and 0 for the others, as each node last read its tasks' breakers.
   */
  breakerState: 'sundial.breaker.state',
  /** Counter: jobs a rate limit per key gave back to the queue (their key had no token), per task. */
  rateLimitDelays: 'sundial.rate_limit.delays',
  /** Histogram (s): how long a rate limit per key put a job off. */
  rateLimitDelay: 'sundial.rate_limit.delay',
} as const;

/** Attribute keys. Metrics carry only the bounded ones (never a job id); spans may carry all. */
export const sundialAttributes = {
  task: 'sundial.task',
  /** On metrics only when `scheduleIdAttribute` allows it (schedule ids may be unbounded). */
  scheduleId: 'sundial.schedule.id',
  store: 'sundial.store',
  outcome: 'sundial.outcome',
  origin: 'sundial.job.origin',
  status: 'sundial.job.status',
  recordKind: 'sundial.record.kind',
  storeMethod: 'sundial.store.method',
  /** Spans only. */
  jobId: 'sundial.job.id',
  attempt: 'sundial.job.attempt',
  maxAttempts: 'sundial.job.max_attempts',
  nodeId: 'sundial.node.id',
  latenessMs: 'sundial.job.lateness_ms',
  /** On `sundial.breaker.state`. */
  breakerState: 'sundial.breaker.state',
} as const;

/** The messaging semantic conventions' keys Sundial's spans use (`messaging.system` is 'sundial'). */
export const messagingAttributes = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  errorType: 'error.type',
} as const;

/** The `messaging.system` of every Sundial span, and the name of its tracer and meter. */
export const instrumentationName = 'sundial';

/** The values of `sundial.outcome` on `sundial.job.outcomes`. */
export type JobOutcome = 'succeeded' | 'failed' | 'dead' | 'cancelled';

/** The values of `sundial.outcome` on `sundial.schedule.fires`. */
export type FireOutcome = 'started' | 'missed' | 'coalesced' | 'skipped';
