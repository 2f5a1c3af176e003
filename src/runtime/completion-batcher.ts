import type { JobRecord } from '../domain/job.ts';
import type { CompleteJobRequest, Store } from '../store/store.ts';

interface PendingCompletion {
  request: CompleteJobRequest;
  resolve(job: JobRecord | null): void;
  reject(error: unknown): void;
}

/**
 * Groups the completions of jobs that finish in the same turn of the event loop into one
 * `store.completeJobs` call: under load a node pays one round trip (one SQLite transaction) for
 * many jobs, and when idle a completion waits one `setImmediate` at most.
 */
export class CompletionBatcher {
  readonly #store: Store;
  readonly #maxBatch: number;
  #pending: PendingCompletion[] = [];
  #flushScheduled = false;

  constructor(store: Store, maxBatch = 200) {
    this.#store = store;
    this.#maxBatch = maxBatch;
  }

  /** Resolves with the job after the change, or null when its lease was lost (stale fencing token). */
  complete(request: CompleteJobRequest): Promise<JobRecord | null> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ request, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        const results = await this.#store.completeJobs(batch.map((item) => item.request));
        batch.forEach((item, index) => item.resolve(results[index]?.job ?? null));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  }
}
