-- Sundial SQLite store, schema 8: a per-schedule catch-up limit (ScheduleRecord.catchUpLimit,
-- the most due fires planned one by one after a downtime). Schedules written before the upgrade
-- keep the fixed limit they had: 1,000. ADD COLUMN with a constant default rewrites no row.
ALTER TABLE schedules ADD COLUMN catch_up_limit INTEGER NOT NULL DEFAULT 1000;
