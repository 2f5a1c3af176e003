import type { UnreadableField } from '../domain/unreadable.ts';

/**
 * Reads the fields of one stored record without ever throwing: a field that cannot be decoded
 * gets a stand-in value and is listed in `unreadable` (see `UnreadableField`). Every store's row
 * or hash decoding goes through one of these, so that a damaged record is isolated — listed,
 * then quarantined by the runtime — and never a reason for a whole call to fail.
 */
export class FieldReader {
  readonly unreadable: UnreadableField[] = [];

  /**
   * A JSON field: `read` parses (it may throw), `problem` checks the shape (null when fine).
   * SQL NULL / an absent hash field reads as `absent` without a problem.
   */
  json<T>(field: string, raw: unknown, read: (raw: unknown) => unknown, options: { absent: T; fallback: T; problem?: (value: unknown) => string | null }): T {
    if (raw === null || raw === undefined) return options.absent;
    let value: unknown;
    try {
      value = read(raw);
    } catch (error) {
      return this.#fail(field, `not JSON: ${error instanceof Error ? error.message : String(error)}`, options.fallback);
    }
    const problem = options.problem?.(value) ?? null;
    return problem === null ? (value as T) : this.#fail(field, problem, options.fallback);
  }

  /** A number field (a SQL integer, possibly handed over as a string; a hash field's text). */
  number(field: string, raw: unknown, fallback = 0): number {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    return Number.isFinite(value) ? value : this.#fail(field, `not a number: ${JSON.stringify(raw)}`, fallback);
  }

  /** A nullable number field: null / undefined read as null. */
  numberOrNull(field: string, raw: unknown): number | null {
    return raw === null || raw === undefined ? null : this.number(field, raw, 0);
  }

  /** A text field whose value must pass `problem` (an enumeration). */
  text<T extends string>(field: string, raw: unknown, problem: (value: unknown) => string | null, fallback: T): T {
    const value = raw === null || raw === undefined ? raw : String(raw);
    const reason = problem(value);
    return reason === null ? (value as T) : this.#fail(field, reason, fallback);
  }

  /** `record` with `unreadable` added when a field failed (and left out otherwise). */
  finish<R extends object>(record: R): R & { unreadable?: UnreadableField[] } {
    return this.unreadable.length === 0 ? record : { ...record, unreadable: this.unreadable };
  }

  #fail<T>(field: string, reason: string, fallback: T): T {
    if (!this.unreadable.some((entry) => entry.field === field)) this.unreadable.push({ field, reason });
    return fallback;
  }
}
