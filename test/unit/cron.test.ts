import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidCronError, UnknownTimeZoneError } from '../../src/errors.ts';
import { canonicalTimeZone, cron } from '../../src/triggers/cron.ts';

describe('cron', () => {
  it('builds a plain cron spec (UTC by default)', () => {
    expect(cron('*/5 * * * *')).toEqual({ type: 'cron', expr: '*/5 * * * *', tz: null, dst: 'vixie', startAtMs: null, endAtMs: null, jitterMs: 0 });
  });

  it('accepts 6 fields, a time zone (canonicalised), a jitter and a window', () => {
    expect(
      cron('  0 30 2  * * * ', { tz: 'europe/berlin', jitter: '10s', startAt: 0, endAt: '2030-01-01T00:00:00Z' }),
    ).toEqual({ type: 'cron', expr: '0 30 2 * * *', tz: 'Europe/Berlin', dst: 'vixie', startAtMs: 0, endAtMs: Date.UTC(2030, 0, 1), jitterMs: 10_000 });
  });

  it('accepts croner extras: names, L, #', () => {
    expect(() => cron('0 9 * * MON-FRI')).not.toThrow();
    expect(() => cron('0 0 L * *')).not.toThrow();
    expect(() => cron('0 0 * * 5#2')).not.toThrow();
    expect(() => cron('0 0 29 2 *')).not.toThrow(); // leap days only, but it does fire
  });

  it('rejects a malformed expression with croner reason, chained', () => {
    const error = catchError(() => cron('61 * * * *'));
    expect(error).toBeInstanceOf(InvalidCronError);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidCronError).code).toBe('INVALID_CRON');
    expect(error.message).toMatch(/^Invalid cron expression "61 \* \* \* \*": .*minute/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    ['61 * * * *', 'the minute field "61" is not valid (it accepts 0-59', 'Invalid value for minute: 61'],
    ['0 25 * * *', 'the hour field "25" is not valid (it accepts 0-23', 'Invalid value for hour: 25'],
    ['0 0 32 * *', 'the day of month field "32" is not valid', 'Invalid value for day'],
    ['0 0 1 13 *', 'the month field "13" is not valid (it accepts 1-12 or JAN-DEC', 'Invalid value for month'],
    ['0 0 * * FOO', 'the day of week field "FOO" is not valid', 'illegal characters'],
    ['*/0 * * * *', 'the minute field "*/0" is not valid', 'illegal stepping: 0'],
    ['70 0 * * * *', 'the second field "70" is not valid', 'Invalid value for second: 70'],
  ])('says in its own words which field of %j is wrong, keeps the detail, and gives a valid example', (expr, field, detail) => {
    const error = catchError(() => cron(expr));
    expect(error).toBeInstanceOf(InvalidCronError);
    expect(error.message).toContain(`Invalid cron expression ${JSON.stringify(expr)}: ${field}`);
    expect(error.message).toContain('; detail: ');
    expect(error.message).toContain(detail);
    expect(error.message).toMatch(/A valid [56]-field example: "(0 )?\*\/15 \* \* \* \*( \*)?" \(every 15 minutes/);
    expect(error.message).not.toMatch(/croner|CronPattern/i);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(['* * * *', '', '0 0 0 1 1 * 2030', '2030-01-01T00:00:00'])('rejects %j: not 5 or 6 fields', (expr) => {
    expect(() => cron(expr)).toThrow(InvalidCronError);
    expect(() => cron(expr)).toThrow('expected 5 fields');
  });

  it('counts the fields it got', () => {
    expect(() => cron('  ')).toThrow('expected 5 fields (minute hour day month weekday) or 6 (with seconds first), got 0');
    expect(() => cron('* * * *')).toThrow('got 4');
  });

  it('rejects a value that is not a string, from untyped callers', () => {
    expect(() => cron(42 as unknown as string)).toThrow(
      new InvalidCronError('Expected `cron` to be a cron expression string, got a value of type number'),
    );
  });

  it('rejects an expression that never fires', () => {
    expect(() => cron('0 0 31 2 *')).toThrow(new InvalidCronError('Invalid cron expression "0 0 31 2 *": it never fires (no date matches it)'));
    expect(() => cron('0 0 30 2 *')).toThrow(InvalidCronError);
  });

  it('rejects a window in which the expression never fires', () => {
    expect(() => cron('0 0 1 1 *', { startAt: '2026-02-01T00:00:00Z', endAt: '2026-12-31T00:00:00Z' })).toThrow(
      'to fire between `startAt` and `endAt`',
    );
    expect(() => cron('0 0 1 1 *', { startAt: '2026-01-01T00:00:00Z', endAt: '2026-01-01T00:00:01Z' })).not.toThrow();
    // A fire exactly at endAt counts.
    expect(() => cron('0 0 1 1 *', { startAt: '2025-12-31T12:00:00Z', endAt: '2026-01-01T00:00:00Z' })).not.toThrow();
    // No match at all after startAt (croner gives up at the end of the Date range).
    expect(() => cron('0 0 1 1 *', { startAt: Date.UTC(275_000, 0, 1), endAt: 8.64e15 })).toThrow(
      new InvalidArgumentError('Expected the cron expression "0 0 1 1 *" to fire between `startAt` and `endAt`, but it never does'),
    );
  });

  it('rejects an unknown time zone', () => {
    const error = catchError(() => cron('* * * * *', { tz: 'Mars/Olympus_Mons' }));
    expect(error).toBeInstanceOf(UnknownTimeZoneError);
    expect((error as UnknownTimeZoneError).code).toBe('UNKNOWN_TIME_ZONE');
    expect(error.message).toContain('"Mars/Olympus_Mons"');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(canonicalTimeZone('utc')).toBe('UTC');
  });

  it('checks jitter and window', () => {
    expect(() => cron('* * * * *', { jitter: 'soon' })).toThrow('Expected `jitter`');
    expect(cron('* * * * *', { jitter: 0 }).jitterMs).toBe(0);
    expect(() => cron('* * * * *', { startAt: 5, endAt: 1 })).toThrow('Expected `endAt` to be after `startAt`');
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
