import type { JsonValue } from '../domain/json.ts';
import type { ClusterEventRecord, ClusterEventWrite, ReadEventsRequest, ReadEventsResult } from '../store/store.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

// Store.appendEvents and its siblings. Appends run in the store's BEGIN IMMEDIATE transaction, so
// appends from every process on the file take turns: an append's seqs are handed out and committed
// before the next append starts, and a reader can never see a higher seq while a lower one is
// still to come.

/** Store.appendEvents inside the caller's transaction. */
export function appendEvents(s: Statements, events: readonly ClusterEventWrite[]): void {
  for (const event of events) {
    // A plain-JS caller's undefined has no JSON text; it reads back as null, as in a JSON object.
    const data = JSON.stringify(event.data) ?? 'null';
    s.appendEvent.run({ type: event.type, nodeId: event.nodeId, atMs: event.atMs, data });
  }
}

/** Store.readEvents: the page and the trim mark from one snapshot, so a trim cannot fall between them unseen. */
export function readEvents(s: Statements, request: ReadEventsRequest): ReadEventsResult {
  s.beginRead.run();
  try {
    // A negative LIMIT means "no limit" to SQLite.
    const rows = request.limit > 0 ? (s.readEvents.all({ afterSeq: request.afterSeq, limit: request.limit }) as Row[]) : [];
    return { events: rows.map(rowToEvent), trimmedThroughSeq: Number((s.trimmedThroughSeq.get() as Row).seq) };
  } finally {
    s.commit.run();
  }
}

export function eventCursor(s: Statements): number {
  return Number((s.eventCursor.get() as Row).seq);
}

/**
 * Store.trimEvents inside the caller's transaction. `keepLast` counts the newest of the whole log
 * (as if both rules applied at once), so it runs before the trim by age. Each deletion's highest
 * seq is read first, so a large trim never brings its rows into JavaScript.
 */
export function trimEvents(s: Statements, request: { beforeMs: number; keepLast?: number }): number {
  let deleted = 0;
  let highest = 0;
  if (request.keepLast !== undefined) {
    const keepLast = Math.min(Math.max(0, Math.floor(request.keepLast)), Number.MAX_SAFE_INTEGER);
    const beyond = s.lastEventBeyondKept.get({ keepLast }) as Row | undefined;
    if (beyond) {
      highest = Number(beyond.seq);
      deleted += Number(s.deleteEventsThrough.run({ seq: highest }).changes);
    }
  }
  const old = (s.lastEventBefore.get({ beforeMs: request.beforeMs }) as Row).seq;
  if (old !== null && old !== undefined) {
    highest = Math.max(highest, Number(old));
    deleted += Number(s.deleteEventsBefore.run({ beforeMs: request.beforeMs }).changes);
  }
  if (deleted > 0) s.raiseTrimmedThroughSeq.run({ seq: highest });
  return deleted;
}

/** A row whose data is not JSON (a hand edit, a bad restore) is answered flagged, never thrown: readers skip it. */
function rowToEvent(row: Row): ClusterEventRecord {
  const event = { seq: Number(row.seq), type: String(row.type), nodeId: String(row.node_id), atMs: Number(row.at_ms) };
  try {
    return { ...event, data: JSON.parse(String(row.data)) as JsonValue };
  } catch {
    return { ...event, data: null, unreadable: true };
  }
}
