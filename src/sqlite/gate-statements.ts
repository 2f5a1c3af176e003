// The fixed statements of the task gates (schema 7; see statements.ts for the conventions):
// circuit breakers with their counted calls, and rate-limit buckets.

const breakerColumns = `b.task, b.state, b.forced, b.changed_at_ms, b.open_until_ms, b.probe_owner, b.probe_until_ms, b.version`;

/** A breaker with the calls of its window, summed over one primary-key range of breaker_calls. */
function readBreakersWhere(filter: string): string {
  return `
    SELECT ${breakerColumns}, COALESCE(SUM(c.succeeded), 0) AS succeeded_calls, COALESCE(SUM(c.failed), 0) AS failed_calls
    FROM breakers b LEFT JOIN breaker_calls c ON c.task = b.task AND c.bucket_start_ms >= :sinceMs
    ${filter}
    GROUP BY b.task ORDER BY b.task`;
}

export const gateSql = {
  readAllBreakers: readBreakersWhere(''),
  // :tasks is a JSON array of task names.
  readBreakersOf: readBreakersWhere('WHERE b.task IN (SELECT value FROM json_each(:tasks))'),
  addBreakerCalls: `
    INSERT INTO breaker_calls (task, bucket_start_ms, succeeded, failed) VALUES (:task, :bucketStartMs, :succeeded, :failed)
    ON CONFLICT (task, bucket_start_ms) DO UPDATE SET succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed`,
  pruneBreakerCalls: `DELETE FROM breaker_calls WHERE task = :task AND bucket_start_ms < :pruneBeforeMs`,
  clearBreakerCalls: `DELETE FROM breaker_calls WHERE task = ?`,
  // writeBreaker with expectedVersion 0: only when no record exists.
  insertBreaker: `
    INSERT INTO breakers (task, state, forced, changed_at_ms, open_until_ms, probe_owner, probe_until_ms, version)
    VALUES (:task, :state, :forced, :changedAtMs, :openUntilMs, :probeOwner, :probeUntilMs, 1)
    ON CONFLICT (task) DO NOTHING`,
  // writeBreaker otherwise: only over the version the writer read.
  updateBreaker: `
    UPDATE breakers SET state = :state, forced = :forced, changed_at_ms = :changedAtMs, open_until_ms = :openUntilMs,
      probe_owner = :probeOwner, probe_until_ms = :probeUntilMs, version = version + 1
    WHERE task = :task AND version = :expectedVersion`,

  rateTat: `SELECT tat FROM rate_limits WHERE key = ?`,
  setRateTat: `INSERT INTO rate_limits (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat`,
} as const;
