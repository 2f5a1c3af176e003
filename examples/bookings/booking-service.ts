// The booking service: the API's use cases and the jobs' transitions, each one PostgreSQL
// transaction that writes the booking, its audit event and the jobs it makes due together.
//
// The service owns this replica's Sundial scheduler, on the same database: jobs are enqueued
// with `{ tx: client }`, so a booking and its expiry job (a confirmation and its start and
// reminder jobs, a start and its end job) commit together or not at all.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { InvalidArgumentError, Scheduler, type EnqueueInput, type JobInfo, type Logger, type Store } from '../../src/index.ts';
import { BookingRepository, type Booking, type NewBookingEvent } from './booking-repository.ts';
import { decide, shouldRemind, type BookingTransition, type Decision } from './booking-state.ts';
import { bookingTasks, endSession, expireBooking, missingBooking, sendReminder, startSession, type BookingJobData } from './booking-tasks.ts';

export interface BookingTimings {
  /** A request not confirmed within this is expired (the seed: 24 h). */
  requestTtlMs: number;
  /** A session ends this long after its end time. */
  graceMs: number;
  /** The reminder is due this long before the start. */
  remindBeforeMs: number;
  /** Simulated work inside each job's transaction, with the row locked (0: none). */
  handlerWorkMs: number;
}

export interface NewBooking {
  tutor: string;
  student: string;
  startsAtMs: number;
  endsAtMs: number;
}

export interface BookingServiceOptions {
  pool: pg.Pool;
  repository: BookingRepository;
  /** Sundial's store on the same database (another schema). */
  store: Store;
  nodeId: string;
  timings: BookingTimings;
  /** Sundial's job lease: how long a killed replica's jobs wait before another takes them. */
  leaseMs: number;
  logger: Logger;
  /** Called after each transition's transaction committed (or decided to do nothing). */
  onOutcome?: (outcome: TransitionOutcome) => void;
}

export interface TransitionOutcome {
  bookingId: string;
  /** A transition, or 'remind'. */
  action: BookingTransition | 'remind';
  /** `applied`: this call made the change; `done`: it was made before; `refused`: another transition won; `skipped`: a reminder not due any more. */
  outcome: 'applied' | 'done' | 'refused' | 'skipped';
  status: Booking['status'];
  by: 'api' | 'job';
  jobId?: string;
  attempt?: number;
  /** For a job: how long after the moment it was due the change committed. */
  lateMs?: number;
}

export class BookingService {
  readonly scheduler: Scheduler;
  readonly #pool: pg.Pool;
  readonly #repository: BookingRepository;
  readonly #nodeId: string;
  readonly #timings: BookingTimings;
  readonly #onOutcome: (outcome: TransitionOutcome) => void;

  constructor(options: BookingServiceOptions) {
    this.#pool = options.pool;
    this.#repository = options.repository;
    this.#nodeId = options.nodeId;
    this.#timings = options.timings;
    this.#onOutcome = options.onOutcome ?? (() => {});
    this.scheduler = new Scheduler({
      store: options.store,
      tasks: bookingTasks,
      services: this,
      nodeId: options.nodeId,
      lease: options.leaseMs,
      logger: options.logger,
      // Short jobs, many due at once: claim a few ahead of free slots.
      concurrency: 10,
      prefetch: 10,
    });
  }

  /** Creates booking requests, each with its expiry job, in one transaction. */
  async request(inputs: readonly NewBooking[]): Promise<Booking[]> {
    return this.#transaction((client) => this.requestIn(client, inputs));
  }

