// Wall time and UTC offset of an instant in an IANA time zone, through Intl (no Temporal): the one
// place the calendar trigger and the cron DST rules read a zone.

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * The cached formatter of `tz` (throws a RangeError for a zone the runtime does not know).
 * The key is the name as given; `resolvedOptions().timeZone` gives its canonical spelling.
 */
export function zoneFormat(tz: string): Intl.DateTimeFormat {
  let format = formats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formats.size >= 500) formats.clear();
    formats.set(tz, format);
  }
  return format;
}

/** The wall time of `ms` in `tz`, as the epoch milliseconds of the same wall time in UTC (whole seconds). */
export function wallAsUtcMs(tz: string, ms: number): number {
  const fields: Record<string, string> = {};
  for (const part of zoneFormat(tz).formatToParts(ms)) fields[part.type] = part.value;
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - Number(fields.year) : Number(fields.year);
  const utc = new Date(0);
  utc.setUTCFullYear(year, Number(fields.month) - 1, Number(fields.day));
  utc.setUTCHours(Number(fields.hour), Number(fields.minute), Number(fields.second), 0);
  return utc.getTime();
}

/** The UTC offset of `tz` at `ms` (local wall time minus UTC), in milliseconds (whole seconds). */
export function offsetMs(tz: string, ms: number): number {
  const wholeSecondMs = Math.floor(ms / 1000) * 1000;
  return wallAsUtcMs(tz, wholeSecondMs) - wholeSecondMs;
}
