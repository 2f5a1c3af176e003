// Words for times, durations and triggers.

const units = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** 1500 → "1.5s", 125000 → "2m 5s", 42 → "42ms". */
export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const parts = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}

/** "in 4s", "3m ago", "just now". */
export function relative(atMs, nowMs) {
  if (atMs === null || atMs === undefined) return '–';
  const delta = atMs - nowMs;
  if (Math.abs(delta) < 1000) return delta >= 0 ? 'now' : 'just now';
  return delta > 0 ? `in ${duration(delta)}` : `${duration(-delta)} ago`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function absolute(atMs) {
  return atMs === null || atMs === undefined ? '–' : dateTime.format(new Date(atMs));
}

export function clockTime(atMs) {
  return timeOnly.format(new Date(atMs));
}

const spanWords = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** 3000 → "3 seconds", 60000 → "minute", 90000 → "90 seconds". */
function span(ms) {
  for (const [size, word] of spanWords) {
    if (ms % size === 0) {
      const n = ms / size;
      return n === 1 ? word : `${n} ${word}s`;
    }
  }
  return `${ms} ms`;
}

/** A trigger in words: "every 3 seconds", "daily at 03:00 (Europe/Berlin)", "once at …". */
export function describeTrigger(trigger) {
  if (trigger.type === 'date') return `once at ${absolute(trigger.runAtMs)}`;
  const jitter = trigger.jitterMs > 0 ? ` ± ${duration(trigger.jitterMs)}` : '';
  if (trigger.type === 'interval') return `every ${span(trigger.everyMs)}${jitter}`;
  if (trigger.type === 'calendar') return `${describeCalendar(trigger)}${jitter}`;
  const zone = trigger.tz && trigger.tz !== 'UTC' ? ` (${trigger.tz})` : ' (UTC)';
  return `${describeCron(trigger.expr)}${zone}${jitter}`;
}

const weekdayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A calendar trigger in words: "every month on day 31 at 09:00 (Europe/Berlin)", "every 2 weeks on
 * Monday at 07:30 (UTC)", "every year on Feb 29 at 12:00 (UTC)". The day is startAt's date in the zone.
 */
export function describeCalendar(trigger) {
  const tz = trigger.tz || 'UTC';
  const units = [
    [trigger.years, 'year'],
    [trigger.months, 'month'],
    [trigger.weeks, 'week'],
    [trigger.days, 'day'],
  ].filter(([n]) => n > 0);
  const every = units.length === 1 && units[0][0] === 1 ? units[0][1] : units.map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`).join(' ');
  let on = '';
  if (trigger.startAtMs !== null && trigger.startAtMs !== undefined) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(trigger.startAtMs);
    const field = (type) => Number(parts.find((p) => p.type === type)?.value);
    const [year, month, day] = [field('year'), field('month'), field('day')];
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    if (trigger.years > 0 && !trigger.months && !trigger.weeks && !trigger.days) on = ` on ${monthNames[month - 1]} ${day}`;
    else if (trigger.years > 0 || trigger.months > 0) on = ` on day ${day}`;
    else if (trigger.days % 7 === 0) on = ` on ${weekdayNames[weekday]}`;
  }
  const at = /^\d\d:\d\d:00$/.test(trigger.at) ? trigger.at.slice(0, 5) : trigger.at;
  return `every ${every}${on} at ${at} (${tz})`;
}

/** The common cron shapes in words; anything else as the expression itself. */
export function describeCron(expr) {
  const fields = expr.trim().split(/\s+/);
  const [sec, min, hour, dom, mon, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const everyDay = dom === '*' && mon === '*' && dow === '*';
  const step = (field) => (/^\*\/(\d+)$/.exec(field) || [])[1];
  if (everyDay && min === '*' && hour === '*') {
    if (sec === '*') return 'every second';
    if (step(sec)) return `every ${step(sec)} seconds`;
  }
  if (everyDay && sec === '0' && hour === '*') {
    if (min === '*') return 'every minute';
    if (step(min)) return `every ${step(min)} minutes`;
    if (/^\d+$/.test(min)) return `hourly at :${min.padStart(2, '0')}`;
  }
  if (sec === '0' && /^\d+$/.test(min) && /^\d+$/.test(hour) && mon === '*' && dom === '*') {
    const at = `${hour.padStart(2, '0')}:${min.padStart(2, '0')}`;
    if (dow === '*') return `daily at ${at}`;
    if (dow === '1-5') return `weekdays at ${at}`;
  }
  return `cron ${expr}`;
}

/** The last 8 characters of an id: UUIDv7 ids start with the time, their tail tells them apart. */
export function shortId(id) {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}
