// The recurring metrics collection of one worker (the seeds' WorkerMetricsCollectionJob).
//
// The job stored in Redis carries the worker's id and nothing else: the repository, the cloud
// client and the log are not serialisable, and they belong to the replica that runs the job. So
// they come from the scheduler's `services` — a DI container — on every run, and the class is
// built afresh for each attempt (seed 001's fix: ids only, dependencies injected on rehydration).
// A worker whose instance is terminated or gone, or that was deregistered, ends its own schedule.
//
// With a compiler, the same class reads `@Task('collect-worker-metrics', { inject: [WorkerRepository,
// CloudClient, EventLog], … })` (see examples/task-class.ts); Node cannot strip decorators, so this
// example, which Node runs as it is, spells out what the decorator does in `run` below.
import { task, type RetryOptions, type ServiceProvider, type StandardSchemaV1, type StopScheduleSignal, type TaskContext } from '../../src/index.ts';
import { CloudClient } from './cloud-client.ts';
import { EventLog } from './event-log.ts';
import { WorkerRepository } from './worker-repository.ts';

/** The whole payload of a collection job. */
export interface WorkerRef {
  workerId: string;
}

export const workerIdPattern = /^w-[a-z0-9-]{1,40}$/;

/** `{ workerId }`, checked when the schedule is written and before each run. */
export const workerRef: StandardSchemaV1<WorkerRef> = {
  '~standard': {
    version: 1,
    vendor: 'worker-monitoring-example',
    validate(value) {
      const workerId = (value as Partial<WorkerRef> | null)?.workerId;
      if (typeof workerId === 'string' && workerIdPattern.test(workerId) && Object.keys(value as object).length === 1) return { value: { workerId } };
      return { issues: [{ message: `Expected exactly { workerId } with an id such as "w-1a2b3c4d", got ${JSON.stringify(value)}`, path: ['workerId'] }] };
    },
  },
};

/** The schedule that collects a worker's metrics: one per worker, under a stable id. */
export function metricsScheduleId(workerId: string): string {
  return `worker-metrics:${workerId}`;
}

export type CollectionResult = { workerId: string; state: 'running' | 'stopped'; cpuPercent: number | null };

export class CollectWorkerMetrics {
  readonly #workers: WorkerRepository;
  readonly #cloud: CloudClient;
  readonly #log: EventLog;

  constructor(workers: WorkerRepository, cloud: CloudClient, log: EventLog) {
    this.#workers = workers;
    this.#cloud = cloud;
    this.#log = log;
  }

  async run({ data, job, fireAt, signal, stopSchedule }: TaskContext<WorkerRef, ServiceProvider>): Promise<CollectionResult | StopScheduleSignal> {
    const worker = this.#workers.get(data.workerId);
    if (worker === null) return this.#end(stopSchedule, data.workerId, null, 'worker deregistered');
    const instance = await this.#cloud.instance(worker.instanceId, signal);
    if (instance === null || instance.state === 'terminated') {
      this.#workers.setStatus(worker.id, instance === null ? 'gone' : 'terminated');
      return this.#end(stopSchedule, worker.id, worker.instanceId, instance === null ? 'instance gone' : 'instance terminated');
    }
    const sample = instance.state === 'running' ? await this.#cloud.metrics(instance.id, signal) : null;
    const state = sample === null ? 'stopped' : 'running';
    const fireAtMs = fireAt?.getTime() ?? null;
    this.#workers.recordMetrics(worker.id, { state, cpuPercent: sample?.cpuPercent ?? null, collectedAtMs: Date.now(), fireAtMs, nodeId: job.nodeId });
    this.#log.write('collected', { workerId: worker.id, instanceId: instance.id, fireAtMs, jobId: job.id, attempt: job.attempt, state, cpuPercent: sample?.cpuPercent ?? null });
    return { workerId: worker.id, state, cpuPercent: sample?.cpuPercent ?? null };
  }

  #end(stopSchedule: (reason?: string) => StopScheduleSignal, workerId: string, instanceId: string | null, reason: string): StopScheduleSignal {
    this.#log.write('monitoring-ended', { workerId, instanceId, reason });
    return stopSchedule(reason);
  }
}

// A cloud that does not answer is retried a few times; the next fire comes anyway.
const retry: RetryOptions = { attempts: 3, backoff: { type: 'exponential', delay: '500ms', max: '5s', jitter: 0.2 } };

export const collectWorkerMetrics = task<typeof workerRef, ServiceProvider>('collect-worker-metrics', {
  schema: workerRef,
  retry,
  timeout: '20s',
  run: (context) => new CollectWorkerMetrics(context.services.get(WorkerRepository), context.services.get(CloudClient), context.services.get(EventLog)).run(context),
});
