// A replica's settings, from the environment main.ts sets (run one by hand with the same variables).
import { InvalidArgumentError } from '../../src/index.ts';
import type { RedisStore } from '../../src/redis/index.ts';

export interface ReplicaSettings {
  /** `SUNDIAL_STORE`: redis://host:port[?prefix=…], the store both replicas share. */
  storeUrl: string;
  /** `FAKE_CLOUD_URL`: the fake cloud main.ts serves. */
  cloudUrl: string;
  /** `WORKER_DB`: the workers' SQLite file, shared by the replicas. */
  workerDbPath: string;
  /** `PORT`: the API's port; 0 picks a free one. @defaultValue 0 */
  port: number;
  /** `COLLECT_EVERY`: how often each worker's metrics are collected. @defaultValue 5 min */
  collectEveryMs: number;
  /** `SUNDIAL_LEASE`: a replica's lease on the jobs it runs or reserved: the most a crash delays them. @defaultValue 3 s */
  leaseMs: number;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): ReplicaSettings {
  const text = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const required = (name: string) => text(name) ?? fail(`Expected ${name} to be set (main.ts sets it for the replicas it starts)`);
  const port = Number(text('PORT') ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`Expected PORT to be a port number (0 for a free one), got ${JSON.stringify(text('PORT'))}`);
  return {
    storeUrl: required('SUNDIAL_STORE'),
    cloudUrl: required('FAKE_CLOUD_URL'),
    workerDbPath: required('WORKER_DB'),
    port,
    collectEveryMs: durationMs(text('COLLECT_EVERY') ?? '5m', 'COLLECT_EVERY'),
    leaseMs: durationMs(text('SUNDIAL_LEASE') ?? '3s', 'SUNDIAL_LEASE'),
  };
}

/** '250ms', '2s', '5m' or a number of milliseconds. */
export function durationMs(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * ({ ms: 1, s: 1_000, m: 60_000 } as const)[(match[2] ?? 'ms') as 'ms' | 's' | 'm'] : Number.NaN;
  if (!(ms > 0)) fail(`Expected ${name} to be a positive duration such as '2s' or '5m', got ${JSON.stringify(value)}`);
  return Math.round(ms);
}

/** The Redis store a URL names (`redis://host:port?prefix=…`), not opened yet. */
export async function redisStore(url: string): Promise<RedisStore> {
  if (!/^rediss?:\/\//i.test(url)) fail(`Expected SUNDIAL_STORE to be redis://… (the seeds' store), got ${JSON.stringify(url)}`);
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get('prefix') || undefined;
  parsed.searchParams.delete('prefix');
  const { RedisStore } = await import('../../src/redis/index.ts');
  return new RedisStore({ url: parsed.toString(), ...(prefix === undefined ? {} : { prefix }) });
}

function fail(message: string): never {
  throw new InvalidArgumentError(message);
}
