// The nodes of a chaos run as real OS processes (test/chaos/chaos-worker.ts): start, SIGKILL,
// restart (each start is a new incarnation: new process, new nodeId `n<i>.<k>`, new log file),
// stop gracefully. Connections are named per node slot with the run's suffix, so the test cuts
// only its own. A process that ends without being told to is recorded as an unexpected exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerLogLine } from './chaos-accounting.ts';

const workerScript = fileURLToPath(new URL('./chaos-worker.ts', import.meta.url));

export interface ClusterOptions {
  nodeCount: number;
  /** Store flags for the worker (`--sqlite <file>`, `--postgres <url> --schema <s>`, `--redis <url> --prefix <p>`). */
  storeFlags: string[];
  directory: string;
  runId: string;
  scheduleCount: number;
  startAtMs: number;
}

export interface UnexpectedExit {
  nodeId: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

class NodeSlot {
  incarnation = 0;
  nodeId = '';
  child: ChildProcess | null = null;
  ready: Promise<void> = Promise.resolve();
  exited: Promise<void> = Promise.resolve();
  output = '';
  /** We sent the signal that ends it (SIGKILL or SIGTERM). */
  ending = false;
  readonly index: number;

  constructor(index: number) {
    this.index = index;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }
}

export class ChaosCluster {
  readonly #options: ClusterOptions;
  readonly #slots: NodeSlot[];
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Store errors the nodes reported ("error during …" lines), summed over every incarnation. */
  storeErrors = 0;
  readonly gracefulExitCodes: Array<{ nodeId: string; code: number | null; signal: NodeJS.Signals | null }> = [];

  constructor(options: ClusterOptions) {
    this.#options = options;
    this.#slots = Array.from({ length: options.nodeCount }, (_, index) => new NodeSlot(index));
  }

  /** The connection name of node slot `index` (PostgreSQL application_name, Redis client name). */
  connectionName(index: number): string {
    return `sundial-chaos-${this.#options.runId}-n${index}`;
  }

  get liveNodeIds(): string[] {
    return this.#slots.filter((slot) => slot.alive).map((slot) => slot.nodeId);
  }

  get nodeCount(): number {
    return this.#slots.length;
  }

  isAlive(index: number): boolean {
    return this.#slots[index]!.alive;
  }

  /** Starts node `index` (a new incarnation). Resolves at once; `ready(index)` waits for it. */
  start(index: number): void {
    const slot = this.#slots[index]!;
    if (slot.alive) return;
    slot.incarnation++;
    slot.nodeId = `n${index}.${slot.incarnation}`;
    slot.ending = false;
    slot.output = '';
    const options = this.#options;
    const args = [
      workerScript,
      ...options.storeFlags,
      '--out',
      join(options.directory, `${slot.nodeId}.jsonl`),
      '--node-id',
      slot.nodeId,
      '--connection-name',
      this.connectionName(index),
      '--schedules',
      String(options.scheduleCount),
      '--start-at',
      String(options.startAtMs),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    slot.child = child;
    const nodeId = slot.nodeId;
    let markReady: () => void = () => {};
    let failReady: (error: Error) => void = () => {};
    slot.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    slot.ready.catch(() => {}); // a node killed before "ready" is normal here
    const collect = (chunk: string) => {
      slot.output = (slot.output + chunk).slice(-8_000);
      this.storeErrors += (chunk.match(/^error during /gm) ?? []).length;
      if (/^ready$/m.test(chunk)) markReady();
    };
    child.stdout!.setEncoding('utf8').on('data', collect);
    child.stderr!.setEncoding('utf8').on('data', collect);
    slot.exited = new Promise<void>((resolve) => {
      child.on('close', (code, signal) => {
        failReady(new Error(`node ${nodeId} exited (code ${code}, signal ${signal}) before "ready":\n${slot.output}`));
        if (!slot.ending) {
          this.unexpectedExits.push({ nodeId, code, signal, output: slot.output.slice(-2_000) });
        }
        resolve();
      });
    });
  }

  async ready(index: number, timeoutMs: number): Promise<void> {
    const slot = this.#slots[index]!;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`node ${slot.nodeId} not ready within ${timeoutMs} ms:\n${slot.output}`)), timeoutMs);
    });
    try {
      await Promise.race([slot.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async readyAll(timeoutMs: number): Promise<void> {
    await Promise.all(this.#slots.map((slot) => this.ready(slot.index, timeoutMs)));
  }

  /** SIGKILL node `index` (no-op when it is down) and wait until the process is gone. */
  async kill(index: number): Promise<boolean> {
    const slot = this.#slots[index]!;
    if (!slot.alive) return false;
    slot.ending = true;
    slot.child!.kill('SIGKILL');
    await slot.exited;
    return true;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => this.kill(slot.index)));
  }

  startAll(): void {
    for (const slot of this.#slots) this.start(slot.index);
  }

  /** Starts every node that is down (after the faults), and waits until all are ready. */
  async ensureAllUp(timeoutMs: number): Promise<void> {
    this.startAll();
    await this.readyAll(timeoutMs);
  }

  /** SIGTERM every node and wait for the exits (SIGKILL after `timeoutMs`); records the exit codes. */
  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (!slot.alive) return;
        const child = slot.child!;
        slot.ending = true;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await slot.exited;
        clearTimeout(timer);
        this.gracefulExitCodes.push({ nodeId: slot.nodeId, code: child.exitCode, signal: child.signalCode });
      }),
    );
  }

  /** Cleanup after a failure: SIGKILL whatever still runs. */
  async destroy(): Promise<void> {
    await this.killAll();
  }

  /** Every log line of every incarnation (a line cut short by a SIGKILL is ignored). */
  readLogs(): WorkerLogLine[] {
    const { directory } = this.#options;
    if (!existsSync(directory)) return [];
    const lines: WorkerLogLine[] = [];
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.jsonl'))) {
      const text = readFileSync(join(directory, file), 'utf8');
      const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
      for (const line of complete.split('\n')) if (line !== '') lines.push(JSON.parse(line) as WorkerLogLine);
    }
    return lines;
  }

  /** How many incarnations were started in all. */
  get starts(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.incarnation, 0);
  }
}
