// The leadership statements (Store.acquireLeadership and the rest): each one statement, so each
// write is atomic and fenced by its WHERE, re-checked on the row's latest version when it waited.

export function leadershipStatements(s: string) {
  return {
    // $1 name, $2 nodeId, $3 nowMs, $4 leaseMs, $5 observedVersion (null: none). One row: the
    // record after the call, taken or not (see acquire_leadership in migrations/0008).
    acquire: `SELECT * FROM ${s}.acquire_leadership($1, $2, $3::bigint, $4::bigint, $5::bigint)`,

    // $1 name, $2 nodeId, $3 term, $4 nowMs, $5 leaseMs. No row when the node no longer leads under that term.
    renew: `
      UPDATE ${s}.leaders SET renewed_at_ms = $4, lease_ms = $5, version = version + 1
      WHERE name = $1 AND holder = $2 AND term = $3
      RETURNING *`,

    // $1 name, $2 nodeId, $3 term. The term stays: the next acquisition takes term + 1.
    release: `
      UPDATE ${s}.leaders SET holder = NULL, version = version + 1
      WHERE name = $1 AND holder = $2 AND term = $3
      RETURNING name`,

    get: `SELECT * FROM ${s}.leaders WHERE name = $1`,
    list: `SELECT * FROM ${s}.leaders ORDER BY name`,
  };
}

export type LeadershipStatements = ReturnType<typeof leadershipStatements>;

