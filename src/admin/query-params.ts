import { jobStatuses, type JobStatus } from '../index.ts';
import { ApiError } from './api-error.ts';

/** Query-string readers: each says exactly what was wrong, as a 400 with code INVALID_ARGUMENT. */
export function invalid(message: string): ApiError {
  return new ApiError(400, 'INVALID_ARGUMENT', message);
}

export function optionalString(value: string | undefined, name: string, maxLength = 200): string | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value.length > maxLength) throw invalid(`Expected \`${name}\` to be 1 to ${maxLength} characters`);
  return value;
}

export function optionalBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`Expected \`${name}\` to be true or false, got ${JSON.stringify(value)}`);
}

/** `limit`: 1 to `max`, default `fallback`. */
export function limitParam(value: string | undefined, fallback = 50, max = 500): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw invalid(`Expected \`limit\` to be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** An instant: epoch milliseconds or an ISO 8601 date-time. */
export function instantParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\d/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalid(`Expected \`${name}\` to be epoch milliseconds or an ISO 8601 date-time, got ${JSON.stringify(value)}`);
}

/** One status or a comma-separated list (`failed,dead`), each one of `allowed`. */
export function statusesParam(value: unknown, name: string, allowed: readonly JobStatus[] = jobStatuses): JobStatus[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (list === null || list.length === 0) throw invalid(`Expected \`${name}\` to be a list of job statuses`);
  for (const status of list) {
    if (!(allowed as readonly unknown[]).includes(status)) {
      throw invalid(`Expected \`${name}\` to hold only ${allowed.join(', ')}; got ${JSON.stringify(status)}`);
    }
  }
  return list as JobStatus[];
}
