// Child processes of a multi-process case: each prints JSON lines (`ready`, `start`) on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { StartEvent } from './system.ts';

export interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  starts: StartEvent[];
  /** Resolves with the next start event. */
  nextStart(): Promise<StartEvent>;
  exited: Promise<number | null>;
}

/** Spawns `case.ts` again with the same system and variant, in `role`. */
export function spawnChild(caseArgs: readonly string[], role: string): Child {
  const child = spawn(process.execPath, [import.meta.dirname + '/../case.ts', ...caseArgs, '--role', role], { stdio: ['ignore', 'pipe', 'inherit'] });
  const starts: StartEvent[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let waiters: ((event: StartEvent) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as { event?: string } & StartEvent;
    if (message.event === 'ready') markReady();
    if (message.event === 'start') {
      const event = { key: message.key, intendedAtMs: message.intendedAtMs, startedAtMs: message.startedAtMs };
      starts.push(event);
      const current = waiters;
      waiters = [];
      for (const waiter of current) waiter(event);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, ready, starts, exited, nextStart: () => new Promise((resolve) => waiters.push(resolve)) };
}

/** In a child: report a line to the parent. */
export function tell(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
