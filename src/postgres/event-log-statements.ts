import type { ClusterEventRecord, ClusterEventWrite, ReadEventsResult } from '../store/store.ts';
import type { Row } from './row-mapping.ts';

// The cluster event log statements (Store.appendEvents and the rest). Appends are serialized in
// append_events (migrations/0008), so what a snapshot sees of the log is a prefix in seq order:
// each read here is one statement, one snapshot, and never answers past what it saw.

export function eventLogStatements(s: string) {
  return {
    // $1 types, $2 node ids, $3 atMs, $4 data as JSON text (one array each), $5 channel.
    append: `SELECT ${s}.append_events($1::text[], $2::text[], $3::bigint[], $4::text[], $5)`,

    // $1 afterSeq, $2 limit. One row per event, or one row without an event: either way each row
    // carries trimmed_through_seq, read in the same snapshot as the events.
    read: `
      SELECT e.seq, e.type, e.node_id, e.at_ms, e.data, m.trimmed_through_seq
      FROM ${s}.events_meta m
      LEFT JOIN LATERAL (SELECT * FROM ${s}.events WHERE seq > $1::bigint ORDER BY seq LIMIT $2) e ON true
      ORDER BY e.seq`,

    // The newest visible seq; once the log is trimmed empty, the highest seq trimmed is that.
    // Never the sequence's last value, which an append still under way may have taken.
    cursor: `SELECT GREATEST((SELECT max(seq) FROM ${s}.events), m.trimmed_through_seq) AS seq FROM ${s}.events_meta m`,

    // $1 beforeMs, $2 keepLast (null: no limit). `bound` is the newest seq beyond the kept ones.
    // The meta row is raised in the same statement, so no reader sees the events gone without it.
    trim: `
      WITH bound AS (SELECT seq FROM ${s}.events WHERE $2::bigint IS NOT NULL ORDER BY seq DESC OFFSET $2 LIMIT 1),
      gone AS (DELETE FROM ${s}.events WHERE at_ms < $1 OR seq <= (SELECT seq FROM bound) RETURNING seq),
      raised AS (
        UPDATE ${s}.events_meta SET trimmed_through_seq = GREATEST(trimmed_through_seq, (SELECT max(seq) FROM gone))
        WHERE EXISTS (SELECT 1 FROM gone))
      SELECT count(*) AS n FROM gone`,
  };
}

export type EventLogStatements = ReturnType<typeof eventLogStatements>;

/** The append_events arguments: one array per column, in the batch's order. */
export function eventArrays(events: readonly ClusterEventWrite[]): unknown[] {
  const types: string[] = [], nodeIds: string[] = [], atMs: number[] = [], data: Array<string | null> = [];
  for (const event of events) {
    types.push(event.type);
    nodeIds.push(event.nodeId);
    atMs.push(event.atMs);
    // JSON.stringify(undefined) is undefined: stored as JSON null (the function's COALESCE).
    data.push(JSON.stringify(event.data) ?? null);
  }
  return [types, nodeIds, atMs, data];
}

export function readEventsResult(rows: readonly Row[]): ReadEventsResult {
  const events: ClusterEventRecord[] = [];
  for (const row of rows) {
    if (row.seq === null || row.seq === undefined) continue;
    events.push({ seq: Number(row.seq), type: String(row.type), nodeId: String(row.node_id), atMs: Number(row.at_ms), data: row.data as ClusterEventRecord['data'] });
  }
  return { events, trimmedThroughSeq: Number(rows[0]?.trimmed_through_seq ?? 0) };
}
