import type { JsonValue } from '../domain/json.ts';

// The requests and answers of the store's cluster event log (see `Store.appendEvents`).

/** An event as a node appends it: the store keeps `type` and `data` as given and never reads them. */
export interface ClusterEventWrite {
  /** The event's name (`job.succeeded`, `leader.elected`, `controller.enqueued`, …). */
  type: string;
  /** The node that appends it. */
  nodeId: string;
  /** When it happened, on that node's clock. */
  atMs: number;
  data: JsonValue;
}

/** An event as the log holds it, with its place in the log. */
export interface ClusterEventRecord extends ClusterEventWrite {
  /** Its position: unique, and increasing in the order readers see the events. */
  seq: number;
  /** Present when `data` could not be decoded (then `data` is null): a reader skips it. */
  unreadable?: true;
}

/** The request of `Store.readEvents`: the cursor to read after, and how many events at most. */
export interface ReadEventsRequest {
  /** Only events with seq > afterSeq (0 reads from the beginning). */
  afterSeq: number;
  /** Most events to answer. */
  limit: number;
}

/** The answer of `Store.readEvents`: the events after the cursor, and how far the log has been trimmed. */
export interface ReadEventsResult {
  /** Ascending seq. */
  events: ClusterEventRecord[];
  /**
   * The highest seq ever trimmed (0 when none): a reader whose `afterSeq` is below it missed
   * the events between (they were trimmed before it read them).
   */
  trimmedThroughSeq: number;
}
