// A strict every-minute cron in Europe/Berlin keeps firing through the 2026-10-25 autumn change
// (03:00 CEST becomes 02:00 CET at 01:00Z) on every store: it skips the repeated hour and is never
// ended, and the store reads `trigger.dst` back as written. The virtual clock drives PostgreSQL
// and Redis through `clock.trackStore(store)`. In CI a missing server fails the file (see
// requirePostgres / requireRedis), elsewhere its tests are skipped with the reason printed.
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { Scheduler, cron, task, type Store } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { VirtualClock } from '../../src/testing/virtual-clock.ts';
import { adminPool, dropSchema, pgUrl, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const postgres = await requirePostgres('test/integration/dst-on-every-store.test.ts');
const redis = await requireRedis();
const admin = postgres ? adminPool() : null;
afterAll(async () => {
  await admin?.end();
});

const cleanups: Array<() => Promise<void>> = [];
const setups: Array<[string, boolean, () => Store]> = [
  ['memory', true, () => new MemoryStore()],
  ['sqlite', true, () => new SqliteStore(':memory:')],
  ['postgres', postgres, () => {
    const schema = randomSchema('sundial_dst');
    cleanups.push(() => dropSchema(admin!, schema));
    return new PostgresStore({ connectionString: pgUrl(), schema });
  }],
  ['redis', redis, () => {
    const prefix = randomPrefix('dst');
    cleanups.push(() => deletePrefix(prefix));
    return new RedisStore({ url: redisUrl, prefix });
  }],
];

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const everyMinuteStrict = () => cron('* * * * *', { tz: 'Europe/Berlin', dst: 'strict' });

describe.each(setups)('DST on the %s store', (_name, available, makeStore) => {
  let scheduler: Scheduler | null = null;
  afterEach(async () => {
    await scheduler?.stop({ timeout: 0 });
    scheduler = null;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function open(clock: VirtualClock, ticks: number[]): Scheduler {
    scheduler = new Scheduler({
      store: clock.trackStore(makeStore()),
      clock,
      logger: 'error',
      pollInterval: '1h',
      tasks: [task('tick', { run: () => void ticks.push(clock.now()) })],
    });
    return scheduler;
  }

  test.skipIf(!available)('a strict every-minute cron fires through the autumn change and is not ended', async () => {
    const clock = new VirtualClock(utc('2026-10-25T00:55:30Z')); // 02:55:30 CEST
    const ticks: number[] = [];
    const node = open(clock, ticks);
    const ended: unknown[] = [];
    node.on('schedule.ended', (payload) => void ended.push(payload));
    await node.start();
    await node.schedule({ id: 'every-minute', task: 'tick', trigger: everyMinuteStrict() });

    await clock.advance('68m'); // to 02:03:30Z, 03:03:30 CET
    expect(ticks.map(iso)).toEqual([
      '2026-10-25T00:56:00.000Z',
      '2026-10-25T00:57:00.000Z',
      '2026-10-25T00:58:00.000Z',
      '2026-10-25T00:59:00.000Z', // 02:59 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET: the repeated 02:00-02:59 CET (01:00Z-01:59Z) is skipped
      '2026-10-25T02:01:00.000Z',
      '2026-10-25T02:02:00.000Z',
      '2026-10-25T02:03:00.000Z',
    ]);
    expect(ended).toEqual([]);
    const stored = await node.getSchedule('every-minute');
    expect(stored).not.toBeNull();
    expect(stored!.nextFireAtMs).toBe(utc('2026-10-25T02:04:00Z'));
    expect(stored!.trigger).toMatchObject({ type: 'cron', tz: 'Europe/Berlin', dst: 'strict' });
  });

  test.skipIf(!available)('created during the repeated hour: the first fire stored is the end of the repeat, and dst reads back', async () => {
    const clock = new VirtualClock(utc('2026-10-25T01:10:00Z')); // 02:10 CET, the second 02:10
    const node = open(clock, []);
    await node.start();
    await node.schedule({ id: 'strict', task: 'tick', trigger: everyMinuteStrict() });
    await node.schedule({ id: 'vixie', task: 'tick', trigger: cron('* * * * *', { tz: 'Europe/Berlin', dst: 'vixie' }) });

    const strict = await node.getSchedule('strict');
    expect(strict?.nextFireAtMs).toBe(utc('2026-10-25T02:00:00Z'));
    expect(strict?.trigger).toMatchObject({ dst: 'strict' });
    const vixie = await node.getSchedule('vixie');
    expect(vixie?.nextFireAtMs).toBe(utc('2026-10-25T01:11:00Z'));
    expect(vixie?.trigger).toMatchObject({ dst: 'vixie' });
  });
});
