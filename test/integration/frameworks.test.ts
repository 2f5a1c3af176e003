import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

// Each framework recipe as a real process: it serves HTTP, runs a ~300 ms job, and on SIGTERM
// stops accepting requests, lets the job finish (or hands it back), closes the server, exits 0.
const recipes = ['node-http.ts', 'express.ts', 'fastify.ts', 'hono.ts', 'nest.ts'];
const frameworks = fileURLToPath(new URL('../../examples/frameworks/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sundial-frameworks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Recipe {
  child: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function startRecipe(file: string, database: string): Recipe {
  const child = spawn(process.execPath, [join(frameworks, file)], {
    cwd: dir,
    env: { ...process.env, PORT: '0', SUNDIAL_DB: database },
    timeout: 25_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: (match: RegExpExecArray) => void }> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (let index = waiters.length - 1; index >= 0; index--) {
      const waiter = waiters[index]!;
      const match = waiter.pattern.exec(stdout);
      if (match) {
        waiters.splice(index, 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    child,
    exited,
    output: () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
    line(pattern) {
      const match = pattern.exec(stdout);
      if (match) return Promise.resolve(match);
      return Promise.race([
        new Promise<RegExpExecArray>((resolve) => waiters.push({ pattern, resolve })),
        exited.then(({ code, signal }) => {
          throw new Error(`${file} exited (${code ?? signal}) before printing ${pattern}\n${stdout}\n${stderr}`);
        }),
      ]);
    },
  };
}

/** Whether something accepts TCP connections on the loopback port. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.concurrent('framework recipes: start with the app, drain on SIGTERM', () => {
  for (const file of recipes) {
    it(`${file} finishes (or hands back) its running job, closes its port and exits 0`, async () => {
      const database = join(dir, `${file}.db`);
      const recipe = startRecipe(file, database);
      try {
        const port = Number((await recipe.line(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);

        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(health.status, recipe.output()).toBe(200);
        expect(await health.json()).toMatchObject({ state: 'running', ready: true, live: true });

        const enqueued = await fetch(`http://127.0.0.1:${port}/jobs`, { method: 'POST' });
        expect(enqueued.status, recipe.output()).toBe(202);
        const { id } = (await enqueued.json()) as { id: string };

        // The job runs (its handler prints this), then the orchestrator asks the process to stop.
        await recipe.line(new RegExp(`brewing ${id}`));
        recipe.child.kill('SIGTERM');
        const exit = await recipe.exited;
        expect(exit, recipe.output()).toEqual({ code: 0, signal: null });
        expect(await portOpen(port)).toBe(false);

        // Read with a client scheduler: the job succeeded, or it was handed back to the queue — never lost.
        const store = new SqliteStore(database);
        const client = new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
        try {
          const job = await client.getJob(id);
          expect(job, `job ${id}`).not.toBeNull();
          if (job?.status === 'succeeded') expect(job.result).toEqual({ brewedMs: 300 });
          else expect(job?.status).toBe('queued');
        } finally {
          await client.stop();
          await store.close();
        }
      } finally {
        if (recipe.child.exitCode === null && recipe.child.signalCode === null) recipe.child.kill('SIGKILL');
      }
    });
  }
});
