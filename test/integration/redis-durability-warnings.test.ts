// RedisStore.durabilityWarnings against private redis-servers started by this file on free
// loopback ports (test/fixtures/redis-server-process.ts), each configured to lose data in one way
// or not at all: the store names what it found (CONFIG GET appendonly, save, maxmemory-policy),
// says so once through the scheduler's logger when it opens, lists it in the admin API's
// /stats, and when CONFIG is renamed away (as on managed services) it says it could not check,
// without failing open.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAdmin } from '../../src/admin/index.ts';
import { Scheduler, task, type Logger } from '../../src/index.ts';
import { MemoryStore } from '../../src/memory/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import type { StoreWarning } from '../../src/store/store.ts';
import { randomPrefix } from '../fixtures/redis-test-helpers.ts';
import { requireRedisBinaries, startRedisServer, type RedisServerProcess } from '../fixtures/redis-server-process.ts';

const available = requireRedisBinaries('the Redis durability warning tests');

/** Every server starts with `--save "" --appendonly no` (the fixture's defaults); these flags come after and win. */
const configurations = {
  memoryOnly: [],
  durable: ['--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
  rdbOnly: ['--save', '3600 1'],
  evicting: ['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru'],
  noConfig: ['--rename-command', 'CONFIG', ''],
} as const;
type Configuration = keyof typeof configurations;

const servers = new Map<Configuration, RedisServerProcess>();
const stores: RedisStore[] = [];

async function openStore(configuration: Configuration): Promise<RedisStore> {
  const store = new RedisStore({ url: servers.get(configuration)!.url, prefix: randomPrefix('durability') });
  stores.push(store);
  await store.open();
  return store;
}

/** A logger that keeps what it was told (warn and above). */
function recordingLogger(): Logger & { warnings: Array<{ message: string; fields: Record<string, unknown> | undefined }>; errors: string[] } {
  const warnings: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    debug: () => {},
    info: () => {},
    warn: (message, fields) => warnings.push({ message, fields }),
    error: (message) => errors.push(message),
  };
}

const codes = (warnings: readonly StoreWarning[]) => warnings.map((warning) => warning.code);

