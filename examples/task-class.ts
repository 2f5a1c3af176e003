// A task as a class with injected services (TC39 decorators). Decorators are not erasable syntax,
// so Node cannot run this file directly: compile it with tsc. CI type-checks it.
import { Scheduler, Task, every, type TaskContext } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite/index.ts';

class WorkerRepository {
  async activeWorkerIds(): Promise<string[]> {
    return ['w-1', 'w-2'];
  }
}

class MetricsClient {
  async push(workerId: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    console.log(`metrics pushed for ${workerId}`);
  }
}

@Task('collect-metrics', { inject: [WorkerRepository, MetricsClient], retry: { attempts: 5 }, timeout: '30s' })
class CollectMetrics {
  readonly #workers: WorkerRepository;
  readonly #metrics: MetricsClient;
  constructor(workers: WorkerRepository, metrics: MetricsClient) {
    this.#workers = workers;
    this.#metrics = metrics;
  }
  async run({ signal }: TaskContext) {
    for (const id of await this.#workers.activeWorkerIds()) await this.#metrics.push(id, signal);
  }
}

// `services` is any DI container with get(token), or a plain object keyed by class name.
const services = { workerRepository: new WorkerRepository(), metricsClient: new MetricsClient() };
const scheduler = new Scheduler({ store: new SqliteStore('./sundial.db'), tasks: [CollectMetrics], services });
await scheduler.schedule({ id: 'collect-metrics', task: 'collect-metrics', trigger: every('1m') });
await scheduler.start();
process.once('SIGTERM', () => void scheduler.stop());
