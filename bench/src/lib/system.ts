// What a benchmarked system offers the scenario drivers. Each system maps these primitives onto
// its documented API; a primitive left out means the scenario is n/a for it (with `naReasons`).

/** A handler started: which job or schedule, when it was meant to start, when it did. */
export interface StartEvent {
  key: string;
  intendedAtMs: number | null;
  startedAtMs: number;
}

export interface WorkerOptions {
  concurrency: number;
  /** How long each handler takes; 0 for a no-op. */
  handlerMs: number;
  onStart(event: StartEvent): void;
}

export interface BenchSystem {
  /** Versions and settings shown in RESULTS.md. */
  describe(): Record<string, unknown>;
  /** Creates the schema / queue (idempotent; every process of a case calls it). */
  setup(): Promise<void>;
  /** Drops everything this case created (called once, by the case's main process). */
  teardown(): Promise<void>;
  /** Closes connections of this process. */
  close(): Promise<void>;

  /** Enqueue no-op jobs keyed `${offset + i}` in one call. */
  enqueueBatch(offset: number, n: number): Promise<void>;
  enqueueOne(key: string): Promise<void>;
  startWorker(options: WorkerOptions): Promise<void>;
  /** How many jobs are final in the store (completed and written) so far. */
  processedCount(): Promise<number>;
  stopWorker(): Promise<void>;

  /** One-shot work due at `dueAtMs` (Sundial: at() schedules; peers: delayed jobs). */
  addOneShots(items: readonly { key: string; dueAtMs: number }[]): Promise<void>;
  /**
   * One-shot jobs (not schedules) due at `dueAtMs`; a system whose one-shots already are delayed
   * jobs leaves it out and `addOneShots` serves.
   */
  addDelayedJobs?(items: readonly { key: string; dueAtMs: number }[]): Promise<void>;
  /** Recurring schedules every `everyMs`, or undefined when the system has none that fine. */
  addRecurring?(ids: readonly string[], everyMs: number): Promise<void>;

  /** Why a scenario is n/a for this system (scenario name → reason). */
  naReasons?: Partial<Record<string, string>>;
}
