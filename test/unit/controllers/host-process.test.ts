import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const fixture = fileURLToPath(new URL('../../fixtures/controllers-host-process.ts', import.meta.url));

/** Runs the fixture, sends SIGTERM once it printed "ready", and resolves with its exit and output. */
async function runUntilSigterm(args: string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; stderr: string }> {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    void exited.then(() => reject(new Error(`fixture exited before "ready": ${stderr}`)));
  });
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  return { code, signal, lines: stdout.trim().split('\n'), stderr };
}

describe('Host in a real process', () => {
  test('SIGTERM stops the services in reverse order and the process exits 0 by itself', async () => {
    const { code, signal, lines, stderr } = await runUntilSigterm();
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lines).toEqual(['started database', 'started orders', 'started http', 'ready', 'stopped http', 'stopped orders', 'stopped database']);
  });

  test('a service that does not stop in time is left behind: the others stop and the exit code is 1', async () => {
    const { code, signal, lines } = await runUntilSigterm(['--hang']);
    expect({ code, signal }).toEqual({ code: 1, signal: null });
    expect(lines.slice(3)).toEqual(['ready', 'stopped orders', 'stopped database']);
  });
});
