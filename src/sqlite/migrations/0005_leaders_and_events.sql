-- Sundial SQLite store, schema 5: leader elections, the cluster event log, and the events each
-- node listens to.

-- One row per election name, never deleted: its term must keep growing across holders
-- (Store.acquireLeadership). The store never compares clocks: a takeover names the version the
-- candidate watched unchanged, and every write bumps it.
CREATE TABLE leaders (
  name           TEXT PRIMARY KEY,
  holder         TEXT,
  term           INTEGER NOT NULL,
  version        INTEGER NOT NULL,
  acquired_at_ms INTEGER NOT NULL,
  renewed_at_ms  INTEGER NOT NULL,
  lease_ms       INTEGER NOT NULL
) WITHOUT ROWID;

-- The cluster event log. AUTOINCREMENT, unlike the jobs table's plain rowid, never hands out a
-- seq again once its row is trimmed: a reader's cursor past a trimmed event must not match a
-- new one. Writers take turns (BEGIN IMMEDIATE), so seqs also become visible in order.
CREATE TABLE events (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  type    TEXT NOT NULL,
  node_id TEXT NOT NULL,
  at_ms   INTEGER NOT NULL,
  -- JSON, as the node wrote it; the store never reads it.
  data    TEXT NOT NULL
);

-- trimEvents by age deletes a few old rows under the write lock instead of scanning the log.
CREATE INDEX events_at ON events (at_ms);

-- The highest seq ever trimmed: once the trimmed rows are gone nothing else remembers it, and
-- atMs is each node's own clock, so a trim by age need not cut a prefix of the log.
INSERT INTO sundial_meta (key, value) VALUES ('events_trimmed_through_seq', '0');

-- JSON array of event names. Rows written before the upgrade listen to nothing.
ALTER TABLE nodes ADD COLUMN cluster_events TEXT NOT NULL DEFAULT '[]';