describe.skipIf(!available)('RedisStore durability warnings', () => {
  beforeAll(async () => {
    const started = await Promise.all(
      Object.entries(configurations).map(async ([name, args]) => [name as Configuration, await startRedisServer({ args })] as const),
    );
    for (const [name, server] of started) servers.set(name, server);
  }, 60_000);
  afterAll(async () => {
    for (const store of stores) await store.close();
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }, 30_000);

  test('a server without AOF and RDB snapshots: persistence-off, naming the server and the fix', async () => {
    const store = await openStore('memoryOnly');
    const warnings = await store.durabilityWarnings();
    expect(codes(warnings)).toEqual(['persistence-off']);
    const { port } = servers.get('memoryOnly')!;
    expect(warnings[0]!.message).toContain(`127.0.0.1:${port}`);
    expect(warnings[0]!.message).toMatch(/restart .* loses every schedule and job/);
    expect(warnings[0]!.message).toContain('appendonly yes');
  });

  test('AOF on and maxmemory-policy noeviction: no warning', async () => {
    const store = await openStore('durable');
    expect(await store.durabilityWarnings()).toEqual([]);
  });

  test('RDB snapshots without AOF count as persistence: no warning', async () => {
    const store = await openStore('rdbOnly');
    expect(await store.durabilityWarnings()).toEqual([]);
  });

  test('maxmemory-policy allkeys-lru: eviction-possible, naming the policy', async () => {
    const store = await openStore('evicting');
    const warnings = await store.durabilityWarnings();
    expect(codes(warnings)).toEqual(['eviction-possible']);
    expect(warnings[0]!.message).toContain('maxmemory-policy allkeys-lru');
    expect(warnings[0]!.message).toContain('noeviction');
  });

  test('CONFIG renamed away: open works, and one durability-unchecked warning says why', async () => {
    const store = await openStore('noConfig');
    const warnings = await store.durabilityWarnings();
    expect(codes(warnings)).toEqual(['durability-unchecked']);
    expect(warnings[0]!.message).toMatch(/CONFIG GET failed: .*unknown command/i);
    // The store still works.
    const [enqueued] = await store.enqueueJobs([
      { id: 'job-1', task: 't', data: null, origin: 'manual', scheduleId: null, fireAtMs: null, priority: 0, runAtMs: 0, maxAttempts: 1, createdAtMs: 0, dedupeKey: null },
    ]);
    expect(enqueued?.created).toBe(true);
  });

  test('settings are read on every call: a CONFIG SET at runtime shows up at the next call', async () => {
    const store = await openStore('durable');
    expect(await store.durabilityWarnings()).toEqual([]);
    // Through a plain connection of the test: the store never writes settings.
    const connection = new Redis(servers.get('durable')!.url);
    try {
      await connection.config('SET', 'maxmemory-policy', 'volatile-lru');
      expect(codes(await store.durabilityWarnings())).toEqual(['eviction-possible']);
    } finally {
      await connection.config('SET', 'maxmemory-policy', 'noeviction');
      connection.disconnect();
    }
  });

  test('before open() it rejects like any other call', async () => {
    const store = new RedisStore({ url: servers.get('durable')!.url, prefix: randomPrefix('durability') });
    await expect(store.durabilityWarnings()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  describe('the scheduler', () => {
    const noop = task('noop', { run: () => {} });

    test('logs each warning once through its logger after the store opens', async () => {
      const logger = recordingLogger();
      const scheduler = new Scheduler({ store: new RedisStore({ url: servers.get('memoryOnly')!.url, prefix: randomPrefix('durability') }), tasks: [noop], logger });
      try {
        // Several calls that open the store, and a start: the store is opened (and checked) once.
        await Promise.all([scheduler.listSchedules(), scheduler.enqueue({ task: noop })]);
        await scheduler.start();
        await scheduler.start();
        await scheduler.waitFor('job.succeeded');
      } finally {
        await scheduler.stop();
      }
      expect(logger.warnings.map((w) => w.fields?.['code'])).toEqual(['persistence-off']);
      expect(logger.warnings[0]!.message).toMatch(/^Store redis: Redis 127\.0\.0\.1:\d+ keeps nothing on disk/);
      expect(logger.errors).toEqual([]);
    });

    test('logs nothing for a durable server', async () => {
      const logger = recordingLogger();
      const scheduler = new Scheduler({ store: new RedisStore({ url: servers.get('durable')!.url, prefix: randomPrefix('durability') }), tasks: [noop], logger });
      try {
        await scheduler.start();
      } finally {
        await scheduler.stop();
      }
      expect(logger.warnings).toEqual([]);
    });

    test('starts and runs jobs when CONFIG is renamed away, having said it could not check', async () => {
      const logger = recordingLogger();
      const scheduler = new Scheduler({ store: new RedisStore({ url: servers.get('noConfig')!.url, prefix: randomPrefix('durability') }), tasks: [noop], logger });
      try {
        await scheduler.start();
        const succeeded = scheduler.waitFor('job.succeeded');
        await scheduler.enqueue({ task: noop });
        await succeeded;
      } finally {
        await scheduler.stop();
      }
      expect(logger.warnings.map((w) => w.fields?.['code'])).toEqual(['durability-unchecked']);
    });

    test("starts when a store's check rejects (a store breaking the contract), and says so", async () => {
      const logger = recordingLogger();
      const store = Object.assign(new MemoryStore(), { durabilityWarnings: () => Promise.reject(new Error('socket closed')) });
      const scheduler = new Scheduler({ store, tasks: [noop], logger });
      try {
        await scheduler.start();
      } finally {
        await scheduler.stop();
      }
      expect(logger.warnings.map((w) => [w.message, w.fields?.['code']])).toEqual([
        ['Store memory: could not check its durability settings: socket closed', 'durability-unchecked'],
      ]);
    });
  });

  test('the admin API lists them in GET /stats (storeWarnings)', async () => {
    const token = 'read-token-0123456789abcdef';
    const check = async (configuration: Configuration) => {
      const scheduler = new Scheduler({
        store: new RedisStore({ url: servers.get(configuration)!.url, prefix: randomPrefix('durability') }),
        roles: { schedules: false, jobs: false },
        logger: 'silent',
      });
      const admin = createAdmin({ scheduler, auth: { tokens: [{ token, role: 'read' }] }, onError: () => {} });
      try {
        await scheduler.listSchedules(); // opens the store
        const response = await admin.fetch(new Request('http://127.0.0.1/api/stats', { headers: { authorization: `Bearer ${token}` } }));
        expect(response.status).toBe(200);
        return ((await response.json()) as { storeWarnings: StoreWarning[] }).storeWarnings;
      } finally {
        await admin.close();
        await scheduler.stop();
      }
    };
    expect(codes(await check('evicting'))).toEqual(['eviction-possible']);
    expect(await check('durable')).toEqual([]);
  });
});
