// The virtual clock drives a scheduler on PostgreSQL and Redis too, when the store is handed over
// through `clock.trackStore(store)`: the clock then waits for every store call in flight (real
// I/O) before it fires the next timer. Without it, a server's answer arrives after the clock has
// moved on, and nothing fires until real time passes.
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { Scheduler, every, task, type Store } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { VirtualClock } from '../../src/testing/virtual-clock.ts';
import { adminPool, dropSchema, pgUrl, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const postgres = await requirePostgres('test/integration/virtual-clock-servers.test.ts');
const redis = await requireRedis();
const admin = postgres ? adminPool() : null;
afterAll(async () => {
  await admin?.end();
});

const t0 = Date.UTC(2026, 0, 1);
const cleanups: Array<() => Promise<void>> = [];
const setups: Array<[string, boolean, () => Store]> = [
  ['postgres', postgres, () => {
    const schema = randomSchema('sundial_vclock');
    cleanups.push(() => dropSchema(admin!, schema));
    return new PostgresStore({ connectionString: pgUrl(), schema });
  }],
  ['redis', redis, () => {
    const prefix = randomPrefix('vclock');
    cleanups.push(() => deletePrefix(prefix));
    return new RedisStore({ url: redisUrl, prefix });
  }],
];

describe.each(setups)('the virtual clock on %s', (_name, available, makeStore) => {
  let scheduler: Scheduler | null = null;
  afterEach(async () => {
    await scheduler?.stop({ timeout: 0 });
    scheduler = null;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  test.skipIf(!available)('a tracked store: fires, delays and retry backoffs happen at their virtual instants', async () => {
    const clock = new VirtualClock(t0);
    const ticks: number[] = [];
    const attempts: number[] = [];
    scheduler = new Scheduler({
      store: clock.trackStore(makeStore()),
      clock,
      logger: 'error',
      pollInterval: '1h',
      tasks: [
        task('tick', { run: () => void ticks.push(clock.now() - t0) }),
        task('flaky', {
          retry: { attempts: 3, backoff: { type: 'fixed', delay: '10s', jitter: 0 } },
          run: () => {
            attempts.push(clock.now() - t0);
            if (attempts.length < 3) throw new Error('not yet');
          },
        }),
      ],
    });
    await scheduler.start();
    await scheduler.schedule({ id: 'tick', task: 'tick', trigger: every('1s') });
    await scheduler.enqueue({ task: 'flaky', delay: '2500ms' });
    await clock.advance('5s');
    expect(ticks).toEqual([1000, 2000, 3000, 4000, 5000]);
    await clock.advance('30s');
    expect(attempts).toEqual([2500, 12_500, 22_500]);
  });
});
