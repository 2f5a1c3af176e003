-- Sundial PostgreSQL store, schema 8: leader elections, the cluster event log, and the events
-- each node listens to.
--
-- Leadership (Store.acquireLeadership): one row per election, never deleted, so that its term
-- keeps growing across holders. The store compares no clocks: a candidate takes a held lease
-- only by naming the version it watched unchanged for the holder's lease, and every write moves
-- the version on, so a renewal (or another candidate's takeover) makes that observation stale.

CREATE TABLE leaders (
  name           text COLLATE "C" PRIMARY KEY,
  holder         text,
  term           bigint NOT NULL,
  version        bigint NOT NULL,
  acquired_at_ms bigint NOT NULL,
  renewed_at_ms  bigint NOT NULL,
  lease_ms       bigint NOT NULL
);

-- A function because a refused acquisition must answer the record as committed: it waited for
-- the winner (a concurrent insert of the same name, or an update of the row) and locked the row
-- without changing it, but a read in the same statement would use the statement's snapshot,
-- from before that wait, and answer no record or a stale one. The read here is a statement of
-- its own, so it takes a fresh snapshot; the lock ON CONFLICT took (held even when its WHERE
-- refuses) keeps the row as read until this call commits.
CREATE FUNCTION acquire_leadership(p_name text, p_node_id text, p_now_ms bigint, p_lease_ms bigint, p_observed_version bigint)
RETURNS SETOF leaders
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  RETURN QUERY
  INSERT INTO leaders AS cur (name, holder, term, version, acquired_at_ms, renewed_at_ms, lease_ms)
  VALUES (p_name, p_node_id, 1, 1, p_now_ms, p_now_ms, p_lease_ms)
  ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, term = cur.term + 1, version = cur.version + 1,
    acquired_at_ms = excluded.acquired_at_ms, renewed_at_ms = excluded.renewed_at_ms, lease_ms = excluded.lease_ms
  WHERE cur.holder IS NULL OR cur.version = p_observed_version
  RETURNING cur.*;
  IF NOT FOUND THEN
    RETURN QUERY SELECT * FROM leaders WHERE leaders.name = p_name;
  END IF;
END
$$;

-- The cluster event log (Store.appendEvents). Seqs come from the identity's sequence, so a seq
-- is never handed out twice, even after its event was trimmed; a failed append leaves a gap,
-- which readers do not mind.
CREATE TABLE events (
  seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type    text NOT NULL,
  node_id text NOT NULL,
  at_ms   bigint NOT NULL,
  data    jsonb NOT NULL
);

-- trimEvents by age. (Events are stamped on their nodes' clocks, so at_ms is not in seq order.)
CREATE INDEX events_at ON events (at_ms);

-- One row: how far the log was trimmed, which readers must learn even when every event is gone.
CREATE TABLE events_meta (
  only_row            boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  trimmed_through_seq bigint NOT NULL DEFAULT 0
);
INSERT INTO events_meta DEFAULT VALUES;

-- Appends take the schema's advisory lock and hold it until they commit. Without it, an append
-- could take its seq before another and commit after it: a reader that read the later seq
-- meanwhile would move its cursor past the earlier one and never see it. Under the lock, each
-- append is visible (its commit is) before the next one takes a seq, so what any snapshot sees
-- is a prefix of the log, and max(seq) is a safe cursor. The NOTIFY is sent at that commit.
CREATE FUNCTION append_events(p_type text[], p_node_id text[], p_at_ms bigint[], p_data text[], p_channel text)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('sundial-events:' || current_schema())::bigint);
  -- The sort keeps the identity's values in the batch's order (the default is computed above it).
  INSERT INTO events (type, node_id, at_ms, data)
  SELECT e.type, e.node_id, e.at_ms, COALESCE(e.data::jsonb, 'null'::jsonb)
  FROM unnest(p_type, p_node_id, p_at_ms, p_data) WITH ORDINALITY AS e(type, node_id, at_ms, data, i)
  ORDER BY e.i;
  PERFORM pg_notify(p_channel, 'events');
END
$$;

-- The event names each node listens to across the cluster (NodeRecord.clusterEvents). Rows of
-- nodes of the previous version listen to nothing until they report again.
ALTER TABLE nodes ADD COLUMN cluster_events jsonb NOT NULL DEFAULT '[]';
