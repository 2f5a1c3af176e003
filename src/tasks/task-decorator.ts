import { InvalidArgumentError } from '../errors.ts';
import { resolveService, withServiceScope, type ServiceToken } from './services.ts';
import { defineTask, type AnyTaskDefinition, type TaskContext, type TaskOptions } from './task.ts';

/**
 * The options of the `@Task(name, options)` decorator: those of `task()` without `run` (the class has it),
 * plus the services to inject into its constructor.
 */
export interface TaskClassOptions<Data, Services> extends Omit<TaskOptions<Data, Services>, 'run'> {
  /**
   * Constructor arguments, resolved from the scheduler's `services` on every run: the class is
   * instantiated fresh for each attempt, so it never carries state (or a stale connection) between runs.
   * When `services` is a `ScopedServiceProvider` (it has `createScope()`), they are resolved from a
   * new scope per attempt, disposed when the attempt's `run` settles.
   *
   * @defaultValue `[]`
   */
  inject?: readonly ServiceToken[];
}

/** A class whose instances run a job. */
// oxlint-disable-next-line no-explicit-any -- constructor arguments are whatever `inject` resolves
export type TaskClass<Data = any> = new (...args: any[]) => {
  /** Runs one attempt of a job, as `TaskOptions.run` does. */
  run(context: TaskContext<Data, any>): unknown };

const definitionsByClass = new WeakMap<object, AnyTaskDefinition>();

/**
 * Registers a class as a task (standard TC39 class decorator).
 *
 * @example
 * ＠Task('collect-metrics', { inject: [WorkerRepository, CloudWatch], retry: { attempts: 5 } })
 * class CollectMetrics {
 *   constructor(private workers: WorkerRepository, private cloudWatch: CloudWatch) {}
 *   async run({ data }: TaskContext<{ workerId: string }>) { … }
 * }
 * new Scheduler({ store, tasks: [CollectMetrics], services: container });
 */
export function Task<Data = unknown, Services = unknown>(name: string, options: TaskClassOptions<Data, Services> = {}) {
  return function decorate<C extends TaskClass<Data>>(target: C, context: ClassDecoratorContext<C>): void {
    if (context.kind !== 'class') throw new InvalidArgumentError('@Task decorates classes only');
    const inject = options.inject ?? [];
    const { inject: _inject, ...taskOptions } = options;
    const definition = defineTask(name, {
      ...(taskOptions as TaskOptions<unknown, unknown>),
      run(runContext) {
        if (inject.length === 0) return new target().run(runContext as TaskContext<Data, Services>);
        return withServiceScope(runContext.services, (scoped) => {
          const args = inject.map((token) => resolveService(scoped, token));
          return new target(...args).run(runContext as TaskContext<Data, Services>);
        });
      },
    });
    definitionsByClass.set(target, definition);
  };
}

/** The task a `@Task` class defines, or undefined when the class is not decorated. */
export function taskOfClass(target: object): AnyTaskDefinition | undefined {
  return definitionsByClass.get(target);
}
