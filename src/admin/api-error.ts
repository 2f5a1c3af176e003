import {
  InvalidArgumentError,
  InvalidJobStateError,
  JobNotFoundError,
  PayloadTooLargeError,
  ScheduleNotFoundError,
  SchedulerStateError,
  StoreUnavailableError,
  SundialError,
  UnknownTaskError,
} from '../index.ts';

/** HTTP statuses the admin API answers with. */
export type ApiStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 503;

/** An error the API answers with as `{ error: { code, message } }`: never a stack trace. */
export class ApiError extends Error {
  readonly status: ApiStatus;
  readonly code: string;
  constructor(status: ApiStatus, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/**
 * Maps anything thrown by a route to a status and a body. Sundial's own errors keep their code
 * and message (they are written for users); anything else is a bug or an outage: the caller gets
 * a generic message and `report` gets the error, so the stack stays in the server's log.
 */
export function toErrorResponse(error: unknown, report: (error: unknown) => void): { status: ApiStatus; body: ErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof SundialError) {
    const status = statusOf(error);
    if (status === 500) report(error);
    const message = status === 500 ? 'Internal error; see the server log' : firstLine(error.message);
    return { status, body: { error: { code: error.code, message } } };
  }
  report(error);
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error; see the server log' } } };
}

function statusOf(error: SundialError): ApiStatus {
  // A task is a resource the API names, like a schedule or a job (`POST /jobs` with an unknown task).
  if (error instanceof ScheduleNotFoundError || error instanceof JobNotFoundError || error instanceof UnknownTaskError) return 404;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof InvalidArgumentError) return 400;
  if (error instanceof InvalidJobStateError) return 409;
  if (error instanceof SchedulerStateError || error instanceof StoreUnavailableError) return 503;
  return 500;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
