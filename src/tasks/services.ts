import { ServiceNotFoundError } from '../errors.ts';

/** What a task asks the service provider for: a class, a string or a symbol. */
export type ServiceToken<T = unknown> = string | symbol | (abstract new (...args: never[]) => T);

/**
 * The smallest interface a dependency-injection container must satisfy for Sundial to resolve
 * a task's dependencies on every run. Most containers already have it (or a one-line adapter).
 */
export interface ServiceProvider {
  /** The service registered under `token` (a class, a string or a symbol). */
  get<T>(token: ServiceToken<T>): T;
}

/**
 * Resolves `token` from `services`: a `ServiceProvider` answers through `get`; a plain object
 * answers by key — a string or symbol as is, a class by its name and its name with a lower-case
 * first letter (`WorkerRepository` → `services.WorkerRepository` or `services.workerRepository`).
 */
export function resolveService<T>(services: unknown, token: ServiceToken<T>): T {
  if (isServiceProvider(services)) return services.get(token);
  if (services !== null && typeof services === 'object') {
    const record = services as Record<string | symbol, unknown>;
    for (const key of keysFor(token)) {
      if (key in record && record[key] !== undefined) return record[key] as T;
    }
  }
  throw new ServiceNotFoundError(`No service for ${describeToken(token)}: pass it in the scheduler's \`services\``);
}

function isServiceProvider(value: unknown): value is ServiceProvider {
  return value !== null && typeof value === 'object' && typeof (value as { get?: unknown }).get === 'function';
}

function keysFor(token: ServiceToken): Array<string | symbol> {
  if (typeof token !== 'function') return [token];
  const name = token.name;
  return [name, name.charAt(0).toLowerCase() + name.slice(1)];
}

function describeToken(token: ServiceToken): string {
  if (typeof token === 'function') return `class ${token.name}`;
  return typeof token === 'symbol' ? token.toString() : `"${token}"`;
}

/**
 * A service provider that opens a fresh scope per attempt (a unit of work): when the scheduler's
 * `services` has `createScope()`, a `@Task` class's `inject` tokens are resolved from a new scope
 * for every attempt, and the scope is disposed when the attempt ends (succeeded, failed or
 * aborted) through its `[Symbol.asyncDispose]()` or `dispose()`, if it has one. Scoped
 * registrations (a database transaction, a per-job logger, a request-style cache) then live
 * exactly as long as one attempt.
 *
 * awilix's `container.createScope()` and tsyringe's `container.createChildContainer()` fit with a
 * few-line adapter (see docs/dependency-injection.md).
 *
 * @example
 * const services: ScopedServiceProvider = {
 *   get: (token) => container.resolve(nameOf(token)),
 *   createScope() {
 *     const scope = container.createScope();
 *     return { get: (token) => scope.resolve(nameOf(token)), dispose: () => scope.dispose() };
 *   },
 * };
 */
export interface ScopedServiceProvider {
  /** A new scope for one attempt: a `ServiceProvider` or a plain object, optionally disposable. */
  createScope(): ServiceScope;
}

/** What `createScope()` returns: resolved like `services` is; disposed after the attempt when it can be. */
export type ServiceScope = (ServiceProvider | object) & {
  /**
   * Called after the attempt when the scope has no `Symbol.asyncDispose` (awaited if it returns a promise).
   */
  dispose?(): unknown;
  /** Called (and awaited) after the attempt; preferred over `dispose`. */
  [Symbol.asyncDispose]?(): PromiseLike<void>;
};

/**
 * Runs `run` with the services of one attempt: a fresh scope when `services` is a
 * `ScopedServiceProvider` (disposed once `run` settles, even when it throws), else `services`
 * itself. An error of the disposal is thrown only when `run` succeeded; otherwise `run`'s error wins.
 */
export async function withServiceScope<R>(services: unknown, run: (scoped: unknown) => R | PromiseLike<R>): Promise<R> {
  if (!isScopedServiceProvider(services)) return run(services);
  const scope = services.createScope();
  let result: R;
  try {
    result = await run(scope);
  } catch (error) {
    await disposeScope(scope).catch((disposeError: unknown) => {
      throw new AggregateError([error, disposeError], 'The attempt failed, then disposing its service scope failed', { cause: error });
    });
    throw error;
  }
  await disposeScope(scope);
  return result;
}

function isScopedServiceProvider(value: unknown): value is ScopedServiceProvider {
  return value !== null && typeof value === 'object' && typeof (value as { createScope?: unknown }).createScope === 'function';
}

async function disposeScope(scope: ServiceScope): Promise<void> {
  if (scope === null || typeof scope !== 'object') return;
  const asyncDispose = scope[Symbol.asyncDispose];
  if (typeof asyncDispose === 'function') await asyncDispose.call(scope);
  else if (typeof scope.dispose === 'function') await scope.dispose();
}
