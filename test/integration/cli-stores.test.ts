// The CLI against the server stores, by URL: PostgreSQL (its own schema) and Redis (its own prefix).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, every } from '../../src/index.ts';
import { PostgresStore } from '../../src/postgres/index.ts';
import { RedisStore } from '../../src/redis/index.ts';
import { sundial } from '../fixtures/cli-process.ts';
import { adminPool, dropSchema, pgUrl, randomSchema, requirePostgres } from '../fixtures/pg-env.ts';
import { deletePrefix, randomPrefix, redisUrl, requireRedis } from '../fixtures/redis-test-helpers.ts';

const postgresUp = await requirePostgres('cli-stores.test.ts');
const redisUp = await requireRedis();

describe.runIf(postgresUp)('sundial CLI on a PostgreSQL store URL', () => {
  const schema = randomSchema('sundial_cli');
  const url = `${pgUrl()}?schema=${schema}`;
  afterAll(async () => {
    const pool = adminPool();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('migrates a fresh schema once, then reports it up to date', async () => {
    const first = await sundial(['migrate', '--store', url]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^Migrated from version 0 to \d+: /);
    const again = await sundial(['migrate', '--store', url, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [] });
  });

  it('lists, pauses and triggers a schedule written by a node', async () => {
    const client = new Scheduler({ store: new PostgresStore({ connectionString: pgUrl(), schema }), roles: { schedules: false, jobs: false }, logger: 'silent' });
    await client.schedule({ id: 'report', task: 'report', trigger: every('1h') });
    await client.stop();
    const listed = await sundial(['schedules', 'ls', '--json', '--store', url]);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((s) => s.id)).toEqual(['report']);
    expect((await sundial(['pause', 'report', '--store', url])).stdout).toBe('Paused schedule report.\n');
    expect((await sundial(['trigger', 'report', '--store', url])).code).toBe(0);
    const jobs = JSON.parse((await sundial(['jobs', 'ls', '--json', '--store', url])).stdout) as Array<{ origin: string }>;
    expect(jobs.map((job) => job.origin)).toEqual(['manual']);
  });
});

describe.runIf(redisUp)('sundial CLI on a Redis store URL', () => {
  const prefix = randomPrefix('cli');
  const url = `${redisUrl}?prefix=${prefix}`;
  beforeAll(async () => {
    const client = new Scheduler({ store: new RedisStore({ url: redisUrl, prefix }), roles: { schedules: false, jobs: false }, logger: 'silent' });
    await client.schedule({ id: 'sync', task: 'sync', trigger: every('5m') });
    await client.stop();
  });
  afterAll(() => deletePrefix(prefix));

  it('lists and triggers the schedule, and the prefix keeps stores apart', async () => {
    const listed = await sundial(['schedules', 'ls', '--json', '--store', url]);
    expect(listed.stderr).toBe('');
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((s) => s.id)).toEqual(['sync']);
    expect((await sundial(['trigger', 'sync', '--store', url])).code).toBe(0);
    const jobs = JSON.parse((await sundial(['jobs', 'ls', '--json', '--store', url])).stdout) as Array<{ scheduleId: string }>;
    expect(jobs.map((job) => job.scheduleId)).toEqual(['sync']);
    const other = `${redisUrl}?prefix=${prefix}-other`;
    expect(JSON.parse((await sundial(['schedules', 'ls', '--json', '--store', other])).stdout)).toEqual([]);
    await deletePrefix(`${prefix}-other`);
  });
});
