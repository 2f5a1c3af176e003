import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { resolveScheduleId, scheduleIdHelp } from '../resolve-id.ts';

export const pause: Command = {
  name: 'pause',
  summary: 'pause a schedule (it fires no more until resumed)',
  help: [
    'Usage: sundial pause <scheduleId> [--store <url>] [--json]',
    '',
    'Pauses the schedule: no node fires it until `sundial resume`. Its jobs already queued still run.',
    '',
    scheduleIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['scheduleId']);
    const schedule = await withClient(storeUrl, async (scheduler) => scheduler.pause(await resolveScheduleId(scheduler, positionals[0]!)));
    io.out(json ? JSON.stringify(schedule, null, 2) : `Paused schedule ${schedule.id}.`);
    return 0;
  },
};
