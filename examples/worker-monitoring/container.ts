// The smallest dependency-injection container: one factory per token, each built once, on first
// use. Sundial asks it for a task's dependencies on every run (`services.get(token)`), so a job
// in the store carries ids only and finds live objects on whichever replica runs it.
import type { ServiceProvider, ServiceToken } from '../../src/index.ts';

export class ServiceNotRegisteredError extends Error {
  readonly code = 'SERVICE_NOT_REGISTERED';
  constructor(message: string) {
    super(message);
    this.name = 'ServiceNotRegisteredError';
  }
}

export class Container implements ServiceProvider {
  readonly #factories = new Map<ServiceToken, () => unknown>();
  readonly #instances = new Map<ServiceToken, unknown>();

  register<T>(token: ServiceToken<T>, factory: () => T): this {
    this.#factories.set(token, factory);
    return this;
  }

  get<T>(token: ServiceToken<T>): T {
    if (this.#instances.has(token)) return this.#instances.get(token) as T;
    const factory = this.#factories.get(token);
    if (factory === undefined) throw new ServiceNotRegisteredError(`Nothing registered for ${typeof token === 'function' ? token.name : String(token)}`);
    const instance = factory();
    this.#instances.set(token, instance);
    return instance as T;
  }
}
