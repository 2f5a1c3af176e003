import { ScheduleNotFoundError } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { resolveScheduleId, scheduleIdHelp } from '../resolve-id.ts';

export const remove: Command = {
  name: 'remove',
  summary: 'delete a schedule (its jobs stay)',
  help: [
    'Usage: sundial remove <scheduleId> [--store <url>] [--json]',
    '',
    'Deletes the schedule. Its jobs stay, queued ones included (cancel them with `sundial cancel`).',
    'An application that schedules the same id at start creates it again.',
    '',
    scheduleIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['scheduleId']);
    const { id, removed } = await withClient(storeUrl, async (scheduler) => {
      const id = await resolveScheduleId(scheduler, positionals[0]!);
      return { id, removed: await scheduler.unschedule(id) };
    });
    if (!removed) throw new ScheduleNotFoundError(`No schedule with id "${id}"`);
    io.out(json ? JSON.stringify({ removed: true, scheduleId: id }) : `Removed schedule ${id}.`);
    return 0;
  },
};