  /**
   * The writes of `request()` in the caller's transaction: the bookings, their `requested`
   * events and their expiry jobs. Nothing of it exists unless the caller commits.
   */
  async requestIn(client: pg.ClientBase, inputs: readonly NewBooking[]): Promise<Booking[]> {
    const now = Date.now();
    const bookings: Booking[] = [];
    for (const input of inputs) {
      checkNewBooking(input, now);
      const booking = await this.#repository.insert(client, { id: randomUUID(), ...input, expiresAtMs: now + this.#timings.requestTtlMs });
      await this.#repository.record(client, { bookingId: booking.id, event: 'requested', fromStatus: null, toStatus: 'requested', node: this.#nodeId });
      bookings.push(booking);
    }
    await this.scheduler.enqueueMany(
      bookings.map((booking) => jobFor(expireBooking, booking.id, booking.expiresAtMs)),
      { tx: client },
    );
    return bookings;
  }

  /**
   * Confirms a request: `requested → scheduled`, with the start job and the reminder job, in one
   * transaction. The API waits for the row lock (up to 2 s) instead of refusing at once: the
   * expiry job holds it for milliseconds. A booking already expired is `refused`; one already
   * confirmed is `done` (a double click is no error).
   */
  async confirm(id: string): Promise<{ outcome: TransitionOutcome['outcome'] | 'not-found'; booking: Booking | null }> {
    return this.#transaction(async (client) => {
      await client.query(`SET LOCAL lock_timeout = '2s'`);
      const booking = await this.#repository.lock(client, id, 'wait');
      if (booking === null) return { outcome: 'not-found' as const, booking: null };
      const decision = decide('confirm', booking.status);
      if (decision.kind !== 'apply') {
        this.#onOutcome({ bookingId: id, action: 'confirm', outcome: decision.kind, status: booking.status, by: 'api' });
        return { outcome: decision.kind, booking };
      }
      await this.#apply(client, booking, decision, null);
      const now = Date.now();
      const jobs: Array<EnqueueInput<BookingJobData>> = [jobFor(startSession, id, booking.startsAtMs)];
      if (booking.startsAtMs > now) jobs.push(jobFor(sendReminder, id, Math.max(now, booking.startsAtMs - this.#timings.remindBeforeMs)));
      await this.scheduler.enqueueMany(jobs, { tx: client });
      this.#onOutcome({ bookingId: id, action: 'confirm', outcome: 'applied', status: decision.to, by: 'api' });
      return { outcome: 'applied' as const, booking: { ...booking, status: decision.to } };
    });
  }

  /**
   * A job's transition (expire, start, end) under the booking's row lock, `FOR UPDATE NOWAIT`:
   * applied only from the expected status, else nothing is written. A locked row fails this
   * attempt with `BookingBusyError` (retried soon). Starting a session enqueues its end job in
   * the same transaction.
   */
  async runTransition(transition: Exclude<BookingTransition, 'confirm'>, bookingId: string, job: JobInfo, signal: AbortSignal): Promise<TransitionOutcome> {
    const outcome = await this.#transaction(async (client) => {
      const booking = await this.#repository.lock(client, bookingId, 'nowait');
      if (booking === null) throw missingBooking(bookingId, job.task);
      const dueAtMs = this.#dueAt(transition, booking);
      const decision = decide(transition, booking.status);
      const about = { bookingId, action: transition, by: 'job' as const, jobId: job.id, attempt: job.attempt };
      if (decision.kind !== 'apply') return { ...about, outcome: decision.kind, status: booking.status };
      await this.#work(signal);
      await this.#apply(client, booking, decision, { id: job.id, attempt: job.attempt, dueAtMs });
      if (transition === 'start') await this.scheduler.enqueue(jobFor(endSession, bookingId, booking.endsAtMs + this.#timings.graceMs), { tx: client });
      return { ...about, outcome: 'applied' as const, status: decision.to, lateMs: Date.now() - dueAtMs };
    });
    this.#onOutcome(outcome);
    return outcome;
  }

  /** Sends the reminder once, while the booking is scheduled; marks it sent in the same transaction. */
  async remind(bookingId: string, job: JobInfo, signal: AbortSignal): Promise<TransitionOutcome> {
    const outcome = await this.#transaction(async (client) => {
      const booking = await this.#repository.lock(client, bookingId, 'nowait');
      if (booking === null) throw missingBooking(bookingId, job.task);
      const about = { bookingId, action: 'remind' as const, by: 'job' as const, jobId: job.id, attempt: job.attempt };
      if (!shouldRemind(booking.status, booking.remindedAtMs)) {
        return { ...about, outcome: booking.remindedAtMs === null ? ('skipped' as const) : ('done' as const), status: booking.status };
      }
      // A real service sends the e-mail or push notification here (or writes an outbox row in
      // this transaction, for a relay to send): the row lock makes two replicas send it once.
      await this.#work(signal);
      await this.#repository.markReminded(client, bookingId);
      const dueAtMs = booking.startsAtMs - this.#timings.remindBeforeMs;
      await this.#repository.record(client, { bookingId, event: 'reminded', fromStatus: booking.status, toStatus: booking.status, node: this.#nodeId, job: { id: job.id, attempt: job.attempt, dueAtMs } });
      return { ...about, outcome: 'applied' as const, status: booking.status, lateMs: Date.now() - dueAtMs };
    });
    this.#onOutcome(outcome);
    return outcome;
  }

  async get(id: string): Promise<Booking | null> {
    return this.#repository.get(this.#pool, id);
  }

  async list(query: { status?: Booking['status']; limit: number }): Promise<Booking[]> {
    return this.#repository.list(this.#pool, query);
  }

  async events(id: string) {
    return this.#repository.events(this.#pool, id);
  }

  async #apply(client: pg.ClientBase, booking: Booking, decision: Extract<Decision, { kind: 'apply' }>, job: NewBookingEvent['job'] | null): Promise<void> {
    await this.#repository.setStatus(client, booking.id, decision.to);
    await this.#repository.record(client, {
      bookingId: booking.id,
      event: decision.event,
      fromStatus: decision.from,
      toStatus: decision.to,
      node: this.#nodeId,
      ...(job === null ? {} : { job }),
    });
  }

  #dueAt(transition: Exclude<BookingTransition, 'confirm'>, booking: Booking): number {
    if (transition === 'expire') return booking.expiresAtMs;
    if (transition === 'start') return booking.startsAtMs;
    return booking.endsAtMs + this.#timings.graceMs;
  }

  async #work(signal: AbortSignal): Promise<void> {
    if (this.#timings.handlerWorkMs > 0) await sleep(this.#timings.handlerWorkMs, undefined, { signal });
  }

  /** BEGIN … COMMIT on one pooled connection; ROLLBACK on any error, which is passed on. */
  async #transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // the connection is gone: do not give it back to the pool
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

function jobFor(definition: typeof expireBooking, bookingId: string, runAtMs: number): EnqueueInput<BookingJobData> {
  // One unfinished job per booking and task, whatever retries the transaction gets.
  return { task: definition, data: { bookingId }, runAt: new Date(runAtMs), dedupeKey: `${definition.name}:${bookingId}` };
}

function checkNewBooking(input: NewBooking, nowMs: number): void {
  for (const field of ['tutor', 'student'] as const) {
    const value: unknown = input[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
      throw new InvalidArgumentError(`Expected \`${field}\` to be a name of 1 to 200 characters, got ${JSON.stringify(value)}`);
    }
  }
  if (!Number.isFinite(input.startsAtMs) || input.startsAtMs <= nowMs) {
    throw new InvalidArgumentError(`Expected \`startsAt\` to be in the future, got ${Number.isFinite(input.startsAtMs) ? new Date(input.startsAtMs).toISOString() : String(input.startsAtMs)}`);
  }
  if (!Number.isFinite(input.endsAtMs) || input.endsAtMs <= input.startsAtMs) {
    throw new InvalidArgumentError('Expected `endsAt` to be after `startsAt`');
  }
}
