import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler, type BreakerRecord, type JobRecord } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';
import type { Run } from '../fixtures/cli-process.ts';

// `sundial breakers …` and the flow part of `sundial jobs show`, each in its own process on a
// shared SQLite file. The sources run directly (Node 24 strips the types), so these tests need no
// build of dist/ and see the CLI as it is in src/.
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function sundial(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, SUNDIAL_STORE: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sundial-cli-gates-'));
const dbPath = join(dir, 'app.db');
const store = `sqlite:${dbPath}`;
let flow: Record<string, JobRecord>;

beforeAll(async () => {
  // What nodes would have written: a flow of three levels and a breaker that opened on its own.
  const sqlite = new SqliteStore(dbPath);
  const scheduler = new Scheduler({ store: sqlite, roles: { schedules: false, jobs: false }, logger: 'error' });
  flow = await scheduler.flow([
    { key: 'extract', task: 'extract' },
    { key: 'transform', task: 'transform', after: ['extract'] },
    { key: 'load', task: 'load', after: ['transform'] },
  ]);
  const nowMs = Date.now();
  await sqlite.writeBreaker({ task: 'search', expectedVersion: 0, state: 'open', forced: null, changedAtMs: nowMs, openUntilMs: nowMs + 3_600_000, probeOwner: null, probeUntilMs: null, clearCalls: false });
  await sqlite.recordBreakerCalls({ nowMs, bucketMs: 60_000, calls: [{ task: 'search', succeeded: 3, failed: 7 }], pruneBeforeMs: 0 });
  await scheduler.stop();
  await sqlite.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listed(): Promise<BreakerRecord[]> {
  const run = await sundial(['breakers', '--json', '--store', store]);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as BreakerRecord[];
}

describe('sundial breakers', () => {
  it('lists every breaker: state, forced, failed/total calls, open until', async () => {
    const table = await sundial(['breakers', '--store', store]);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TASK\s+STATE\s+FORCED\s+FAILED\/TOTAL\s+OPEN UNTIL\s+CHANGED$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^search\s+open\s+-\s+7\/10\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in 59m/);
    expect(await listed()).toEqual([expect.objectContaining({ task: 'search', state: 'open', forced: null, failed: 7, succeeded: 3 })]);
  });

  it('opens, closes and resets a breaker (one that had no record gets one)', async () => {
    const opened = await sundial(['breakers', 'open', 'payments', '--store', store]);
    expect(opened).toEqual({ code: 0, stderr: '', stdout: 'Forced the breaker of task payments open: none of its jobs starts until `sundial breakers reset payments`.\n' });
    expect((await listed()).find((b) => b.task === 'payments')).toMatchObject({ state: 'open', forced: 'open' });
    const table = await sundial(['breakers', '--store', store]);
    expect(table.stdout).toMatch(/^payments\s+open\s+open\s+0\/0\s+-\s+\d{4}/m);

    const closed = await sundial(['breakers', 'close', 'payments', '--store', store, '--json']);
    expect(JSON.parse(closed.stdout)).toMatchObject({ task: 'payments', state: 'closed', forced: 'closed' });

    const reset = await sundial(['breakers', 'reset', 'search', '--store', store]);
    expect(reset.stdout).toBe('The breaker of task search is automatic again (closed, no call counted).\n');
    expect((await listed()).map((b) => [b.task, b.state, b.forced, b.failed])).toEqual([
      ['payments', 'closed', 'closed', 0],
      ['search', 'closed', null, 0],
    ]);
  });

  it.each([
    [['breakers', 'open', '--store', store], 2, /`sundial breakers open` takes <task>, got none/],
    [['breakers', 'opne', 'payments', '--store', store], 2, /Unknown subcommand "breakers opne": expected open, close or reset/],
    [['breakers', 'open', 'x'.repeat(201), '--store', store], 1, /Expected task to be a string of 1 to 200 characters.*\(INVALID_ARGUMENT\)/],
    [['breakers', '--store', join(dir, 'missing.db')], 1, /No store at .*missing\.db/],
  ])('fails with one line, no stack: %j', async (args, code, message) => {
    const run = await sundial(args);
    expect(run.code).toBe(code);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('is in the command list and has its help', async () => {
    const help = await sundial(['--help']);
    for (const name of ['breakers', 'breakers open', 'breakers close', 'breakers reset']) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\s{2,}\\S`, 'm'));
    expect((await sundial(['breakers', 'reset', '--help'])).stdout).toMatch(/^Usage: sundial breakers reset <task>/);
  });
});

describe('sundial jobs, in a flow', () => {
  it("shows a job's parents and children with their status", async () => {
    const shown = await sundial(['jobs', 'show', flow['transform']!.id, '--store', store]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status\s+waiting$/m);
    expect(shown.stdout).toMatch(/^on parent failure\s+fail$/m);
    expect(shown.stdout).toContain(`Parents\n  ${flow['extract']!.id}  extract  queued\n`);
    expect(shown.stdout).toContain(`Children\n  ${flow['load']!.id}  load  waiting\n`);
    const root = await sundial(['jobs', 'show', flow['extract']!.id, '--store', store]);
    expect(root.stdout).not.toContain('Parents');
    expect(root.stdout).toContain(`Children\n  ${flow['transform']!.id}  transform  waiting\n`);
  });

  it('lists waiting jobs, and the children of a job', async () => {
    const waiting = JSON.parse((await sundial(['jobs', 'ls', '--status', 'waiting', '--json', '--store', store])).stdout) as JobRecord[];
    expect(waiting.map((job) => job.task).sort()).toEqual(['load', 'transform']);
    const children = JSON.parse((await sundial(['jobs', 'ls', '--parent', flow['transform']!.id, '--json', '--store', store])).stdout) as JobRecord[];
    expect(children.map((job) => job.id)).toEqual([flow['load']!.id]);
  });
});
