-- The booking service's own tables, in their own schema (`{{schema}}`, quoted by the migration).
-- Sundial's tables live in another schema; jobs are written in the same transactions as these rows.
CREATE SCHEMA IF NOT EXISTS {{schema}};

CREATE TABLE IF NOT EXISTS {{schema}}.bookings (
  id           uuid PRIMARY KEY,
  status       text NOT NULL CHECK (status IN ('requested', 'scheduled', 'active', 'ended', 'expired')),
  tutor        text NOT NULL,
  student      text NOT NULL,
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  reminded_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (ends_at > starts_at)
);

-- An audit log: one row per transition applied (and per reminder sent). Deliberately without a
-- unique constraint on (booking_id, event): a transition applied twice would show here as two
-- rows rather than fail, so the end-to-end test can count duplicates instead of assuming none.
CREATE TABLE IF NOT EXISTS {{schema}}.booking_events (
  seq          bigserial PRIMARY KEY,
  booking_id   uuid NOT NULL REFERENCES {{schema}}.bookings (id),
  event        text NOT NULL CHECK (event IN ('requested', 'confirmed', 'expired', 'started', 'ended', 'reminded')),
  from_status  text,
  to_status    text NOT NULL,
  -- Who applied it: the replica's node id, and the job when a job did.
  node         text NOT NULL,
  job_id       text,
  job_attempt  integer,
  due_at       timestamptz,
  at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS booking_events_booking ON {{schema}}.booking_events (booking_id, seq);
