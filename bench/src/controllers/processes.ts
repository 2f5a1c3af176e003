// The processes of one controller case: each child prints JSON lines on stdout (events, reports)
// and, where it takes orders, reads JSON lines on stdin. stderr is passed through.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type Line = Record<string, unknown> & { event: string };

export interface Node {
  name: string;
  process: ChildProcess;
  /** Every line printed so far, in order, each with `receivedAt` (parent's Date.now()). */
  lines: Line[];
  /** Resolves with the first line (already printed or to come) that passes `test`; rejects after `timeoutMs`. */
  waitFor(test: (line: Line) => boolean, timeoutMs: number, what?: string): Promise<Line>;
  /** Writes one JSON line to the child's stdin. */
  send(message: Record<string, unknown>): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless it has exited; resolves when it has. */
  kill(): Promise<void>;
}

export function spawnNode(name: string, script: string, scriptArgs: readonly string[]): Node {
  const child = spawn(process.execPath, [script, ...scriptArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  let waiters: { test: (line: Line) => boolean; resolve: (line: Line) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    let parsed: Line;
    try {
      parsed = JSON.parse(text) as Line;
    } catch {
      return; // a line cut short by a child that died while writing it
    }
    const line = { ...parsed, receivedAt: Date.now() };
    lines.push(line);
    waiters = waiters.filter((waiter) => {
      if (!waiter.test(line)) return true;
      waiter.resolve(line);
      return false;
    });
  });
  child.stdin!.on('error', () => {}); // a child that died before reading its orders
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    name,
    process: child,
    lines,
    exited,
    waitFor(test, timeoutMs, what = 'a line') {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no ${what} within ${timeoutMs} ms`)), timeoutMs);
        const waiter = {
          test,
          resolve: (line: Line) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exited.then(({ code, signal }) => {
          if (!waiters.includes(waiter)) return;
          clearTimeout(timer);
          reject(new Error(`${name} exited (code ${code}, signal ${signal}) before ${what}`));
        });
      });
    },
    send(message) {
      if (!gone) child.stdin!.write(`${JSON.stringify(message)}\n`);
    },
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * In a child: one JSON line to the parent. Resolves once the line is handed to the pipe: await it
 * before `process.exit()`, which would cut a long line short (stdout to a pipe is asynchronous).
 */
export function say(event: string, fields: Record<string, unknown> = {}): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`, () => resolve()));
}

/** In a case process: SIGKILL these children when this process exits, however it exits. */
export function killOnExit(nodes: readonly Node[]): void {
  process.on('exit', () => {
    for (const node of nodes) if (node.process.exitCode === null && node.process.signalCode === null) node.process.kill('SIGKILL');
  });
}

/** In a child: calls `onMessage` for each JSON line the parent writes on stdin. */
export function onOrders(onMessage: (message: Record<string, unknown>) => void): void {
  createInterface({ input: process.stdin }).on('line', (text) => {
    if (text.startsWith('{')) onMessage(JSON.parse(text) as Record<string, unknown>);
  });
}
