// A decorated class task whose dependencies come from the service container on every run.
import { Scheduler, Task, type TaskContext } from 'sundial-scheduler';
import { MemoryStore } from 'sundial-scheduler/memory';
import { VirtualClock } from 'sundial-scheduler/testing';

export class WorkerRepository {
  readonly seen: string[] = [];
}

let instances = 0;

@Task('collect-metrics', { inject: [WorkerRepository, 'region'], retry: { attempts: 2 } })
export class CollectMetrics {
  readonly repository: WorkerRepository;
  readonly region: string;
  constructor(repository: WorkerRepository, region: string) {
    this.repository = repository;
    this.region = region;
    instances++;
  }
  run({ data }: TaskContext<{ workerId: string }>): string {
    this.repository.seen.push(`${this.region}/${data.workerId}`);
    return 'collected';
  }
}

/** Runs two jobs of the class task with a plain-object container and reports what happened. */
export async function runScenario(): Promise<{ seen: string[]; instances: number; results: unknown[] }> {
  const repository = new WorkerRepository();
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const scheduler = new Scheduler({
    store: new MemoryStore(),
    clock,
    tasks: [CollectMetrics],
    services: { workerRepository: repository, region: 'eu-west-1' },
    logger: 'silent',
  });
  await scheduler.start();
  const jobs = [
    await scheduler.enqueue({ task: 'collect-metrics', data: { workerId: 'w-1' } }),
    await scheduler.enqueue({ task: 'collect-metrics', data: { workerId: 'w-2' } }),
  ];
  await clock.settle();
  const results = await Promise.all(jobs.map(async (job) => (await scheduler.getJob(job.id))?.result));
  await scheduler.stop();
  return { seen: repository.seen, instances, results };
}
