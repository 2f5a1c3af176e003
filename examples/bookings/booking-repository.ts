// The booking rows and their audit log, in SQL. Every method takes the client of the caller's
// transaction: the repository never begins or commits; the service decides what is atomic.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { BookingEvent, BookingStatus } from './booking-state.ts';

export interface Booking {
  id: string;
  status: BookingStatus;
  tutor: string;
  student: string;
  startsAtMs: number;
  endsAtMs: number;
  expiresAtMs: number;
  remindedAtMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface BookingEventRow {
  seq: number;
  bookingId: string;
  event: BookingEvent;
  fromStatus: BookingStatus | null;
  toStatus: BookingStatus;
  node: string;
  jobId: string | null;
  jobAttempt: number | null;
  dueAtMs: number | null;
  atMs: number;
}

export interface NewBookingEvent {
  bookingId: string;
  event: BookingEvent;
  fromStatus: BookingStatus | null;
  toStatus: BookingStatus;
  node: string;
  job?: { id: string; attempt: number; dueAtMs: number };
}

/** The row is locked by another transaction (`FOR UPDATE NOWAIT` refused, or `lock_timeout` passed). */
export class BookingBusyError extends Error {
  readonly code = 'BOOKING_BUSY';
  override readonly name = 'BookingBusyError';
}

const lockNotAvailable = '55P03';
const columns = `id, status, tutor, student,
  (extract(epoch FROM starts_at) * 1000)::float8 AS starts_at_ms, (extract(epoch FROM ends_at) * 1000)::float8 AS ends_at_ms,
  (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at_ms, (extract(epoch FROM reminded_at) * 1000)::float8 AS reminded_at_ms,
  (extract(epoch FROM created_at) * 1000)::float8 AS created_at_ms, (extract(epoch FROM updated_at) * 1000)::float8 AS updated_at_ms`;

export class BookingRepository {
  readonly schema: string;
  readonly #table: string;
  readonly #events: string;

  constructor(schema: string) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`Expected a lower-case schema name, got ${JSON.stringify(schema)}`);
    this.schema = schema;
    this.#table = `"${schema}".bookings`;
    this.#events = `"${schema}".booking_events`;
  }

  /** Creates the schema and its tables if missing (`0001_bookings.sql`). Run it once, before the replicas start. */
  async migrate(client: pg.ClientBase): Promise<void> {
    const sql = readFileSync(new URL('./0001_bookings.sql', import.meta.url), 'utf8').replaceAll('{{schema}}', `"${this.schema}"`);
    await client.query(sql);
  }

  async insert(client: pg.ClientBase, booking: Pick<Booking, 'id' | 'tutor' | 'student' | 'startsAtMs' | 'endsAtMs' | 'expiresAtMs'>): Promise<Booking> {
    const { rows } = await client.query<BookingRow>(
      `INSERT INTO ${this.#table} (id, status, tutor, student, starts_at, ends_at, expires_at)
       VALUES ($1, 'requested', $2, $3, to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0))
       RETURNING ${columns}`,
      [booking.id, booking.tutor, booking.student, booking.startsAtMs, booking.endsAtMs, booking.expiresAtMs],
    );
    return toBooking(rows[0]!);
  }

  /**
   * Reads the booking and locks its row until the transaction ends. `nowait` (the jobs) refuses
   * at once when another transaction holds it; `wait` (the API) waits up to the transaction's
   * `lock_timeout`. Either refusal is a `BookingBusyError`. Null when there is no such booking.
   */
  async lock(client: pg.ClientBase, id: string, mode: 'nowait' | 'wait'): Promise<Booking | null> {
    try {
      const { rows } = await client.query<BookingRow>(`SELECT ${columns} FROM ${this.#table} WHERE id = $1 FOR UPDATE${mode === 'nowait' ? ' NOWAIT' : ''}`, [id]);
      return rows[0] ? toBooking(rows[0]) : null;
    } catch (error) {
      if ((error as { code?: string }).code === lockNotAvailable) throw new BookingBusyError(`Booking ${id} is locked by another transaction`, { cause: error });
      throw error;
    }
  }

  async setStatus(client: pg.ClientBase, id: string, status: BookingStatus): Promise<void> {
    await client.query(`UPDATE ${this.#table} SET status = $2, updated_at = clock_timestamp() WHERE id = $1`, [id, status]);
  }

  async markReminded(client: pg.ClientBase, id: string): Promise<void> {
    await client.query(`UPDATE ${this.#table} SET reminded_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`, [id]);
  }

  async record(client: pg.ClientBase, event: NewBookingEvent): Promise<void> {
    await client.query(
      `INSERT INTO ${this.#events} (booking_id, event, from_status, to_status, node, job_id, job_attempt, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8 / 1000.0))`,
      [event.bookingId, event.event, event.fromStatus, event.toStatus, event.node, event.job?.id ?? null, event.job?.attempt ?? null, event.job?.dueAtMs ?? null],
    );
  }

  async get(client: pg.ClientBase | pg.Pool, id: string): Promise<Booking | null> {
    const { rows } = await client.query<BookingRow>(`SELECT ${columns} FROM ${this.#table} WHERE id = $1`, [id]);
    return rows[0] ? toBooking(rows[0]) : null;
  }

  async list(client: pg.ClientBase | pg.Pool, query: { status?: BookingStatus; limit: number }): Promise<Booking[]> {
    const { rows } = await client.query<BookingRow>(
      `SELECT ${columns} FROM ${this.#table} WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC, id LIMIT $2`,
      [query.status ?? null, query.limit],
    );
    return rows.map(toBooking);
  }

  /** The audit log, oldest first; of one booking, or all of them. */
  async events(client: pg.ClientBase | pg.Pool, bookingId?: string): Promise<BookingEventRow[]> {
    const { rows } = await client.query<EventRow>(
      `SELECT seq, booking_id, event, from_status, to_status, node, job_id, job_attempt,
         (extract(epoch FROM due_at) * 1000)::float8 AS due_at_ms, (extract(epoch FROM at) * 1000)::float8 AS at_ms
       FROM ${this.#events} WHERE ($1::uuid IS NULL OR booking_id = $1) ORDER BY seq`,
      [bookingId ?? null],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      bookingId: row.booking_id,
      event: row.event,
      fromStatus: row.from_status,
      toStatus: row.to_status,
      node: row.node,
      jobId: row.job_id,
      jobAttempt: row.job_attempt,
      dueAtMs: row.due_at_ms,
      atMs: row.at_ms,
    }));
  }
}

interface BookingRow {
  id: string;
  status: BookingStatus;
  tutor: string;
  student: string;
  starts_at_ms: number;
  ends_at_ms: number;
  expires_at_ms: number;
  reminded_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

interface EventRow {
  seq: string;
  booking_id: string;
  event: BookingEvent;
  from_status: BookingStatus | null;
  to_status: BookingStatus;
  node: string;
  job_id: string | null;
  job_attempt: number | null;
  due_at_ms: number | null;
  at_ms: number;
}

function toBooking(row: BookingRow): Booking {
  return {
    id: row.id,
    status: row.status,
    tutor: row.tutor,
    student: row.student,
    startsAtMs: Math.round(row.starts_at_ms),
    endsAtMs: Math.round(row.ends_at_ms),
    expiresAtMs: Math.round(row.expires_at_ms),
    remindedAtMs: row.reminded_at_ms === null ? null : Math.round(row.reminded_at_ms),
    createdAtMs: Math.round(row.created_at_ms),
    updatedAtMs: Math.round(row.updated_at_ms),
  };
}
