import { asClass, asValue, createContainer, type AwilixContainer } from 'awilix';
import { describe, expect, it } from 'vitest';
import { Scheduler, Task, type TaskClass, type TaskClassOptions, type TaskContext } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { VirtualClock } from '../../src/testing/index.ts';
import {
  resolveService,
  withServiceScope,
  type ScopedServiceProvider,
  type ServiceProvider,
  type ServiceScope,
  type ServiceToken,
} from '../../src/tasks/services.ts';

// @Task classes resolve their `inject` tokens through the scheduler's `services` on every attempt,
// from a container's get(token), from a plain object, or from a fresh scope per attempt.
// (Vitest cannot lower TC39 decorator syntax, so the decorator is applied as the function it is.)

function decorate<C extends TaskClass>(name: string, options: TaskClassOptions<unknown, unknown>, target: C): C {
  const context = { kind: 'class', name: target.name, addInitializer: () => undefined, metadata: {} } as unknown as ClassDecoratorContext<C>;
  Task(name, options)(target, context);
  return target;
}

class WorkerRepository {
  readonly id = Symbol('repository');
}
const region = Symbol('region');

/** What each run of the `collect` class saw in its constructor. */
type Seen = Array<{ repository: WorkerRepository; clock: unknown; region: unknown }>;

