import { InvalidArgumentError } from '../errors.ts';

/** An instant as a user gives it: a `Date`, epoch milliseconds, or an ISO 8601 date-time with an offset. */
export type Instant = Date | number | string;

// A date-time with an explicit offset. Without one, JavaScript reads it in the server's local time
// zone, so the same schedule would fire at different instants on differently configured nodes.
const isoWithOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

// The range of a JavaScript Date.
const maxEpochMs = 8.64e15;

/**
 * Reads an {@link Instant} as epoch milliseconds. `what` names the option in the error message.
 *
 * @throws InvalidArgumentError for an invalid `Date`, a non-finite or out-of-range number, or a
 * string that is not an ISO 8601 date-time with an offset (`'2026-05-01T10:00:00Z'`,
 * `'2026-05-01T12:00:00+02:00'`).
 */
export function parseInstant(value: Instant, what: string): number {
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
    if (Number.isNaN(ms)) throw new InvalidArgumentError(`Expected \`${what}\` to be a valid date, got an invalid Date`);
  } else if (typeof value === 'number') {
    ms = value;
    if (!Number.isFinite(ms) || Math.abs(ms) > maxEpochMs) {
      throw new InvalidArgumentError(`Expected \`${what}\` to be epoch milliseconds, got ${value}`);
    }
  } else if (typeof value === 'string') {
    ms = isoWithOffset.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
    if (Number.isNaN(ms)) {
      throw new InvalidArgumentError(
        `Expected \`${what}\` to be an ISO 8601 date-time with an offset such as '2026-05-01T10:00:00Z', got ${JSON.stringify(value)}`,
      );
    }
  } else {
    throw new InvalidArgumentError(`Expected \`${what}\` to be a Date, epoch milliseconds or an ISO 8601 string, got a value of type ${typeof value}`);
  }
  return Math.round(ms);
}

/** Reads optional `startAt`/`endAt` options and checks that the window is not empty. */
export function parseWindow(
  options: { startAt?: Instant | undefined; endAt?: Instant | undefined } | undefined,
): { startAtMs: number | null; endAtMs: number | null } {
  const startAtMs = options?.startAt === undefined ? null : parseInstant(options.startAt, 'startAt');
  const endAtMs = options?.endAt === undefined ? null : parseInstant(options.endAt, 'endAt');
  if (startAtMs !== null && endAtMs !== null && endAtMs <= startAtMs) {
    throw new InvalidArgumentError(
      `Expected \`endAt\` to be after \`startAt\`, got endAt ${new Date(endAtMs).toISOString()} <= startAt ${new Date(startAtMs).toISOString()}`,
    );
  }
  return { startAtMs, endAtMs };
}
