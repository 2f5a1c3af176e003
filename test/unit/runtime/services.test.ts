import { afterEach, describe, expect, test } from 'vitest';
import { Task, task, resolveService, type ServiceProvider, type ServiceToken, type TaskContext } from '../../../src/index.ts';
import { createHarness, storeFactories, type Harness } from './harness.ts';

class WorkerRepository {
  readonly seen: string[] = [];
}

let instances = 0;

class CollectMetrics {
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

// Vitest cannot lower standard decorators (test/decorators compiles them with tsc instead), so the
// decorator is applied here the way compiled `@Task(...) class CollectMetrics` applies it.
Task('collect-metrics', { inject: [WorkerRepository, 'region'] })(CollectMetrics, {
  kind: 'class',
  name: 'CollectMetrics',
} as ClassDecoratorContext<typeof CollectMetrics>);

/** A DI container: answers `get(token)` for what is bound, and records every request. */
function container(bindings: Map<ServiceToken, unknown>): ServiceProvider & { asked: ServiceToken[] } {
  const asked: ServiceToken[] = [];
  return {
    asked,
    get<T>(token: ServiceToken<T>): T {
      asked.push(token);
      if (!bindings.has(token)) throw new Error(`container: nothing bound to ${typeof token === 'function' ? token.name : String(token)}`);
      return bindings.get(token) as T;
    },
  };
}

describe.each(storeFactories)('services on the %s store', (_name, makeStore) => {
  let h: Harness;
  afterEach(async () => {
    await h?.scheduler.stop({ timeout: 0 });
  });

  test("a @Task class gets its inject tokens from the container's get() on every run, as a fresh instance", async () => {
    const repository = new WorkerRepository();
    const services = container(new Map<ServiceToken, unknown>([[WorkerRepository, repository], ['region', 'eu-west-1']]));
    instances = 0;
    h = createHarness(makeStore, { tasks: [CollectMetrics], services });
    await h.scheduler.start();
    const jobs = [
      await h.scheduler.enqueue({ task: 'collect-metrics', data: { workerId: 'w-1' } }),
      await h.scheduler.enqueue({ task: 'collect-metrics', data: { workerId: 'w-2' } }),
    ];
    await h.clock.settle();
    expect(await Promise.all(jobs.map(async (job) => (await h.scheduler.getJob(job.id))?.status))).toEqual(['succeeded', 'succeeded']);
    expect(repository.seen.sort()).toEqual(['eu-west-1/w-1', 'eu-west-1/w-2']);
    expect(instances).toBe(2);
    expect(services.asked).toEqual([WorkerRepository, 'region', WorkerRepository, 'region']);
  });

  test('a function task resolves what it needs from the container with resolveService', async () => {
    const services = container(new Map<ServiceToken, unknown>([['greeting', 'hello']]));
    h = createHarness(makeStore, {
      services,
      tasks: [task<string>('greet', { run: ({ data, services: s }) => `${resolveService<string>(s, 'greeting')} ${data}` })],
    });
    await h.scheduler.start();
    const job = await h.scheduler.enqueue({ task: 'greet', data: 'Ada' });
    await h.clock.settle();
    expect((await h.scheduler.getJob(job.id))?.result).toBe('hello Ada');
  });

  test('a token the container does not have fails the attempt with its error', async () => {
    h = createHarness(makeStore, { tasks: [CollectMetrics], services: container(new Map()) });
    await h.scheduler.start();
    await h.scheduler.enqueue({ task: 'collect-metrics', data: { workerId: 'w-1' } });
    await h.clock.settle();
    expect(h.eventsOf('job.failed').map((e) => e.error.message)).toEqual(['container: nothing bound to WorkerRepository']);
  });
});
