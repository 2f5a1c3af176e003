-- Sundial PostgreSQL store, schema 12: a per-schedule overlap policy (ScheduleRecord.overlap, what
-- a fire does while maxRunning jobs are active). Schedules written before the upgrade keep what
-- they did: 'skip' (ADD COLUMN with a constant default rewrites no row).
--
-- Nodes of the previous version: their prepared `SELECT *` statements on schedules change result
-- type (the new column), so stop them before this one migrates, as for schema 11.

ALTER TABLE schedules ADD COLUMN overlap_policy text NOT NULL DEFAULT 'skip';

-- upsertSchedule(s): as in schema 11; each write sets the overlap policy too (`overlap_policy`,
-- absent: 'skip'). Like the catch-up limit it is no part of the definition the reservations were
-- planned under: changing it alone keeps them.
CREATE OR REPLACE FUNCTION upsert_schedules(p_writes jsonb, p_channel text)
RETURNS SETOF schedules
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
  w record;
BEGIN
  FOR w IN
    SELECT * FROM jsonb_to_recordset(p_writes) AS x(i int, id text, task text, data jsonb, trigger_spec jsonb, priority int,
      max_running int, misfire_grace_ms bigint, coalesce_policy text, paused boolean, next_fire_at_ms bigint, now_ms bigint,
      keep_next_fire boolean, trace_context text, catch_up_limit int, overlap_policy text)
    ORDER BY x.i
  LOOP
    RETURN QUERY
    WITH prev AS (SELECT * FROM schedules WHERE schedules.id = w.id FOR UPDATE),
    dropped AS (
      DELETE FROM jobs j USING prev p
      WHERE j.schedule_id = p.id AND j.status = 'reserved' AND j.run_at_ms > w.now_ms
        AND (p.task <> w.task OR p.data <> COALESCE(w.data, 'null'::jsonb) OR p.trigger_spec <> w.trigger_spec
          OR p.priority <> w.priority OR p.max_running IS DISTINCT FROM w.max_running
          OR p.misfire_grace_ms IS DISTINCT FROM w.misfire_grace_ms OR p.coalesce_policy <> w.coalesce_policy)
      RETURNING j.schedule_id, j.fire_at_ms AS key_fire_at_ms, COALESCE(j.fire_at_ms, j.run_at_ms) AS fire_at_ms),
    unkeyed AS (
      DELETE FROM fire_keys k USING dropped d WHERE k.schedule_id = d.schedule_id AND k.fire_at_ms = d.key_fire_at_ms),
    gone AS (SELECT count(*) AS n, min(fire_at_ms) AS earliest FROM dropped)
    INSERT INTO schedules AS cur (id, task, data, trigger_spec, priority, max_running, misfire_grace_ms, coalesce_policy,
      catch_up_limit, overlap_policy, paused, next_fire_at_ms, created_at_ms, updated_at_ms, trace_context)
    VALUES (w.id, w.task, COALESCE(w.data, 'null'::jsonb), w.trigger_spec, w.priority, w.max_running, w.misfire_grace_ms,
      w.coalesce_policy, COALESCE(w.catch_up_limit, 1000), COALESCE(w.overlap_policy, 'skip'),
      COALESCE(w.paused, false), w.next_fire_at_ms, w.now_ms, w.now_ms,
      w.trace_context)
    ON CONFLICT (id) DO UPDATE SET task = excluded.task, data = excluded.data, trigger_spec = excluded.trigger_spec,
      priority = excluded.priority, max_running = excluded.max_running, misfire_grace_ms = excluded.misfire_grace_ms,
      coalesce_policy = excluded.coalesce_policy, catch_up_limit = excluded.catch_up_limit,
      overlap_policy = excluded.overlap_policy, paused = COALESCE(w.paused, cur.paused),
      next_fire_at_ms = CASE WHEN w.keep_next_fire AND cur.trigger_spec = excluded.trigger_spec
        THEN LEAST(cur.next_fire_at_ms, (SELECT gone.earliest FROM gone)) ELSE excluded.next_fire_at_ms END,
      fired_count = cur.fired_count - (SELECT gone.n FROM gone),
      updated_at_ms = excluded.updated_at_ms, trace_context = excluded.trace_context
    RETURNING cur.*;
  END LOOP;
  PERFORM pg_notify(p_channel, 'schedules');
END
$$;
