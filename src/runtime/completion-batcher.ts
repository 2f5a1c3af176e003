import type { ClaimedJob, ClaimJobsRequest, CompleteJobRequest, Store } from '../store/store.ts';

interface PendingCompletion {
  request: CompleteJobRequest;
  resolve(completed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Gathers the outcomes of finished jobs and writes them in batches. A node that claims next (a
 * freed slot does) takes them along: one `completeAndClaim` round trip for both. Outcomes no
 * claim picks up within the current turn of the event loop are written on their own then, so an
 * idle or saturated node never holds an outcome back; more than `maxBatch` waiting are written at
 * once.
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

  /** Outcomes waiting to be written. */
  get size(): number {
    return this.#pending.length;
  }

  /** Resolves with true once written, false when the lease was lost (stale fencing token). */
  complete(request: CompleteJobRequest): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ request, resolve, reject });
      if (this.#pending.length >= this.#maxBatch) void this.#flush();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Two turns: the node's loop, woken by the slot this job freed, claims in the first one and
        // takes these outcomes along; only what no claim took is written on its own.
        setImmediate(() =>
          setImmediate(() => {
            this.#flushScheduled = false;
            void this.#flush();
          }),
        );
      }
    });
  }

  /** Claims through the store, writing the waiting outcomes in the same round trip. */
  async completeAndClaim(claim: ClaimJobsRequest): Promise<ClaimedJob[]> {
    const batch = this.#pending.splice(0, this.#maxBatch);
    if (batch.length === 0) return this.#store.claimJobs(claim);
    try {
      const result = await this.#store.completeAndClaim({ completions: batch.map((item) => item.request), claim });
      batch.forEach((item, index) => item.resolve(result.completed[index]?.completed ?? false));
      return result.claimed;
    } catch (error) {
      for (const item of batch) item.reject(error);
      throw error;
    }
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        const results = await this.#store.completeJobs(batch.map((item) => item.request));
        batch.forEach((item, index) => item.resolve(results[index]?.completed ?? false));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  }
}
