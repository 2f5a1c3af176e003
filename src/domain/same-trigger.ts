import { parseTimeOfDay } from '../triggers/calendar-math.ts';
import type { TriggerSpec } from './trigger.ts';

/**
 * Whether two triggers mean the same fires, compared field by field — never by serialisation: a
 * store may hand a trigger back with its keys in another order (PostgreSQL's jsonb sorts them),
 * and a spec stored before an option existed lacks it (read as its default).
 */
export function sameTrigger(a: TriggerSpec, b: TriggerSpec): boolean {
  switch (a.type) {
    case 'date':
      return b.type === 'date' && a.runAtMs === b.runAtMs;
    case 'interval':
      return (
        b.type === 'interval' &&
        a.everyMs === b.everyMs &&
        nullable(a.startAtMs) === nullable(b.startAtMs) &&
        nullable(a.endAtMs) === nullable(b.endAtMs) &&
        (a.jitterMs ?? 0) === (b.jitterMs ?? 0)
      );
    case 'cron':
      return (
        b.type === 'cron' &&
        a.expr.trim().split(/\s+/).join(' ') === b.expr.trim().split(/\s+/).join(' ') &&
        nullable(a.tz) === nullable(b.tz) &&
        (a.dst ?? 'vixie') === (b.dst ?? 'vixie') &&
        nullable(a.startAtMs) === nullable(b.startAtMs) &&
        nullable(a.endAtMs) === nullable(b.endAtMs) &&
        (a.jitterMs ?? 0) === (b.jitterMs ?? 0)
      );
    case 'calendar':
      return (
        b.type === 'calendar' &&
        (a.years ?? 0) === (b.years ?? 0) &&
        (a.months ?? 0) === (b.months ?? 0) &&
        (a.weeks ?? 0) === (b.weeks ?? 0) &&
        (a.days ?? 0) === (b.days ?? 0) &&
        parseTimeOfDay(a.at) === parseTimeOfDay(b.at) &&
        nullable(a.tz) === nullable(b.tz) &&
        nullable(a.startAtMs) === nullable(b.startAtMs) &&
        nullable(a.endAtMs) === nullable(b.endAtMs) &&
        (a.jitterMs ?? 0) === (b.jitterMs ?? 0)
      );
    default:
      return false;
  }
}

const nullable = <T>(value: T | null | undefined): T | null => value ?? null;
