import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { parseDuration } from '../../src/time/duration.ts';

describe('parseDuration', () => {
  it.each([
    [5000, 5000],
    [1.4, 1],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['2w', 1_209_600_000],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['.25s', 250],
    ['1.25s', 1250],
    ['1h30m', 5_400_000],
    ['1h 30m 15s', 5_415_000],
    ['  10 s ', 10_000],
    ['1m500ms', 60_500],
  ] as const)('reads %j as %i ms', (input, expected) => {
    expect(parseDuration(input, 'every')).toBe(expected);
  });

  it('says exactly what was wrong, naming the option', () => {
    expect(() => parseDuration('-5s', 'every')).toThrow(
      new InvalidArgumentError(`Expected \`every\` to be a positive duration such as '30s' or 5000, got "-5s"`),
    );
    expect(() => parseDuration(-5, 'timeout')).toThrow(`Expected \`timeout\` to be a positive duration such as '30s' or 5000, got -5`);
  });

  it.each([
    ['', undefined],
    ['   ', undefined],
    ['0s', undefined],
    [0, undefined],
    [Number.NaN, undefined],
    [Number.POSITIVE_INFINITY, undefined],
    ['5', '"5" has no unit'],
    ['5x', 'unknown unit "x"'],
    ['5min', 'unknown unit "min"'],
    ['5 sec', 'unknown unit "sec"'],
    ['1h-5m', 'cannot read "-5m"'],
    ['abc', 'cannot read "abc"'],
    ['0.1ms', 'rounds to 0ms'],
  ] as const)('rejects %j', (input, reason) => {
    const error = catchError(() => parseDuration(input, 'every'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('Expected `every` to be a positive duration');
    if (reason !== undefined) expect(error.message).toContain(reason);
  });

  it('says "rounds to 0ms" only for a value that does', () => {
    expect(() => parseDuration(0, 'every')).toThrow(new InvalidArgumentError(`Expected \`every\` to be a positive duration such as '30s' or 5000, got 0`));
    expect(() => parseDuration(0.4, 'every')).toThrow(`got 0.4 (it rounds to 0ms)`);
  });

  it('accepts zero only with allowZero, and then says non-negative', () => {
    expect(parseDuration(0, 'jitter', { allowZero: true })).toBe(0);
    expect(parseDuration('0s', 'jitter', { allowZero: true })).toBe(0);
    expect(Object.is(parseDuration(-0, 'jitter', { allowZero: true }), 0)).toBe(true);
    // An empty string is not a zero.
    expect(() => parseDuration('', 'jitter', { allowZero: true })).toThrow('Expected `jitter` to be a non-negative duration such as \'30s\' or 5000, got ""');
    expect(() => parseDuration('  ', 'jitter', { allowZero: true })).toThrow(InvalidArgumentError);
    expect(() => parseDuration('-1s', 'jitter', { allowZero: true })).toThrow(
      `Expected \`jitter\` to be a non-negative duration such as '30s' or 5000, got "-1s"`,
    );
  });

  it('rejects values of the wrong type from untyped callers', () => {
    expect(() => parseDuration({} as unknown as string, 'every')).toThrow('got a value of type object');
    expect(() => parseDuration(null as unknown as string, 'every')).toThrow('got null');
  });

  it('rejects values beyond safe integers', () => {
    expect(parseDuration(Number.MAX_SAFE_INTEGER, 'every')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseDuration(2 ** 60, 'every')).toThrow('too large');
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
