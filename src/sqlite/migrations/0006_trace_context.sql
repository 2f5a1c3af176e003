-- Sundial SQLite store, schema 6: the trace context a job or a schedule was written in.
--
-- Opaque text (a W3C traceparent, then a line break and tracestate when there is one, at most
-- 2,048 characters) that the store keeps and hands back: NewJob.traceContext with the job through
-- its claims, reservations, retries and history; ScheduleWrite.traceContext with the schedule,
-- replaced by every upsert. NULL when none (an empty string is stored as NULL), which is what
-- every row written before the upgrade holds: ADD COLUMN with no default rewrites no row.
ALTER TABLE jobs ADD COLUMN trace_context TEXT;
ALTER TABLE schedules ADD COLUMN trace_context TEXT;
