import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';

export const trigger: Command = {
  name: 'trigger',
  summary: 'run a schedule once now (a manual job); its next fire stays',
  help: [
    'Usage: sundial trigger <scheduleId> [--store <url>] [--json]',
    '',
    "Creates one job of the schedule's task and payload, to run now (origin 'manual').",
    'The schedule keeps its next fire. A running node of the same store runs the job.',
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['scheduleId']);
    const id = positionals[0]!;
    const job = await withClient(storeUrl, (scheduler) => scheduler.trigger(id));
    io.out(json ? JSON.stringify(job, null, 2) : `Triggered schedule ${id}: job ${job.id} (${job.task}) is queued to run now.`);
    return 0;
  },
};
