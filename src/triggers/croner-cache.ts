import { Cron } from 'croner';

/**
 * Parsed croner patterns, keyed by time zone and expression. Parsing costs far more than a
 * `nextRun`, and a node asks about the same few schedules again and again. The instances are
 * paused (they never start a timer), so sharing them is safe.
 */
const cache = new Map<string, Cron>();
const maxEntries = 512;

/**
 * A paused croner instance for `expr` read in `tz` (null: UTC). Croner would otherwise read a
 * pattern without a time zone in the server's local one, so UTC is always passed explicitly.
 * Throws what croner throws for a bad pattern or time zone.
 */
export function cronFor(expr: string, tz: string | null): Cron {
  const key = `${tz ?? 'UTC'}\u0000${expr}`;
  let cron = cache.get(key);
  if (cron === undefined) {
    // `no-wildcard`: lists and ranges such as `30 2,14 * * *` count as fixed-time, as in Vixie cron
    // (croner's default would make them follow real time through DST changes).
    cron = new Cron(expr, { timezone: tz ?? 'UTC', paused: true, mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' });
    // Simple bound: forget everything rather than track recency; a refill costs one parse each.
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}
