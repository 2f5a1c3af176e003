import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { resolveScheduleId, scheduleIdHelp } from '../resolve-id.ts';

export const trigger: Command = {
  name: 'trigger',
  summary: 'run a schedule once now (a manual job); its next fire stays',
  help: [
    'Usage: sundial trigger <scheduleId> [--store <url>] [--json]',
    '',
    "Creates one job of the schedule's task and payload, to run now (origin 'manual').",
    'The schedule keeps its next fire. A running node of the same store runs the job.',
    '',
    scheduleIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['scheduleId']);
    const job = await withClient(storeUrl, async (scheduler) => scheduler.trigger(await resolveScheduleId(scheduler, positionals[0]!)));
    io.out(json ? JSON.stringify(job, null, 2) : `Triggered schedule ${job.scheduleId ?? positionals[0]!}: job ${job.id} (${job.task}) is queued to run now.`);
    return 0;
  },
};
