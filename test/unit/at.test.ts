import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.ts';
import { at } from '../../src/triggers/at.ts';

describe('at', () => {
  const ms = Date.UTC(2026, 4, 1, 10, 0, 0);

  it('accepts a Date, epoch ms and ISO strings with an offset', () => {
    expect(at(new Date(ms))).toEqual({ type: 'date', runAtMs: ms });
    expect(at(ms)).toEqual({ type: 'date', runAtMs: ms });
    expect(at('2026-05-01T10:00:00Z')).toEqual({ type: 'date', runAtMs: ms });
    expect(at('2026-05-01T12:00:00+02:00')).toEqual({ type: 'date', runAtMs: ms });
    expect(at('2026-05-01T10:00Z').runAtMs).toBe(ms);
    expect(at('2026-05-01T10:00:00.250Z').runAtMs).toBe(ms + 250);
    expect(at('2026-05-01T12:00:00+0200').runAtMs).toBe(ms);
    expect(at('  2026-05-01T10:00:00Z\n').runAtMs).toBe(ms);
  });

  it('accepts the whole range of a Date, and nothing beyond', () => {
    expect(at(8.64e15).runAtMs).toBe(8.64e15);
    expect(at(-8.64e15).runAtMs).toBe(-8.64e15);
    expect(() => at(8.64e15 + 1)).toThrow('Expected `at` to be epoch milliseconds, got 8640000000000001');
  });

  it('accepts a date in the past (it fires at once, subject to the misfire grace)', () => {
    expect(at(0)).toEqual({ type: 'date', runAtMs: 0 });
  });

  it.each([
    ['2026-05-01T10:00:00', 'ISO 8601 date-time with an offset'],
    ['2026-05-01', 'ISO 8601 date-time with an offset'],
    ['May 1, 2026', 'ISO 8601 date-time with an offset'],
    ['2026-13-01T10:00:00Z', 'ISO 8601 date-time with an offset'],
  ])('rejects the string %j', (input, message) => {
    expect(() => at(input)).toThrow(InvalidArgumentError);
    expect(() => at(input)).toThrow(message);
    expect(() => at(input)).toThrow(`got ${JSON.stringify(input)}`);
  });

  it('rejects an invalid Date and non-finite numbers', () => {
    expect(() => at(new Date('nope'))).toThrow('Expected `at` to be a valid date, got an invalid Date');
    expect(() => at(Number.NaN)).toThrow('Expected `at` to be epoch milliseconds, got NaN');
    expect(() => at(1e20)).toThrow(InvalidArgumentError);
    expect(() => at(undefined as unknown as number)).toThrow('got a value of type undefined');
  });
});
