import { afterEach, describe, expect, it, vi } from 'vitest';
import { cron } from '../../src/triggers/cron.ts';
import { firstFireAtMs } from '../../src/triggers/next-fire.ts';

const jan1 = Date.UTC(2026, 0, 1);

/** A croner cache with nothing in it: the module loaded anew. */
async function freshCronFor() {
  vi.resetModules();
  return (await import('../../src/triggers/croner-cache.ts')).cronFor;
}

describe('cronFor (the parsed-pattern cache)', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it("reads an expression without a time zone in UTC, whatever the server's own zone", async () => {
    // Tokyo where the worker can move its zone (a fork, as in `npm test`); a worker thread cannot,
    // and stays in the zone its run started in (Pacific/Chatham for `npm run test:mutation`).
    process.env.TZ = 'Asia/Tokyo';
    expect(new Date(jan1).getTimezoneOffset()).not.toBe(0);
    const cronFor = await freshCronFor();
    expect(cronFor('0 9 * * *', null).nextRun(new Date(jan1))?.toISOString()).toBe('2026-01-01T09:00:00.000Z');
    expect(firstFireAtMs(cron('0 10 * * *'), jan1)).toBe(Date.UTC(2026, 0, 1, 10));
  });

  it('keeps one pattern per time zone', () => {
    const expr = '0 8 * * *';
    expect(firstFireAtMs(cron(expr, { tz: 'Europe/Berlin' }), jan1)).toBe(Date.UTC(2026, 0, 1, 7));
    expect(firstFireAtMs(cron(expr, { tz: 'America/New_York' }), jan1)).toBe(Date.UTC(2026, 0, 1, 13));
    expect(firstFireAtMs(cron(expr, { tz: 'UTC' }), jan1)).toBe(Date.UTC(2026, 0, 1, 8));
  });

  it('parses a pattern once, and forgets everything when 512 are cached (a bound, not a leak)', async () => {
    const cronFor = await freshCronFor();
    const first = cronFor('0 0 * * *', null);
    expect(cronFor('0 0 * * *', null)).toBe(first);
    expect(cronFor('0 0 * * *', 'Europe/Berlin')).not.toBe(first);
    // 510 more, 512 in all: still cached.
    for (let k = 2; k < 512; k += 1) cronFor(`${k % 60} ${Math.floor(k / 60)} * * *`, null);
    expect(cronFor('0 0 * * *', null)).toBe(first);
    // The 513th clears the cache: the first pattern is parsed again.
    cronFor('59 23 * * *', null);
    const again = cronFor('0 0 * * *', null);
    expect(again).not.toBe(first);
    expect(again.nextRun(new Date(jan1 + 1))?.getTime()).toBe(first.nextRun(new Date(jan1 + 1))?.getTime());
  });
});
