import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The package as a user gets it: `npm pack` (of the dist/ that `npm test` builds first), installed
// into a scratch ESM application, imported by name and run with Node; then its CLI through npx.
// Dependencies come from npm's cache when it has them (--prefer-offline), else from the registry.
const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sundial-package-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The npm_* variables of an enclosing `npm test` (prefix, scripts' package) must not reach the
// scratch application's npm.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 45_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectSuccess(step: string, result: Run): void {
  if (result.code !== 0) throw new Error(`${step} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
}

const app = `import assert from 'node:assert/strict';
import { Scheduler, every, task } from 'sundial-scheduler';
import { SqliteStore } from 'sundial-scheduler/sqlite';
import { VirtualClock } from 'sundial-scheduler/testing';

const runs = [];
const tick = task('tick', { run: ({ fireAt }) => void runs.push(fireAt.toISOString()) });
const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
const scheduler = new Scheduler({ store: new SqliteStore('./app.db'), tasks: [tick], clock });
await scheduler.schedule({ id: 'tick-every-10m', task: tick, trigger: every('10m') });
await scheduler.start();
await clock.advance('30m');
await scheduler.stop();
assert.ok(runs.length >= 3, 'expected at least three fires in 30 virtual minutes, got ' + runs.length);
console.log('sundial-scheduler ok: ' + runs.slice(0, 3).join(', '));
`;

describe('the packed package', () => {
  it('installs from its tarball into an ESM app that imports it by name, runs a job, and has the sundial CLI', async () => {
    if (!existsSync(join(root, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

    // dist/ is built already: --ignore-scripts skips `prepare` (a second build).
    const packDir = join(work, 'pack');
    mkdirSync(packDir);
    const pack = await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], root);
    expectSuccess('npm pack', pack);
    const tarball = join(packDir, pack.stdout.trim().split('\n').at(-1)!);
    expect(tarball).toContain(`${manifest.name}-${manifest.version}.tgz`);

    const appDir = join(work, 'app');
    mkdirSync(appDir);
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'smoke-app', private: true, type: 'module' }));
    writeFileSync(join(appDir, 'app.js'), app);
    const install = await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'], appDir);
    expectSuccess('npm install', install);

    const started = await run(process.execPath, ['app.js'], appDir, 20_000);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(
      'sundial-scheduler ok: 2026-01-01T00:10:00.000Z, 2026-01-01T00:20:00.000Z, 2026-01-01T00:30:00.000Z',
    );

    // --no: never fetch a package called `sundial` (an unrelated one); the installed bin must answer.
    const help = await run('npx', ['--no', '--', 'sundial', '--help'], appDir, 20_000);
    expectSuccess('npx sundial --help', help);
    expect(help.stdout).toContain('Usage: sundial <command> [options]');
  }, 60_000);
});
