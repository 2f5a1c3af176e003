// The fixed statements of leader elections (see statements.ts for the conventions; leadership.ts
// runs them). Every decision is a WHERE on holder, term or version — never on a time — so two
// processes whose clocks disagree still agree on who leads.

export const leadershipSql = {
  // The DO UPDATE's WHERE is the whole election: a released record, or the version the candidate
  // watched (a NULL :observedVersion matches no version). When it refuses, nothing is written and
  // RETURNING is empty, so the caller reads the record as it stands.
  acquireLeadership: `
    INSERT INTO leaders (name, holder, term, version, acquired_at_ms, renewed_at_ms, lease_ms)
    VALUES (:name, :nodeId, 1, 1, :nowMs, :nowMs, :leaseMs)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, term = leaders.term + 1, version = leaders.version + 1,
      acquired_at_ms = excluded.acquired_at_ms, renewed_at_ms = excluded.renewed_at_ms, lease_ms = excluded.lease_ms
    WHERE leaders.holder IS NULL OR leaders.version = :observedVersion
    RETURNING *`,
  renewLeadership: `
    UPDATE leaders SET renewed_at_ms = :nowMs, lease_ms = :leaseMs, version = version + 1
    WHERE name = :name AND holder = :nodeId AND term = :term
    RETURNING *`,
  // The term stays: the next acquisition takes term + 1, so a write fenced by this term stays refused.
  releaseLeadership: `
    UPDATE leaders SET holder = NULL, version = version + 1
    WHERE name = :name AND holder = :nodeId AND term = :term`,
  getLeader: `SELECT * FROM leaders WHERE name = ?`,
  listLeaders: `SELECT * FROM leaders ORDER BY name`,
} as const;
