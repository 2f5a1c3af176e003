-- Sundial PostgreSQL store, schema 3: fewer index entries per job state change.
--
-- Every change of a job's status is a non-HOT update, and PostgreSQL adds an entry to each of
-- the table's indexes (those whose predicate the new row meets) for each one: a claim and a
-- completion paid 8 and 7 entries. The listing indexes were most of them, and measured at 25%
-- of the time of a claim or a completion of 100 jobs. Here the read side makes do with fewer:
-- - jobs_created goes: newest-first listings merge the per-status ranges of jobs_status_created
--   (list-queries.ts), one short index range per status.
-- - jobs_finished goes: the purge reads jobs_status_created up to its cutoff (a job is created
--   before it finishes), and the per-minute statistics read jobs_updated (a final job's
--   updatedAtMs is its finishedAtMs or later).
-- - the two schedule indexes hold only jobs of a schedule: on-demand jobs pay nothing for them.

DROP INDEX jobs_created;
DROP INDEX jobs_finished;

DROP INDEX jobs_schedule_active;
CREATE INDEX jobs_schedule_active ON jobs (schedule_id)
  WHERE schedule_id IS NOT NULL AND status IN ('queued', 'running', 'failed');

DROP INDEX jobs_schedule_created;
CREATE INDEX jobs_schedule_created ON jobs (schedule_id, created_at_ms DESC, id DESC) WHERE schedule_id IS NOT NULL;
