export { at } from './at.ts';
export { every, type EveryOptions } from './every.ts';
export { cron, canonicalTimeZone, type CronOptions } from './cron.ts';
export { calendar, type CalendarOptions } from './calendar.ts';
export { nextFires, type NextFiresOptions, type PreviewableTrigger } from './preview.ts';
export { firstFireAtMs, nextFireAfterMs, jitterOffsetMs } from './next-fire.ts';
export type { Instant } from './instant.ts';
