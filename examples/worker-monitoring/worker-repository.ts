// The workers the lab manager monitors, in a SQLite file both replicas open (node:sqlite, WAL):
// the application's own data, apart from Sundial's store. A worker is registered for one cloud
// instance; each collection writes its last metrics here.
import { DatabaseSync } from 'node:sqlite';

export type WorkerStatus = 'monitoring' | 'terminated' | 'gone';

/** What the last collection found. */
export interface WorkerMetrics {
  state: 'running' | 'stopped';
  /** Null while the instance is stopped. */
  cpuPercent: number | null;
  collectedAtMs: number;
  /** The schedule's fire this collection belongs to. */
  fireAtMs: number | null;
  /** The replica that collected it. */
  nodeId: string;
}

export interface Worker {
  id: string;
  instanceId: string;
  status: WorkerStatus;
  registeredAtMs: number;
  collections: number;
  lastMetrics: WorkerMetrics | null;
}

interface WorkerRow {
  id: string;
  instance_id: string;
  status: WorkerStatus;
  registered_at_ms: number;
  collections: number;
  last_metrics: string | null;
}

/** Two workers for one instance: the API answers 409. */
export class WorkerExistsError extends Error {
  readonly code = 'WORKER_EXISTS';
  constructor(message: string) {
    super(message);
    this.name = 'WorkerExistsError';
  }
}

export class WorkerRepository {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    // Two processes write this file: WAL lets readers on while one writes, the busy timeout waits out the other's write.
    this.#db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;');
    this.#db.exec(`CREATE TABLE IF NOT EXISTS workers (
      id TEXT PRIMARY KEY,
      instance_id TEXT NOT NULL UNIQUE,
      status TEXT NOT NULL,
      registered_at_ms INTEGER NOT NULL,
      collections INTEGER NOT NULL DEFAULT 0,
      last_metrics TEXT
    )`);
  }

  add(worker: { id: string; instanceId: string }): Worker {
    try {
      this.#db.prepare('INSERT INTO workers (id, instance_id, status, registered_at_ms) VALUES (?, ?, ?, ?)').run(worker.id, worker.instanceId, 'monitoring', Date.now());
    } catch (error) {
      if (/UNIQUE constraint/.test((error as Error).message)) throw new WorkerExistsError(`Instance ${worker.instanceId} already has a worker`);
      throw error;
    }
    return this.get(worker.id)!;
  }

  get(id: string): Worker | null {
    const row = this.#db.prepare('SELECT * FROM workers WHERE id = ?').get(id) as WorkerRow | undefined;
    return row === undefined ? null : toWorker(row);
  }

  list(): Worker[] {
    return (this.#db.prepare('SELECT * FROM workers ORDER BY registered_at_ms, id').all() as unknown as WorkerRow[]).map(toWorker);
  }

  recordMetrics(id: string, metrics: WorkerMetrics): void {
    this.#db.prepare('UPDATE workers SET last_metrics = ?, collections = collections + 1 WHERE id = ?').run(JSON.stringify(metrics), id);
  }

  setStatus(id: string, status: WorkerStatus): void {
    this.#db.prepare('UPDATE workers SET status = ? WHERE id = ?').run(status, id);
  }

  remove(id: string): boolean {
    return Number(this.#db.prepare('DELETE FROM workers WHERE id = ?').run(id).changes) > 0;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function toWorker(row: WorkerRow): Worker {
  return {
    id: row.id,
    instanceId: row.instance_id,
    status: row.status,
    registeredAtMs: Number(row.registered_at_ms),
    collections: Number(row.collections),
    lastMetrics: row.last_metrics === null ? null : (JSON.parse(row.last_metrics) as WorkerMetrics),
  };
}
