import { InvalidArgumentError, PayloadNotSerializableError, PayloadTooLargeError, PayloadValidationError } from '../errors.ts';
import type { StandardSchemaV1 } from '../tasks/standard-schema.ts';
import { unstorableTextReason } from './identifier.ts';
import type { JsonValue } from './json.ts';

/**
 * Checks that `value` is plain JSON: it survives `JSON.stringify` → `JSON.parse` unchanged, so a
 * job gets exactly the data it was given, on any node, after any restart. `what` is the name of
 * the root in messages (`'data'` gives `data.worker.client: …`).
 *
 * Refused, with the path and a hint: functions, symbols, bigints, `undefined` (anywhere, object
 * properties included: JSON would drop them silently), empty array slots, NaN and ±Infinity
 * (JSON writes null), Dates (use an ISO string), Maps, Sets, class instances (any object whose
 * prototype is not `Object.prototype`, `Array.prototype` or null), symbol-keyed properties,
 * circular references, and strings (values or property names) with a NUL character or a lone
 * UTF-16 surrogate (not every store can keep them: see `isStorableText`). The same object reached twice without a cycle is fine.
 *
 * With `maxBytes`, also checks its size (see {@link assertPayloadSize}).
 *
 * @throws PayloadNotSerializableError naming the first offending path.
 * @throws PayloadTooLargeError when its JSON is larger than `maxBytes` bytes of UTF-8.
 */
export function assertJsonPayload(value: unknown, what: string, maxBytes?: number): asserts value is JsonValue {
  const problem = findProblem(value, what, []);
  if (problem !== null) throw new PayloadNotSerializableError(`${problem.path}: ${problem.reason}`);
  if (maxBytes !== undefined) assertPayloadSize(value as JsonValue, what, maxBytes);
}

/** {@link assertJsonPayload}, then returns the value, typed as JSON. */
export function toJsonPayload(value: unknown, what: string, maxBytes?: number): JsonValue {
  assertJsonPayload(value, what, maxBytes);
  return value;
}

/** The default of the scheduler option `maxPayloadBytes`: 1 MiB of UTF-8 JSON. */
export const defaultMaxPayloadBytes = 1_048_576;

/** The size of `value` as stored: its `JSON.stringify` text, counted in UTF-8 bytes (`é` is 2, `😀` is 4). */
export function jsonByteLength(value: JsonValue): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/**
 * Checks that the JSON of `value` is at most `maxBytes` bytes of UTF-8 (exactly `maxBytes` passes).
 * `what` names it in the message.
 *
 * @throws PayloadTooLargeError with the size, the limit and how to raise it.
 */
export function assertPayloadSize(value: JsonValue, what: string, maxBytes: number): void {
  const bytes = jsonByteLength(value);
  if (bytes <= maxBytes) return;
  throw new PayloadTooLargeError(
    `${what} is ${formatBytes(bytes)} of JSON, over the limit of ${formatBytes(maxBytes)}: pass a reference (an id, a URL) to large data instead, or raise the scheduler option \`maxPayloadBytes\``,
    bytes,
    maxBytes,
  );
}

/** Checks a `maxPayloadBytes` option: a positive safe integer. */
export function checkMaxPayloadBytes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `Expected \`maxPayloadBytes\` to be a positive integer (bytes of UTF-8 JSON), got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    );
  }
  return value;
}

function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`;
}

interface Problem {
  path: string;
  reason: string;
}

interface Ancestor {
  value: object;
  path: string;
}

function findProblem(value: unknown, path: string, ancestors: Ancestor[]): Problem | null {
  switch (typeof value) {
    case 'string': {
      const reason = unstorableTextReason(value);
      return reason === null ? null : { path, reason: `a string is not storable: ${reason}` };
    }
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { path, reason: `${value} is not JSON (it would become null); use a finite number, null or a string` };
    case 'undefined':
      return { path, reason: 'undefined is not JSON (it would vanish or become null); use null, or leave the property out' };
    case 'bigint':
      return { path, reason: 'a bigint is not JSON; use a string (or a number when it is small enough)' };
    case 'symbol':
      return { path, reason: 'a symbol is not JSON; use a string' };
    case 'function':
      return { path, reason: `a function${value.name ? ` (${value.name})` : ''} is not JSON; register the code as a task and pass data instead` };
    case 'object':
      break;
  }
  if (value === null) return null;

  const cycle = ancestors.find((ancestor) => ancestor.value === value);
  if (cycle !== undefined) return { path, reason: `a circular reference (back to ${cycle.path}) is not JSON` };

  const kind = nonPlainKind(value);
  if (kind !== null) return { path, reason: kind };

  if (Object.getOwnPropertySymbols(value).some((symbol) => Object.prototype.propertyIsEnumerable.call(value, symbol))) {
    return { path, reason: 'a symbol-keyed property is not JSON (it would vanish); use a string key' };
  }

  const inner = [...ancestors, { value, path }];
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const itemPath = `${path}[${index}]`;
      if (!(index in value)) return { path: itemPath, reason: 'an empty array slot is not JSON (it would become null); use null' };
      const problem = findProblem(value[index], itemPath, inner);
      if (problem !== null) return problem;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyReason = unstorableTextReason(key);
    if (keyReason !== null) return { path: joinPath(path, key), reason: `a property name is not storable: ${keyReason}` };
    const problem = findProblem(item, joinPath(path, key), inner);
    if (problem !== null) return problem;
  }
  return null;
}

/** Why an object is not a plain object or array, or null when it is one. */
function nonPlainKind(value: object): string | null {
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return proto === Array.prototype ? null : `an array subclass (${constructorName(value)}) is not JSON; use a plain array`;
  if (proto === Object.prototype || proto === null) return null;
  if (value instanceof Date) return 'a Date is not JSON; use an ISO string (date.toISOString())';
  if (value instanceof Map) return 'a Map is not JSON; use a plain object or an array of [key, value] pairs';
  if (value instanceof Set) return 'a Set is not JSON; use an array';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `binary data (${constructorName(value)}) is not JSON; use a base64 string`;
  return `a class instance (${constructorName(value)}) is not JSON; store its id instead`;
}

function constructorName(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'anonymous class';
}

const identifier = /^[A-Za-z_$][\w$]*$/;

function joinPath(path: string, key: PropertyKey | { key: PropertyKey }): string {
  const k = typeof key === 'object' ? key.key : key;
  if (typeof k === 'number') return `${path}[${k}]`;
  if (typeof k === 'symbol') return `${path}[${k.toString()}]`;
  if (identifier.test(k)) return `${path}.${k}`;
  return /^\d+$/.test(k) ? `${path}[${k}]` : `${path}[${JSON.stringify(k)}]`;
}

/**
 * Validates `value` with a Standard Schema (Zod, Valibot, ArkType, …) and returns the schema's
 * output (which may be transformed, e.g. defaults filled in). `what` names the root in messages.
 *
 * @throws PayloadValidationError listing each issue with its path, e.g.
 * ``Invalid `data`: data.user.email: Invalid email; data.items[0]: Required``, with `issues` holding
 * the schema's own findings.
 */
export async function validatePayload<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  what: string,
): Promise<StandardSchemaV1.InferOutput<S>> {
  const result = await schema['~standard'].validate(value);
  if (result.issues !== undefined) {
    const lines = result.issues.map((issue) => `${(issue.path ?? []).reduce<string>(joinPath, what)}: ${issue.message}`);
    throw new PayloadValidationError(`Invalid \`${what}\`: ${lines.join('; ')}`, result.issues);
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
