import type { ScheduleRecord, Scheduler } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatScheduleTable } from '../format-records.ts';
import { renderOrWatch, takeWatchOption, watchOptionHelp } from '../watch.ts';

const pageSize = 500;

export const schedulesLs: Command = {
  name: 'schedules ls',
  summary: 'list schedules',
  help: [
    'Usage: sundial schedules ls [--task <name>] [--paused] [--watch [interval]] [--store <url>] [--json]',
    '',
    'Lists every schedule in the store, ordered by id: its trigger, state, next and last fire,',
    'and how many fires created a job, were skipped (maxRunning) or missed (misfireGrace).',
    '',
    'Options:',
    '  --task <name>   only schedules of this task',
    '  --paused        only paused schedules',
    watchOptionHelp,
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { watchMs, rest } = takeWatchOption(argv);
    const { values, storeUrl, json } = parseCommandArgs(this.name, rest, io.env, {
      task: { type: 'string' },
      paused: { type: 'boolean' },
    });
    const list = (scheduler: Scheduler) => async () => {
      const all: ScheduleRecord[] = [];
      // Keyset paging: a store returns at most `limit` schedules per call.
      for (;;) {
        const page = await scheduler.listSchedules({
          task: values.task,
          paused: values.paused ? true : undefined,
          afterId: all.at(-1)?.id,
          limit: pageSize,
        });
        all.push(...page);
        if (page.length < pageSize) return json ? JSON.stringify(all, null, 2) : formatScheduleTable(all, io.nowMs());
      }
    };
    return withClient(storeUrl, (scheduler) => renderOrWatch(io, watchMs, list(scheduler)));
  },
};
