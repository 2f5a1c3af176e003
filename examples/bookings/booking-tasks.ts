// The booking service's jobs. Each is one transition of one booking, enqueued in the transaction
// that made it due (the booking's creation, its confirmation, its start), and each applies it
// under the booking's row lock from the expected status only (BookingService.runTransition).
//
// A job that finds the row locked (the API confirming it at this instant, another job) fails its
// attempt with BookingBusyError and is retried shortly after: then it sees the other side's
// result and does nothing. A job whose booking does not exist is a broken invariant — the two
// were written together — and dies at once (NonRetryableError), visible in the dashboard.
import { NonRetryableError, task, type RetryOptions, type StandardSchemaV1 } from '../../src/index.ts';
import type { BookingService } from './booking-service.ts';

export interface BookingJobData {
  bookingId: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `{ bookingId: <uuid> }`, checked at enqueue and before each run. */
const bookingJobData: StandardSchemaV1<unknown, BookingJobData> = {
  '~standard': {
    version: 1,
    vendor: 'bookings-example',
    validate(value) {
      const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['bookingId'] : undefined;
      return typeof id === 'string' && uuid.test(id) ? { value: { bookingId: id } } : { issues: [{ message: `Expected { bookingId: <uuid> }, got ${JSON.stringify(value)}` }] };
    },
  },
};

// A busy row is released within milliseconds (one short transaction): retry soon, many times.
// The seed's "failed locks are skipped and retried on next interval" becomes a retry of this one
// job, with backoff, instead of a wait for the next 1-to-5-minute poll.
const retry: RetryOptions = { attempts: 10, backoff: { type: 'exponential', delay: '100ms', max: '2s', jitter: 0.3 } };
const timeout = '30s';

export const expireBooking = task<BookingJobData, BookingService>('booking.expire', {
  schema: bookingJobData,
  retry,
  timeout,
  run: ({ data, job, services, signal }) => services.runTransition('expire', data.bookingId, job, signal),
});

export const startSession = task<BookingJobData, BookingService>('booking.start', {
  schema: bookingJobData,
  retry,
  timeout,
  run: ({ data, job, services, signal }) => services.runTransition('start', data.bookingId, job, signal),
});

export const endSession = task<BookingJobData, BookingService>('booking.end', {
  schema: bookingJobData,
  retry,
  timeout,
  run: ({ data, job, services, signal }) => services.runTransition('end', data.bookingId, job, signal),
});

export const sendReminder = task<BookingJobData, BookingService>('booking.remind', {
  schema: bookingJobData,
  retry,
  timeout,
  run: ({ data, job, services, signal }) => services.remind(data.bookingId, job, signal),
});

export const bookingTasks = [expireBooking, startSession, endSession, sendReminder];

/** For a booking that vanished under its job: nothing to retry. */
export function missingBooking(bookingId: string, taskName: string): NonRetryableError {
  return new NonRetryableError(`No booking ${bookingId}: ${taskName} has nothing to apply (the booking and its jobs are written in one transaction, so this should not happen)`);
}
