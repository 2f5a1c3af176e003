import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The README's samples are these files: run each with Node (type stripping), as a reader would.
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sundial-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runExample(file: string, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(examples, file)], { cwd: dir, timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples', () => {
  it('the README shows examples/quick-start.ts as it is (but for its header comment)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const shown = /```ts\n(import \{ Scheduler, every, task \}[\s\S]*?)```/.exec(readme)?.[1];
    const file = readFileSync(join(examples, 'quick-start.ts'), 'utf8').replace(/^\/\/.*\n/, '');
    expect(shown).toBe(file);
  });

  it('quick-start.ts greets on demand and on its schedule, then stops', async () => {
    const run = await runExample('quick-start.ts');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Hello, you! (job enqueue, attempt 1)');
    expect(run.stdout).toContain('Hello, world! (job schedule, attempt 1)');
  });

  it('retries-and-events.ts retries twice, dedupes, and dead-letters a non-retryable error', async () => {
    const run = await runExample('retries-and-events.ts');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/same dedupeKey, same job: true\nattempt 1 failed: upstream busy \(attempt 1\); retry in \d+ ms\nattempt 2 failed/);
    expect(run.stdout).toContain("attempt 3 succeeded: { account: 'acme', synced: 12 }");
    expect(run.stdout).toMatch(/is dead: no account: retrying cannot help/);
  });

  it('virtual-clock.ts runs three hours of a cron schedule without waiting', async () => {
    const run = await runExample('virtual-clock.ts');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ran at 2026-03-01T01:00:00.000Z, 2026-03-01T02:00:00.000Z, 2026-03-01T03:00:00.000Z');
  });

  it('api-tour.ts shows past dates, delays, runAt, stopSchedule', async () => {
    const run = await runExample('api-tour.ts');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      '08:00:00  too-late: missed (misfire-grace)',
      '08:00:00  too-late: ended (trigger-exhausted)',
      '08:00:00  email to now@example.com',
      '08:02:00  email to later@example.com',
      '08:03:00  email to welcome@example.com',
      '08:04:58  reminder: ended (trigger-exhausted)', // its last fire became a job, reserved a look-ahead (2 s) early
      '08:05:00  email to ada@example.com',
      '08:10:00  poll news (fire 08:10:00)',
      '08:20:00  poll news (fire 08:20:00)',
      '08:20:00  poll-news: ended (stopped-by-handler)',
    ]);
  });

  it('sqlite-transaction.ts commits an order with its expiry job, and rolls another back with its job', async () => {
    const run = await runExample('sqlite-transaction.ts');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('rolled back: payment for kettle declined');
    expect(run.stdout).toContain('order 1 expired');
    expect(run.stdout).toContain(`jobs: [ 'expire-order {"orderId":1} succeeded' ]`);
  });

  // Decorators are not erasable syntax: Node cannot strip them, so this file is only type-checked
  // (`npm run typecheck` includes examples/).
  it.skip('task-class.ts: type-checked only, Node cannot run decorators without a compiler', () => {});
});
