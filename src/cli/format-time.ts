/**
 * Times as the CLI shows them: local ISO-like date-time plus a relative hint, e.g.
 * `2026-11-23 07:01:05 (in 4s)`. Pure: the caller passes `nowMs`.
 */

/** `2026-11-23 07:01:05` in the process's local time zone (TZ decides). */
export function formatLocalTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `07:01:05.123` local: the clock part alone, for event lines. */
export function formatClockTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** A short length of time: `950ms`, `4s`, `3m`, `3m 20s`, `5h 2m`, `3d 4h`. */
export function formatSpan(spanMs: number): string {
  const ms = Math.abs(Math.round(spanMs));
  if (ms < 1_000) return `${ms}ms`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return joinParts(minutes, 'm', seconds % 60, 's');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return joinParts(hours, 'h', minutes % 60, 'm');
  return joinParts(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

/** `in 4s`, `3m ago`, or `now` within a second. */
export function formatRelative(ms: number, nowMs: number): string {
  const deltaMs = ms - nowMs;
  if (Math.abs(deltaMs) < 1_000) return 'now';
  return deltaMs > 0 ? `in ${formatSpan(deltaMs)}` : `${formatSpan(deltaMs)} ago`;
}

/** `2026-11-23 07:01:05 (in 4s)`, or `-` for null. */
export function formatTime(ms: number | null, nowMs: number): string {
  if (ms === null) return '-';
  return `${formatLocalTime(ms)} (${formatRelative(ms, nowMs)})`;
}

function joinParts(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`;
}
