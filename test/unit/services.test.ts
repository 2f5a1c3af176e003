import { describe, expect, it } from 'vitest';
import { ServiceNotFoundError } from '../../src/errors.ts';
import { resolveService, type ServiceProvider, type ServiceToken } from '../../src/tasks/services.ts';

class WorkerRepository {}
class Ec2Client {}

/** A container in the shape most DI libraries have: `get(token)` answers, and records what it was asked. */
function container(answers: Map<ServiceToken, unknown>): ServiceProvider & { asked: ServiceToken[] } {
  const asked: ServiceToken[] = [];
  return {
    asked,
    get<T>(token: ServiceToken<T>): T {
      asked.push(token);
      if (!answers.has(token)) throw new Error(`container: nothing bound to ${String(token)}`);
      return answers.get(token) as T;
    },
  };
}

function notFound(services: unknown, token: ServiceToken): string {
  try {
    resolveService(services, token);
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceNotFoundError);
    expect((error as ServiceNotFoundError).code).toBe('SERVICE_NOT_FOUND');
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('resolveService with a container (get)', () => {
  it('asks the container for class, string and symbol tokens and returns its answer', () => {
    const repository = new WorkerRepository();
    const region = Symbol('region');
    const services = container(new Map<ServiceToken, unknown>([[WorkerRepository, repository], ['clock', 'the-clock'], [region, 'eu-west-1']]));
    expect(resolveService(services, WorkerRepository)).toBe(repository);
    expect(resolveService(services, 'clock')).toBe('the-clock');
    expect(resolveService(services, region)).toBe('eu-west-1');
    expect(services.asked).toEqual([WorkerRepository, 'clock', region]);
  });

  it('trusts the container alone: its own properties are not looked up, and its errors pass through', () => {
    const services = Object.assign(container(new Map()), { workerRepository: 'a property, not a binding' });
    expect(() => resolveService(services, WorkerRepository)).toThrow('container: nothing bound to');
    expect(services.asked).toEqual([WorkerRepository]);
  });

  it('takes a Map as a container', () => {
    const client = new Ec2Client();
    expect(resolveService(new Map([[Ec2Client, client]]), Ec2Client)).toBe(client);
  });
});

describe('resolveService with a plain object', () => {
  it('answers a string or symbol token by that key', () => {
    const region = Symbol('region');
    expect(resolveService({ clock: 'the-clock' }, 'clock')).toBe('the-clock');
    expect(resolveService({ [region]: 'eu-west-1' }, region)).toBe('eu-west-1');
  });

  it('answers a class by its name, then by its name with a lower-case first letter', () => {
    const repository = new WorkerRepository();
    expect(resolveService({ workerRepository: repository }, WorkerRepository)).toBe(repository);
    expect(resolveService({ WorkerRepository: repository, workerRepository: 'second' }, WorkerRepository)).toBe(repository);
    // An undefined entry does not count: the next key is tried.
    expect(resolveService({ WorkerRepository: undefined, workerRepository: repository }, WorkerRepository)).toBe(repository);
  });

  it('reads a `get` that is not a function as a plain property', () => {
    expect(resolveService({ get: 'not a container', region: 'eu-west-1' }, 'region')).toBe('eu-west-1');
    expect(resolveService({ get: 'not a container' }, 'get')).toBe('not a container');
  });

  it('keeps falsy services other than undefined', () => {
    expect(resolveService({ retries: 0, dryRun: false, prefix: '', none: null }, 'retries')).toBe(0);
    expect(resolveService({ dryRun: false }, 'dryRun')).toBe(false);
    expect(resolveService({ prefix: '' }, 'prefix')).toBe('');
    expect(resolveService({ none: null }, 'none')).toBeNull();
  });

  it('names the missing token in a ServiceNotFoundError', () => {
    expect(notFound({ other: 1 }, WorkerRepository)).toBe("No service for class WorkerRepository: pass it in the scheduler's `services`");
    expect(notFound({ other: 1 }, 'clock')).toBe(`No service for "clock": pass it in the scheduler's \`services\``);
    expect(notFound({ other: 1 }, Symbol('region'))).toBe("No service for Symbol(region): pass it in the scheduler's `services`");
    expect(notFound({ clock: undefined }, 'clock')).toContain('"clock"');
  });

  it('refuses services that are not an object', () => {
    for (const services of [undefined, null, 'clock', 42]) expect(notFound(services, 'clock')).toContain('"clock"');
  });
});
