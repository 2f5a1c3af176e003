// The fixed statements of the cluster event log (see statements.ts for the conventions;
// event-log.ts runs them).

const trimmedKey = `'events_trimmed_through_seq'`;

export const eventLogSql = {
  appendEvent: `INSERT INTO events (type, node_id, at_ms, data) VALUES (:type, :nodeId, :atMs, :data)`,
  readEvents: `SELECT seq, type, node_id, at_ms, data FROM events WHERE seq > :afterSeq ORDER BY seq LIMIT :limit`,
  // AUTOINCREMENT keeps the highest seq ever handed out in sqlite_sequence, trimmed or not; the
  // row appears with the first append.
  eventCursor: `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) AS seq`,
  trimmedThroughSeq: `SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM sundial_meta WHERE key = ${trimmedKey}), 0) AS seq`,
  // The meta value is text: a bound number arrives as REAL and would be stored as '12.0'.
  raiseTrimmedThroughSeq: `
    INSERT INTO sundial_meta (key, value) VALUES (${trimmedKey}, CAST(CAST(:seq AS INTEGER) AS TEXT))
    ON CONFLICT (key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`,
  /** The newest event that `keepLast` does not keep (none when the log holds no more than that). */
  lastEventBeyondKept: `SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET :keepLast`,
  deleteEventsThrough: `DELETE FROM events WHERE seq <= :seq`,
  lastEventBefore: `SELECT MAX(seq) AS seq FROM events WHERE at_ms < :beforeMs`,
  deleteEventsBefore: `DELETE FROM events WHERE at_ms < :beforeMs`,
} as const;
