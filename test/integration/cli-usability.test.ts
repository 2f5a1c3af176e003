import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, every, task, type JobRecord } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import { bin, sundial, type Run } from '../fixtures/cli-process.ts';

// Shortened ids, enqueue, nodes ls, --watch and completion, as users run them: the built bin
// (npm test builds first), in its own process, against a SQLite file.
const dir = mkdtempSync(join(tmpdir(), 'sundial-cli-usability-'));
const dbPath = join(dir, 'app.db');
const store = `sqlite:${dbPath}`;
let jobs: JobRecord[] = [];

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first (npm test does it)`);
  const scheduler = new Scheduler({ store: new SqliteStore(dbPath), roles: { schedules: false, jobs: false } });
  await scheduler.schedule({ id: 'report-daily', task: 'report', trigger: every('1d') });
  await scheduler.schedule({ id: 'report-hourly', task: 'report', trigger: every('1h') });
  await scheduler.schedule({ id: 'sync-every-5m', task: 'sync', trigger: every('5m') });
  // UUIDv7 ids made together share their start; their ends differ.
  jobs = await scheduler.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ task: 'work', data: { i } })));
  await scheduler.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The shortest start of `id` that no other job id shares. */
function uniquePrefix(id: string): string {
  for (let n = 1; n <= id.length; n++) if (jobs.filter((j) => j.id.startsWith(id.slice(0, n))).length === 1) return id.slice(0, n);
  return id;
}

describe('shortened ids', () => {
  it('finds a job by the suffix the dashboard shows, and by a unique prefix', async () => {
    const job = jobs[7]!;
    const bySuffix = await sundial(['jobs', 'show', job.id.slice(-8), '--store', store, '--json']);
    expect(bySuffix.stderr).toBe('');
    expect((JSON.parse(bySuffix.stdout) as JobRecord).id).toBe(job.id);

    const prefix = uniquePrefix(job.id);
    expect(prefix.length).toBeLessThan(job.id.length);
    const byPrefix = await sundial(['jobs', 'show', prefix, '--store', store]);
    expect(byPrefix.stdout).toMatch(new RegExp(`^id\\s+${job.id}$`, 'm'));

    const cancelled = await sundial(['cancel', job.id.slice(-8), '--store', store]);
    expect(cancelled.stdout).toBe(`Cancelled job ${job.id} (work).\n`);
    const retried = await sundial(['retry', prefix, '--store', store]);
    expect(retried.stdout).toMatch(new RegExp(`^Job ${job.id} \\(work\\) is queued again`));
  });

  it('lists the candidates of an ambiguous prefix or suffix, with exit code 2', async () => {
    const sharedStart = jobs[0]!.id.slice(0, 4);
    expect(jobs.filter((j) => j.id.startsWith(sharedStart)).length).toBeGreaterThan(1);
    const prefix = await sundial(['jobs', 'show', sharedStart, '--store', store]);
    expect(prefix.code).toBe(2);
    expect(prefix.stdout).toBe('');
    expect(prefix.stderr).toMatch(new RegExp(`^sundial jobs show: "${sharedStart}" matches \\d+ jobs: ${jobs.at(-1)!.id} \\(work, queued\\), .*; give more characters \\(AMBIGUOUS_ID\\)\\n$`));

    // A last character that several ids end with.
    const end = [...'0123456789abcdef'].find((c) => jobs.filter((j) => j.id.endsWith(c)).length > 1)!;
    const suffix = await sundial(['cancel', end, '--store', store]);
    expect(suffix.code).toBe(2);
    expect(suffix.stderr).toMatch(/^sundial cancel: ".*" matches \d+ jobs: .*\(AMBIGUOUS_ID\)\n$/);
  });

  it('says "No job" when nothing matches, with exit code 1', async () => {
    const run = await sundial(['retry', 'zzzzzzzz', '--store', store]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^sundial retry: No job with id "zzzzzzzz", nor one among the 1000 newest whose id starts or ends with it .*\(JOB_NOT_FOUND\)\n$/);
  });

  it('finds a schedule by a unique prefix; lists the candidates of an ambiguous one', async () => {
    expect((await sundial(['pause', 'sync', '--store', store])).stdout).toBe('Paused schedule sync-every-5m.\n');
    expect((await sundial(['resume', 'sync-every-5m', '--store', store])).code).toBe(0);
    const next = await sundial(['schedules', 'next', 'report-d', '--count', '1', '--store', store, '--json']);
    expect(JSON.parse(next.stdout)).toMatchObject({ id: 'report-daily' });

    const ambiguous = await sundial(['trigger', 'report', '--store', store]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe('sundial trigger: "report" is the start of 2 schedule ids: report-daily, report-hourly; give more characters (AMBIGUOUS_ID)\n');
    const none = await sundial(['remove', 'nope', '--store', store]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('sundial remove: No schedule with id "nope" (SCHEDULE_NOT_FOUND)\n');
  });
});

describe('sundial enqueue', () => {
  it('creates a job with data and options, which jobs show then sees', async () => {
    const before = Date.now();
    const run = await sundial(['enqueue', 'email', '--data', '{"to":"ada@example.com"}', '--delay', '30s', '--priority', '5', '--dedupe-key', 'welcome-ada', '--store', store, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout) as JobRecord;
    expect(job).toMatchObject({ task: 'email', status: 'queued', origin: 'enqueue', priority: 5, dedupeKey: 'welcome-ada', data: { to: 'ada@example.com' } });
    expect(job.runAtMs).toBeGreaterThanOrEqual(before + 30_000);

    const shown = await sundial(['jobs', 'show', job.id.slice(-8), '--store', store]);
    expect(shown.stdout).toMatch(/^task\s+email$/m);
    expect(shown.stdout).toMatch(/^priority\s+5$/m);
    expect(shown.stdout).toMatch(/^dedupe key\s+welcome-ada$/m);
    expect(shown.stdout).toContain('{"to":"ada@example.com"}');

    // The same dedupe key while the job is unfinished: the same job.
    const again = await sundial(['enqueue', 'email', '--dedupe-key', 'welcome-ada', '--store', store]);
    expect(again.stdout).toMatch(new RegExp(`^Enqueued job ${job.id} \\(email\\): queued, to run `));
  });

  it('takes --run-at, and refuses bad data with one line', async () => {
    const run = await sundial(['enqueue', 'report', '--run-at', '2099-01-01T00:00:00Z', '--store', store, '--json']);
    expect((JSON.parse(run.stdout) as JobRecord).runAtMs).toBe(Date.UTC(2099, 0, 1));
    const bad = await sundial(['enqueue', 'report', '--data', '{oops', '--store', store]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^sundial enqueue: Expected `--data` to be JSON .*\(INVALID_ARGUMENT\)\n$/);
  });
});

describe('sundial nodes ls', () => {
  it('lists a running node with its roles and tasks, and says whether it is alive', async () => {
    const nodesDb = join(dir, 'nodes.db');
    const scheduler = new Scheduler({ store: new SqliteStore(nodesDb), tasks: [task('ping', { run: async () => {} }), task('pong', { run: async () => {} })], logger: 'error' });
    await scheduler.start();
    try {
      const json = await sundial(['nodes', 'ls', '--store', `sqlite:${nodesDb}`, '--json']);
      expect(json.stderr).toBe('');
      const nodes = JSON.parse(json.stdout) as Array<{ id: string; roles: { schedules: boolean; jobs: boolean }; tasks: string[]; alive: boolean }>;
      expect(nodes).toContainEqual(expect.objectContaining({ roles: { schedules: true, jobs: true }, tasks: ['ping', 'pong'], alive: true }));
      const table = await sundial(['nodes', 'ls', '--store', `sqlite:${nodesDb}`]);
      expect(table.stdout).toMatch(/^ID\s+ROLES\s+TASKS\s+RUNNING\s+HOST\s+LAST SEEN\s+ALIVE$/m);
      expect(table.stdout).toMatch(/\s+schedules,jobs\s+2\s+0\/\d+\s+.*\s+yes$/m);
    } finally {
      await scheduler.stop();
    }
  });
});

describe('--watch', () => {
  /** Runs `sundial …args` until its stdout shows `frames` frames, then sends SIGINT. */
  function watchUntil(args: readonly string[], frames: number): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, SUNDIAL_STORE: '' } });
      let stdout = '';
      let stderr = '';
      let signalled = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`never saw ${frames} frames:\n${stdout}\n${stderr}`));
      }, 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!signalled && stdout.split('--- Every').length > frames) {
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

  it.each([
    [['schedules', 'ls'], /report-daily/],
    [['jobs', 'ls', '--limit', '3'], /^ID\s+TASK/m],
    [['nodes', 'ls'], /^No nodes\.|^ID\s+ROLES/m],
    [['breakers'], /^No breakers\./m],
  ])('%j redraws until SIGINT, then exits 0', async (args, frame) => {
    const run = await watchUntil([...args, '--watch', '200ms', '--store', store], 2);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const frames = run.stdout.split(/^--- Every 0\.2s: .* \(Ctrl-C to stop\)$/m).slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const text of frames) expect(text).toMatch(frame);
  });

  it('refuses a bad interval as a usage error', async () => {
    const run = await sundial(['jobs', 'ls', '--watch=soon', '--store', store]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Expected `--watch` to be an interval/);
  });
});

describe('sundial completion', () => {
  it('prints a bash script that bash accepts, with the commands and their options', async () => {
    const run = await sundial(['completion', 'bash']);
    expect(run.code).toBe(0);
    for (const word of ['schedules', 'jobs', 'enqueue', 'nodes', 'breakers', 'completion', '--dedupe-key', '--watch']) expect(run.stdout).toContain(word);
    const file = join(dir, 'sundial.bash');
    writeFileSync(file, run.stdout);
    const check = await new Promise<number | null>((resolve) => spawn('bash', ['-n', file]).on('close', resolve));
    expect(check).toBe(0);
    // Completing `sundial jobs ls --st` offers the options of `jobs ls` that start so.
    const complete = await new Promise<string>((resolve) => {
      const child = spawn('bash', ['-c', `source ${file}; COMP_WORDS=(sundial jobs ls --st); COMP_CWORD=3; _sundial; echo "\${COMPREPLY[*]}"`]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('close', () => resolve(out.trim()));
    });
    expect(complete).toBe('--status --store');
  });

  it.each(['zsh', 'fish'])('prints a %s script with the commands', async (shell) => {
    const run = await sundial(['completion', shell]);
    expect(run.code).toBe(0);
    for (const word of ['schedules', 'jobs', 'enqueue', 'nodes', 'completion', 'dedupe-key']) expect(run.stdout).toContain(word);
  });

  it('refuses an unknown shell with exit code 2', async () => {
    const run = await sundial(['completion', 'powershell']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/takes one of bash, zsh, fish, got "powershell"/);
  });
});
