import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { resolveScheduleId, scheduleIdHelp } from '../resolve-id.ts';
import { formatTime } from '../format-time.ts';

export const resume: Command = {
  name: 'resume',
  summary: 'resume a paused schedule from now',
  help: [
    'Usage: sundial resume <scheduleId> [--store <url>] [--json]',
    '',
    'Resumes the schedule from now: the fires that fell in the pause are not run.',
    '',
    scheduleIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['scheduleId']);
    const schedule = await withClient(storeUrl, async (scheduler) => scheduler.resume(await resolveScheduleId(scheduler, positionals[0]!)));
    io.out(
      json
        ? JSON.stringify(schedule, null, 2)
        : `Resumed schedule ${schedule.id}; next fire ${formatTime(schedule.nextFireAtMs, io.nowMs())}.`,
    );
    return 0;
  },
};