function collectTask(seen: Seen, retry: TaskClassOptions<unknown, unknown>['retry'] = { attempts: 1 }): TaskClass {
  return decorate(
    'collect',
    { inject: [WorkerRepository, 'clock', region], retry },
    class Collect {
      readonly #seen: { repository: WorkerRepository; clock: unknown; region: unknown };
      constructor(repository: WorkerRepository, clock: unknown, regionName: unknown) {
        this.#seen = { repository, clock, region: regionName };
      }
      run({ attempt }: TaskContext): string {
        seen.push(this.#seen);
        if (attempt === 1 && retry.attempts === 2) throw new Error('first attempt fails');
        return 'collected';
      }
    },
  );
}

/** Runs one job of `taskClass` to its end on a virtual clock and returns its record. */
async function runJob(taskClass: TaskClass, services: unknown) {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const scheduler = new Scheduler({ store: new MemoryStore(), clock, tasks: [taskClass], services, logger: 'silent' });
  await scheduler.start();
  try {
    const { id } = await scheduler.enqueue({ task: 'collect' });
    await clock.advance('1m'); // past any retry backoff
    return (await scheduler.getJob(id))!;
  } finally {
    await scheduler.stop();
  }
}

describe('@Task inject tokens resolve through services', () => {
  it("through a container's get(token), asked once per token per attempt", async () => {
    const repository = new WorkerRepository();
    const asked: ServiceToken[] = [];
    const answers = new Map<ServiceToken, unknown>([[WorkerRepository, repository], ['clock', 'the-clock'], [region, 'eu-west-1']]);
    const container: ServiceProvider = {
      get<T>(token: ServiceToken<T>): T {
        asked.push(token);
        return answers.get(token) as T;
      },
    };
    const seen: Seen = [];
    const job = await runJob(collectTask(seen), container);
    expect(job.status).toBe('succeeded');
    expect(seen).toEqual([{ repository, clock: 'the-clock', region: 'eu-west-1' }]);
    expect(seen[0]!.repository).toBe(repository);
    expect(asked).toEqual([WorkerRepository, 'clock', region]);
  });

  it('through a plain object: a class by its camelCase name, strings and symbols by key', async () => {
    const repository = new WorkerRepository();
    const seen: Seen = [];
    const job = await runJob(collectTask(seen), { workerRepository: repository, clock: 'the-clock', [region]: 'eu-west-1' });
    expect(job.status).toBe('succeeded');
    expect(seen).toEqual([{ repository, clock: 'the-clock', region: 'eu-west-1' }]);
    expect(seen[0]!.repository).toBe(repository);
  });

  it('fails the attempt with SERVICE_NOT_FOUND when a token has no service', async () => {
    const seen: Seen = [];
    const job = await runJob(collectTask(seen), { clock: 'the-clock', [region]: 'eu-west-1' });
    expect(job.status).toBe('dead');
    expect(job.error).toMatchObject({ name: 'ServiceNotFoundError', message: expect.stringContaining('class WorkerRepository') });
    expect(seen).toEqual([]);
  });
});

/** A unit of work registered as scoped: one per attempt, disposed with its scope. */
class UnitOfWork {
  static created: UnitOfWork[] = [];
  disposed = false;
  constructor() {
    UnitOfWork.created.push(this);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** awilix behind Sundial's services: a class token is looked up by its camelCase name. */
function awilixServices(container: AwilixContainer): ServiceProvider & ScopedServiceProvider {
  const nameOf = (token: ServiceToken): string | symbol =>
    typeof token === 'function' ? token.name.charAt(0).toLowerCase() + token.name.slice(1) : token;
  const provider = (from: AwilixContainer): ServiceProvider => ({ get: <T>(token: ServiceToken<T>) => from.resolve<T>(nameOf(token)) });
  return {
    ...provider(container),
    createScope() {
      const scope = container.createScope();
      return { ...provider(scope), dispose: () => scope.dispose() };
    },
  };
}

describe('per-attempt service scope (ScopedServiceProvider)', () => {
  it('with awilix: each attempt gets its own scoped instance, disposed after the attempt; singletons are shared', async () => {
    UnitOfWork.created = [];
    const repository = new WorkerRepository();
    const container = createContainer().register({
      workerRepository: asValue(repository),
      unitOfWork: asClass(UnitOfWork)
        .scoped()
        .disposer((unit) => unit.dispose()),
    });
    const during: Array<{ unit: UnitOfWork; disposedDuringRun: boolean }> = [];
    const taskClass = decorate(
      'collect',
      { inject: [WorkerRepository, UnitOfWork], retry: { attempts: 2, backoff: { type: 'fixed', delay: '1s' } } },
      class Collect {
        readonly #unit: UnitOfWork;
        readonly #repository: WorkerRepository;
        constructor(repositoryArg: WorkerRepository, unit: UnitOfWork) {
          this.#repository = repositoryArg;
          this.#unit = unit;
        }
        async run({ attempt }: TaskContext): Promise<string> {
          expect(this.#repository).toBe(repository);
          during.push({ unit: this.#unit, disposedDuringRun: this.#unit.disposed });
          await Promise.resolve();
          if (attempt === 1) throw new Error('first attempt fails');
          return 'collected';
        }
      },
    );
    const job = await runJob(taskClass, awilixServices(container));
    expect(job.status).toBe('succeeded');
    expect(job.attempt).toBe(2);
    expect(during).toHaveLength(2);
    expect(during[0]!.unit).not.toBe(during[1]!.unit);
    expect(during.map((run) => run.disposedDuringRun)).toEqual([false, false]);
    expect(UnitOfWork.created).toEqual([during[0]!.unit, during[1]!.unit]);
    expect(UnitOfWork.created.map((unit) => unit.disposed)).toEqual([true, true]);
  });

  it('disposes through [Symbol.asyncDispose] first, awaited, and also when the attempt throws', async () => {
    const events: string[] = [];
    const scope = (n: number): ServiceScope => ({
      get: <T>() => `scoped-${n}` as T,
      dispose: () => events.push(`dispose ${n} (not called: asyncDispose wins)`),
      [Symbol.asyncDispose]: async () => {
        await Promise.resolve();
        events.push(`disposed ${n}`);
      },
    });
    let scopes = 0;
    const services: ScopedServiceProvider = { createScope: () => scope(++scopes) };
    await expect(withServiceScope(services, (scoped) => resolveService(scoped, 'x'))).resolves.toBe('scoped-1');
    await expect(
      withServiceScope(services, () => {
        events.push('run 2 throws');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(events).toEqual(['disposed 1', 'run 2 throws', 'disposed 2']);
  });

  it('reports a failed disposal: as the error after a success, beside the error after a failure', async () => {
    const services: ScopedServiceProvider = {
      createScope: () => ({
        dispose() {
          throw new Error('dispose failed');
        },
      }),
    };
    await expect(withServiceScope(services, () => 'ok')).rejects.toThrow('dispose failed');
    const failure = await withServiceScope(services, () => {
      throw new Error('run failed');
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).errors.map((error: Error) => error.message)).toEqual(['run failed', 'dispose failed']);
  });

  it('uses services as they are when they have no createScope()', async () => {
    const services = { x: 1 };
    await expect(withServiceScope(services, (scoped) => scoped)).resolves.toBe(services);
  });
});
