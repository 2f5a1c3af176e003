import type { ClusterEventRecord, ClusterEventWrite, ReadEventsRequest, ReadEventsResult } from '../store/store.ts';

/** The memory store's cluster event log: an array in seq order (see `Store.appendEvents`). */
export class EventLog {
  #events: ClusterEventRecord[] = [];
  #lastSeq = 0;
  #trimmedThroughSeq = 0;

  append(events: readonly ClusterEventWrite[]): void {
    for (const event of events) this.#events.push({ ...structuredClone(event), seq: ++this.#lastSeq });
  }

  read(request: ReadEventsRequest): ReadEventsResult {
    const events: ClusterEventRecord[] = [];
    // Seqs are dense and ascending: skip to the first one after the cursor.
    const first = this.#events.findIndex((event) => event.seq > request.afterSeq);
    if (first >= 0) {
      for (const event of this.#events.slice(first, first + request.limit)) events.push(structuredClone(event));
    }
    return { events, trimmedThroughSeq: this.#trimmedThroughSeq };
  }

  cursor(): number {
    return this.#lastSeq;
  }

  trim(request: { beforeMs: number; keepLast?: number }): number {
    const keepFrom = request.keepLast === undefined ? 0 : Math.max(0, this.#events.length - request.keepLast);
    const kept = this.#events.filter((event, index) => index >= keepFrom && event.atMs >= request.beforeMs);
    const removed = this.#events.filter((event) => !kept.includes(event));
    for (const event of removed) this.#trimmedThroughSeq = Math.max(this.#trimmedThroughSeq, event.seq);
    this.#events = kept;
    return removed.length;
  }
}
