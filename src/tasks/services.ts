import { ServiceNotFoundError } from '../errors.ts';

/** What a task asks the service provider for: a class, a string or a symbol. */
export type ServiceToken<T = unknown> = string | symbol | (abstract new (...args: never[]) => T);

/**
 * The smallest interface a dependency-injection container must satisfy for Sundial to resolve
 * a task's dependencies on every run. Most containers already have it (or a one-line adapter).
 */
export interface ServiceProvider {
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
