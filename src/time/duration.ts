import { InvalidArgumentError } from '../errors.ts';

/**
 * A length of time as a user writes it: milliseconds as a number (`5000`), or a string of one or
 * more number+unit parts (`'250ms'`, `'30s'`, `'5m'`, `'1.5h'`, `'1h30m'`, `'2d'`, `'1w'`).
 * Friendly strings are accepted at the API edge only; inside, everything is `…Ms` numbers.
 */
export type Duration = number | string;

const unitMs = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const satisfies Record<string, number>;

type Unit = keyof typeof unitMs;

// One part: a decimal number, optional spaces, then the letters of its unit (checked against unitMs,
// so '5min' is reported as an unknown unit rather than read as '5m' + garbage).
const partPattern = /(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)/y;

export interface ParseDurationOptions {
  /**
   * Accept 0 (for options such as a jitter or a retry delay, where "none" makes sense).
   * @defaultValue false
   */
  allowZero?: boolean | undefined;
}

/**
 * Reads a {@link Duration} as whole milliseconds (a fractional result is rounded to the nearest
 * millisecond). `what` names the option in the error message.
 *
 * @throws InvalidArgumentError for a negative, zero (unless `allowZero`), NaN, infinite or empty
 * value, a string without a unit or with an unknown one, e.g.
 * ``Expected `every` to be a positive duration such as '30s' or 5000, got "-5s"``.
 *
 * @example
 * parseDuration('1h30m', 'every') // 5_400_000
 * parseDuration(0, 'jitter', { allowZero: true }) // 0
 */
export function parseDuration(value: Duration, what: string, options?: ParseDurationOptions): number {
  const allowZero = options?.allowZero ?? false;
  const fail = (reason?: string): never => {
    const kind = allowZero ? 'a non-negative duration' : 'a positive duration';
    const suffix = reason === undefined ? '' : ` (${reason})`;
    throw new InvalidArgumentError(`Expected \`${what}\` to be ${kind} such as '30s' or 5000, got ${describe(value)}${suffix}`);
  };

  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail();
    ms = value;
  } else if (typeof value === 'string') {
    ms = parseDurationString(value, fail);
  } else {
    // Reachable from untyped callers (JavaScript, config files).
    return fail();
  }

  if (ms < 0) fail();
  // `+ 0` turns a -0 into 0.
  const rounded = Math.round(ms) + 0;
  if (rounded === 0 && !allowZero) fail(ms === 0 ? undefined : 'it rounds to 0ms');
  if (rounded > Number.MAX_SAFE_INTEGER) fail('too large');
  return rounded;
}

function parseDurationString(raw: string, fail: (reason?: string) => never): number {
  const text = raw.trim();
  if (text === '') return fail();
  if (text.startsWith('-')) return fail();
  let total = 0;
  let index = 0;
  while (index < text.length) {
    partPattern.lastIndex = index;
    const match = partPattern.exec(text);
    if (match === null) return fail(`cannot read "${text.slice(index)}"; write a number then a unit: ms, s, m, h, d or w`);
    const [whole, amount = '', unit = ''] = match;
    if (unit === '') return fail(`"${amount}" has no unit; use ms, s, m, h, d or w`);
    if (!Object.hasOwn(unitMs, unit)) return fail(`unknown unit "${unit}"; use ms, s, m, h, d or w`);
    total += Number(amount) * unitMs[unit as Unit];
    index += whole.length;
    // Spaces between parts are allowed ('1h 30m').
    while (text[index] === ' ') index += 1;
  }
  return total;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return `a value of type ${typeof value}`;
}
