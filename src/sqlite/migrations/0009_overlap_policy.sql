-- Sundial SQLite store, schema 9: a per-schedule overlap policy (ScheduleRecord.overlap, what a
-- fire does while maxRunning jobs are active). Schedules written before the upgrade keep what they
-- did: 'skip'. ADD COLUMN with a constant default rewrites no row.
ALTER TABLE schedules ADD COLUMN overlap_policy TEXT NOT NULL DEFAULT 'skip';
