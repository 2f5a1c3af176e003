import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, at, cron, every, type JobRecord, type ScheduleRecord } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { bin, sundial, type Run } from '../fixtures/cli-process.ts';

// The CLI as users run it: the built bin (npm test builds first), in its own process.
/** Starts `sundial demo`, waits until its output matches `until`, then sends SIGINT and waits for the exit. */
function runDemoUntil(cwd: string, until: RegExp, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'demo'], { cwd, env: { ...process.env, SUNDIAL_STORE: '' } });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo output never matched ${until}:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!signalled && until.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sundial-cli-'));
const dbPath = join(dir, 'app.db');
const store = `sqlite:${dbPath}`;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does it)`);
  // What an application would have done: schedules in a shared SQLite file. A client scheduler
  // (no roles) fires nothing, so the CLI sees exactly these.
  const scheduler = new Scheduler({ store: new SqliteStore(dbPath), roles: { schedules: false, jobs: false } });
  await scheduler.schedule({ id: 'nightly-report', task: 'report', trigger: cron('0 3 * * *', { tz: 'Europe/Berlin' }) });
  await scheduler.schedule({ id: 'sync-every-5m', task: 'sync', data: { account: 'acme' }, trigger: every('5m') });
  await scheduler.schedule({ id: 'reminder', task: 'email', trigger: at(Date.now() + 3_600_000), paused: true });
  await scheduler.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sundial admin commands', () => {
  it('lists schedules as JSON and as a table', async () => {
    const json = await sundial(['schedules', 'ls', '--store', store, '--json']);
    expect(json.code).toBe(0);
    const schedules = JSON.parse(json.stdout) as ScheduleRecord[];
    expect(schedules.map((s) => s.id)).toEqual(['nightly-report', 'reminder', 'sync-every-5m']);

    const table = await sundial(['schedules', 'ls', '--store', store]);
    expect(table.stdout).toMatch(/^ID\s+TASK\s+TRIGGER\s+STATE/);
    expect(table.stdout).toMatch(/nightly-report\s+report\s+cron 0 3 \* \* \* \(Europe\/Berlin\)\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in /);

    const paused = await sundial(['schedules', 'ls', '--paused', '--json'], { env: { SUNDIAL_STORE: store } });
    expect((JSON.parse(paused.stdout) as ScheduleRecord[]).map((s) => s.id)).toEqual(['reminder']);
  });

  it('pauses and resumes a schedule', async () => {
    expect((await sundial(['pause', 'sync-every-5m', '--store', store])).stdout).toBe('Paused schedule sync-every-5m.\n');
    const afterPause = JSON.parse((await sundial(['schedules', 'ls', '--task', 'sync', '--json', '--store', store])).stdout);
    expect(afterPause[0].paused).toBe(true);

    const resumed = await sundial(['resume', 'sync-every-5m', '--store', store]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^Resumed schedule sync-every-5m; next fire .* \(in \d/);
    const afterResume = JSON.parse((await sundial(['schedules', 'ls', '--task', 'sync', '--json', '--store', store])).stdout);
    expect(afterResume[0].paused).toBe(false);
  });

  it('triggers a schedule: a manual job appears, and can be shown, cancelled and retried', async () => {
    const triggered = await sundial(['trigger', 'sync-every-5m', '--store', store, '--json']);
    expect(triggered.code).toBe(0);
    const job = JSON.parse(triggered.stdout) as JobRecord;

    const jobs = JSON.parse((await sundial(['jobs', 'ls', '--json', '--store', store])).stdout) as JobRecord[];
    expect(jobs).toContainEqual(expect.objectContaining({ id: job.id, origin: 'manual', scheduleId: 'sync-every-5m', status: 'queued' }));
    const none = JSON.parse((await sundial(['jobs', 'ls', '--status', 'dead,failed', '--json', '--store', store])).stdout);
    expect(none).toEqual([]);

    const shown = await sundial(['jobs', 'show', job.id, '--store', store]);
    expect(shown.stdout).toMatch(new RegExp(`^id\\s+${job.id}$`, 'm'));
    expect(shown.stdout).toMatch(/^origin\s+manual$/m);
    expect(shown.stdout).toMatch(/^schedule\s+sync-every-5m$/m);
    expect(shown.stdout).toContain('{"account":"acme"}');

    expect((await sundial(['cancel', job.id, '--store', store])).stdout).toBe(`Cancelled job ${job.id} (sync).\n`);
    const retried = await sundial(['retry', job.id, '--store', store]);
    expect(retried.stdout).toMatch(/is queued again/);
    const cancelledShow = await sundial(['jobs', 'show', job.id, '--store', store, '--json']);
    expect((JSON.parse(cancelledShow.stdout) as JobRecord).status).toBe('queued');
  });

  it('removes a schedule, and says so when it is not there', async () => {
    expect((await sundial(['remove', 'reminder', '--store', store])).stdout).toBe('Removed schedule reminder.\n');
    const again = await sundial(['remove', 'reminder', '--store', store]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('sundial remove: No schedule with id "reminder" (SCHEDULE_NOT_FOUND)\n');
  });

  it.each([
    [['schedules', 'ls', '--store', 'mysql://db/app'], /^sundial schedules ls: Unknown store URL "mysql:\/\/db\/app"; expected sqlite:/],
    [['schedules', 'ls', '--store', join(dir, 'missing.db')], /No store at .*missing\.db/],
    [['jobs', 'ls', '--status', 'bogus', '--store', store], /Expected `--status` to be one or more of/],
    [['jobs', 'show', 'no-such-job', '--store', store], /No job with id "no-such-job".*\(JOB_NOT_FOUND\)/],
  ])('fails with one line, no stack: %j', async (args, message) => {
    const run = await sundial(args);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('sundial demo', () => {
  const demoDir = mkdtempSync(join(tmpdir(), 'sundial-demo-'));
  afterAll(() => rmSync(demoDir, { recursive: true, force: true }));

  it('runs a heartbeat, then stops gracefully on SIGINT with exit code 0', async () => {
    const run = await runDemoUntil(demoDir, /job\.succeeded\s+heartbeat\s+job \w{8}\s+attempt 1\/3/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No schedules from a previous run: creating 3.');
    expect(run.stdout).toContain('npx sundial schedules ls --store sqlite:./sundial-demo.db');
    expect(run.stdout).toMatch(/SIGINT: stopping gracefully/);
    expect(run.stdout).toMatch(/Stopped\./);
    expect(run.stderr).toBe('');
  });

  it('keeps its 3 schedules across a restart, without duplicates', async () => {
    const second = await runDemoUntil(demoDir, /Press Ctrl-C to stop/);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Found 3 schedule(s) from a previous run');
    const listed = await sundial(['schedules', 'ls', '--json', '--store', `sqlite:${join(demoDir, 'sundial-demo.db')}`]);
    const ids = (JSON.parse(listed.stdout) as ScheduleRecord[]).map((s) => s.id);
    expect(ids).toEqual(['flaky-sync-every-15s', 'heartbeat-every-3s', 'report-every-10s']);
  });
});
