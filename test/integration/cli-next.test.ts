import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, at, calendar, cron, every } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { bin, sundial } from '../fixtures/cli-process.ts';

// `sundial schedules next` as users run it: the built bin (npm test builds first), in its own process.
const dir = mkdtempSync(join(tmpdir(), 'sundial-cli-next-'));
const dbPath = join(dir, 'app.db');
const store = `sqlite:${dbPath}`;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does it)`);
  const scheduler = new Scheduler({ store: new SqliteStore(dbPath), roles: { schedules: false, jobs: false } });
  // Anchored in the future, so the fire times do not depend on when the test runs.
  await scheduler.schedule({
    id: 'invoices',
    task: 'invoice',
    trigger: calendar({ months: 1, at: '09:00', tz: 'Europe/Berlin', startAt: '2099-01-31T00:00:00+01:00', endAt: '2099-04-30T23:00:00Z' }),
  });
  await scheduler.schedule({ id: 'nightly', task: 'report', trigger: cron('0 3 * * *', { tz: 'America/New_York', startAt: '2099-03-07T00:00:00Z' }) });
  await scheduler.schedule({ id: 'sync', task: 'sync', trigger: every('5m', { startAt: '2099-01-01T00:00:00Z' }) });
  await scheduler.schedule({ id: 'gone', task: 'email', trigger: at('2099-01-01T00:00:00Z'), paused: true });
  await scheduler.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sundial schedules next', () => {
  it("prints the next fire times in the schedule's time zone and in UTC", async () => {
    const run = await sundial(['schedules', 'next', 'invoices', '--store', store]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Schedule invoices: every month on day 31 at 09:00 (Europe/Berlin)');
    expect(lines[1]).toMatch(/^#\s+EUROPE\/BERLIN\s+UTC$/);
    // Clamped to Feb 28, back on the 31st in March (after the switch to summer time), and ended by endAt.
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/))).toEqual([
      ['1', '2099-01-31 09:00:00 GMT+1', '2099-01-31 08:00:00 UTC'],
      ['2', '2099-02-28 09:00:00 GMT+1', '2099-02-28 08:00:00 UTC'],
      ['3', '2099-03-31 09:00:00 GMT+2', '2099-03-31 07:00:00 UTC'],
      ['4', '2099-04-30 09:00:00 GMT+2', '2099-04-30 07:00:00 UTC'],
    ]);
  });

  it('takes --count and --json', async () => {
    const run = await sundial(['schedules', 'next', 'nightly', '--count', '3', '--json'], { env: { SUNDIAL_STORE: store } });
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { id: string; tz: string; fireAtMs: number[] };
    expect(body.tz).toBe('America/New_York');
    // 03:00 EST is 08:00Z; from 8 March 2099 (summer time) 03:00 EDT is 07:00Z.
    expect(body.fireAtMs.map((ms) => new Date(ms).toISOString())).toEqual(['2099-03-07T08:00:00.000Z', '2099-03-08T07:00:00.000Z', '2099-03-09T07:00:00.000Z']);

    const utc = await sundial(['schedules', 'next', 'sync', '--count', '2', '--store', store]);
    expect(utc.stdout.trimEnd().split('\n').slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      ['#', 'UTC'],
      ['1', '2099-01-01 00:00:00 UTC'],
      ['2', '2099-01-01 00:05:00 UTC'],
    ]);
  });

  it('says so for a schedule with one fire, and fails for an unknown id or a bad count', async () => {
    const once = await sundial(['schedules', 'next', 'gone', '--json', '--store', store]);
    expect(JSON.parse(once.stdout).fireAtMs).toEqual([Date.UTC(2099, 0, 1)]);

    const missing = await sundial(['schedules', 'next', 'nope', '--store', store]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No schedule with id "nope" \(SCHEDULE_NOT_FOUND\)/);

    const bad = await sundial(['schedules', 'next', 'sync', '--count', 'zero', '--store', store]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--count/);
  });
});
