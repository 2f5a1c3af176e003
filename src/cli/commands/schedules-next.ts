import { nextFires, ScheduleNotFoundError } from '../../index.ts';
import { parseCommandArgs, parsePositiveInt } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { resolveScheduleId, scheduleIdHelp } from '../resolve-id.ts';
import { describeTrigger } from '../format-records.ts';
import { formatTable } from '../format-table.ts';

/** The most fire times one call prints. */
const maxCount = 1000;

export const schedulesNext: Command = {
  name: 'schedules next',
  summary: "print a schedule's next fire times",
  help: [
    'Usage: sundial schedules next <scheduleId> [--count N] [--store <url>] [--json]',
    '',
    "Prints the schedule's next N nominal fire times (a job's jitter is not added), from its next",
    "fire, as every node computes them: in the schedule's time zone (UTC when its trigger has none)",
    'and in UTC. Fewer when the schedule ends first; none once it has ended.',
    '',
    scheduleIdHelp,
    '',
    'Options:',
    '  --count <n>     how many fire times, 1 to 1000 (default 10)',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, { count: { type: 'string' } }, ['scheduleId']);
    const count = Math.min(parsePositiveInt(values.count, 'count', 10), maxCount);
    const schedule = await withClient(storeUrl, async (scheduler) => scheduler.getSchedule(await resolveScheduleId(scheduler, positionals[0]!)));
    if (!schedule) throw new ScheduleNotFoundError(`No schedule with id "${positionals[0]!}"`);
    const id = schedule.id;
    const firstMs = schedule.nextFireAtMs;
    // From the stored next fire: the fires after it are those of a schedule created at that instant.
    const fireAtMs =
      firstMs === null
        ? []
        : [firstMs, ...(count > 1 ? nextFires(schedule.trigger, count - 1, { now: firstMs, after: firstMs + 1 }).map((d) => d.getTime()) : [])];
    const tz = 'tz' in schedule.trigger && schedule.trigger.tz !== null ? schedule.trigger.tz : 'UTC';
    if (json) {
      io.out(JSON.stringify({ id, tz, fireAtMs }, null, 2));
      return 0;
    }
    if (fireAtMs.length === 0) {
      io.out(`Schedule ${id} (${describeTrigger(schedule.trigger)}) has no fire left.`);
      return 0;
    }
    io.out(`Schedule ${id}: ${describeTrigger(schedule.trigger)}${schedule.paused ? ' (paused)' : ''}`);
    const headers = tz === 'UTC' ? ['#', 'UTC'] : ['#', tz, 'UTC'];
    const rows = fireAtMs.map((ms, i) => (tz === 'UTC' ? [String(i + 1), zoned(ms, 'UTC')] : [String(i + 1), zoned(ms, tz), zoned(ms, 'UTC')]));
    io.out(formatTable(headers, rows));
    return 0;
  },
};

const formats = new Map<string, Intl.DateTimeFormat>();

/** `2026-03-29 03:00:00 GMT+2`: the wall time of `ms` in `tz`, with its offset (`UTC` in UTC). */
function zoned(ms: number, tz: string): string {
  let format = formats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'shortOffset',
    });
    formats.set(tz, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  const zone = tz === 'UTC' ? 'UTC' : parts.timeZoneName;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${zone}`;
}
