// The example's settings, read from the environment once, at the edge, with messages that say
// what was wrong. main.ts passes them on to the processes it spawns (they inherit its
// environment), so every process of one run agrees.
import { InvalidArgumentError, type Store } from '../../src/index.ts';

export interface Settings {
  /** `SUNDIAL_STORE`: sqlite:<path>, postgres://… (?schema=) or redis://… (?prefix=). main.ts defaults it to a SQLite file in a temporary folder. */
  storeUrl: string | undefined;
  /** `FAKE_CLOUD_URL`: set by main.ts for the processes it spawns. */
  cloudUrl: string | undefined;
  /** `PORT`: the API's port; 0 picks a free one. @defaultValue 0 */
  port: number;
  /** `WORKER_CONTROLLER_LEASE`: the leader's lease, so about the failover time after a crash. @defaultValue 5 s */
  leaseMs: number;
  /** `WORKER_CONTROLLER_SAMPLE_EVERY`: how often the leader samples each worker's CPU. @defaultValue 5 s */
  sampleEveryMs: number;
  /** `WORKER_CONTROLLER_RESYNC_EVERY`: how often the leader lists the cloud's instances. @defaultValue 10 s */
  resyncEveryMs: number;
  /** `WORKER_CONTROLLER_IDLE_SAMPLES`: this many samples in a row under the threshold make a worker idle. @defaultValue 3 */
  idleSamples: number;
  /** `WORKER_CONTROLLER_IDLE_CPU`: the idle threshold, in percent of CPU. @defaultValue 5 */
  idleCpuPercent: number;
  /** `WORKER_CONTROLLER_RESULT_TIMEOUT`: how long the API waits for a command's result before answering 504. @defaultValue 15 s */
  resultTimeoutMs: number;
  /** `FAKE_CLOUD_SEED`: the fake cloud's only source of randomness. @defaultValue 42 */
  seed: number;
  /** `FAKE_CLOUD_CHURN`: how often the fake cloud changes something by itself; `off` for never. @defaultValue 20 s */
  churnEveryMs: number | null;
  /** `FAKE_CLOUD_LICENSE_FAILURES`: the share of licence calls that fail with 503 (0 to 1). @defaultValue 0.3 */
  licenseFailureRate: number;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const text = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const duration = (name: string, fallbackMs: number) => {
    const value = text(name);
    return value === undefined ? fallbackMs : durationMs(value, name);
  };
  const number = (name: string, fallback: number, check: (n: number) => boolean, expected: string) => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!check(parsed)) throw new InvalidArgumentError(`Expected ${name} to be ${expected}, got ${JSON.stringify(value)}`);
    return parsed;
  };
  const churn = text('FAKE_CLOUD_CHURN');
  return {
    storeUrl: text('SUNDIAL_STORE'),
    cloudUrl: text('FAKE_CLOUD_URL'),
    port: number('PORT', 0, (n) => Number.isInteger(n) && n >= 0 && n < 65_536, 'a port number (0 for a free one)'),
    leaseMs: duration('WORKER_CONTROLLER_LEASE', 5_000),
    sampleEveryMs: duration('WORKER_CONTROLLER_SAMPLE_EVERY', 5_000),
    resyncEveryMs: duration('WORKER_CONTROLLER_RESYNC_EVERY', 10_000),
    idleSamples: number('WORKER_CONTROLLER_IDLE_SAMPLES', 3, (n) => Number.isInteger(n) && n >= 1 && n <= 20, 'an integer from 1 to 20'),
    idleCpuPercent: number('WORKER_CONTROLLER_IDLE_CPU', 5, (n) => n > 0 && n <= 100, 'a percentage above 0'),
    resultTimeoutMs: duration('WORKER_CONTROLLER_RESULT_TIMEOUT', 15_000),
    seed: number('FAKE_CLOUD_SEED', 42, Number.isSafeInteger, 'an integer'),
    churnEveryMs: churn === 'off' ? null : duration('FAKE_CLOUD_CHURN', 20_000),
    licenseFailureRate: number('FAKE_CLOUD_LICENSE_FAILURES', 0.3, (n) => n >= 0 && n <= 1, 'a number from 0 to 1'),
  };
}

/** The value of a setting every process needs, or a message naming the variable. */
export function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new InvalidArgumentError(`Expected ${name} to be set (main.ts sets it for the processes it starts)`);
  return value;
}

/** '250ms', '2s', '1m' or a number of milliseconds. */
export function durationMs(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * ({ ms: 1, s: 1_000, m: 60_000 } as const)[(match[2] ?? 'ms') as 'ms' | 's' | 'm'] : Number.NaN;
  if (!(ms > 0)) throw new InvalidArgumentError(`Expected ${name} to be a positive duration such as '2s' or '500ms', got ${JSON.stringify(value)}`);
  return Math.round(ms);
}

/**
 * The store a URL names, not opened yet (the scheduler opens it). The drivers of PostgreSQL and
 * Redis are loaded only when named.
 */
export async function storeFromUrl(url: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { base, parameter: schema } = takeParameter(url, 'schema');
    const { PostgresStore } = await import('../../src/postgres/index.ts');
    return new PostgresStore({ connectionString: base, ...(schema === undefined ? {} : { schema }) });
  }
  if (/^rediss?:\/\//i.test(url)) {
    const { base, parameter: prefix } = takeParameter(url, 'prefix');
    const { RedisStore } = await import('../../src/redis/index.ts');
    return new RedisStore({ url: base, ...(prefix === undefined ? {} : { prefix }) });
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
  if (path === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new InvalidArgumentError(`Expected SUNDIAL_STORE to be sqlite:<path>, postgres://… or redis://…, got ${JSON.stringify(url)}`);
  }
  const { SqliteStore } = await import('../../src/sqlite/index.ts');
  return new SqliteStore(path);
}

function takeParameter(url: string, name: string): { base: string; parameter: string | undefined } {
  const at = url.indexOf('?');
  if (at === -1) return { base: url, parameter: undefined };
  const query = new URLSearchParams(url.slice(at + 1));
  const parameter = query.get(name) || undefined;
  query.delete(name);
  const rest = query.toString();
  return { base: url.slice(0, at) + (rest === '' ? '' : `?${rest}`), parameter };
}
