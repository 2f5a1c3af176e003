import { InvalidArgumentError } from '../errors.ts';

/**
 * Text that every store keeps exactly: no NUL character (PostgreSQL refuses it in text and jsonb)
 * and well-formed UTF-16 (a lone surrogate has no UTF-8 form: PostgreSQL refuses it, and a store
 * that replaces it with U+FFFD would make `half\uD800` and `half\uDFFF` one key).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** Why `value` is not storable text, or null when it is. */
export function unstorableTextReason(value: string): string | null {
  if (value.includes('\u0000')) return 'it contains a NUL character (\\u0000), which not every store can keep';
  if (!value.isWellFormed()) return 'it contains a lone UTF-16 surrogate, which has no UTF-8 form';
  return null;
}

/**
 * Checks an id or key given at the API edge (a schedule id, a job id, a dedupe key, a filter)
 * once, in the core, so that every store sees only ids it can keep and compare exactly.
 * @throws InvalidArgumentError naming `what` and the reason.
 */
export function assertIdentifier(value: unknown, what: string, maxLength = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new InvalidArgumentError(`Expected ${what} to be a string of 1 to ${maxLength} characters, got ${describe(value)}`);
  }
  const reason = unstorableTextReason(value);
  if (reason !== null) throw new InvalidArgumentError(`Expected ${what} to be storable text, but ${reason}: ${JSON.stringify(value)}`);
  return value;
}

/** `assertIdentifier` for an optional value (a query filter): undefined passes. */
export function assertOptionalIdentifier(value: unknown, what: string, maxLength = 200): string | undefined {
  return value === undefined ? undefined : assertIdentifier(value, what, maxLength);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 60 ? `a string of ${value.length} characters` : JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}
