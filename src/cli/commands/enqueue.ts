import { InvalidArgumentError, type EnqueueInput, type JsonValue } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatTime } from '../format-time.ts';

export const enqueue: Command = {
  name: 'enqueue',
  summary: 'create a job of a task, to run now or later',
  help: [
    "Usage: sundial enqueue <task> [--data '{…}'] [--delay 30s | --run-at <ISO>] [--priority <n>] [--dedupe-key <k>] [--store <url>] [--json]",
    '',
    "Creates one on-demand job of the task (origin 'enqueue'); a node of the same store that knows",
    'the task runs it. With --dedupe-key, an unfinished job with that key is returned instead.',
    '',
    'Options:',
    "  --data <json>       the job's payload, as JSON (default null)",
    '  --delay <duration>  not before this long from now: 30s, 5m, 1h30m',
    '  --run-at <iso>      not before this instant: 2026-12-01T09:00:00Z',
    "  --priority <n>      an integer; higher runs first (default the task's, else 0)",
    '  --dedupe-key <k>    while a job with this key is unfinished, return it instead',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals, storeUrl, json } = parseCommandArgs(
      this.name,
      argv,
      io.env,
      {
        data: { type: 'string' },
        delay: { type: 'string' },
        'run-at': { type: 'string' },
        priority: { type: 'string' },
        'dedupe-key': { type: 'string' },
      },
      ['task'],
    );
    if (values.delay !== undefined && values['run-at'] !== undefined) {
      throw new InvalidArgumentError('Give `--delay` or `--run-at`, not both; see `sundial enqueue --help`');
    }
    const input: EnqueueInput = {
      task: positionals[0]!,
      ...(values.data !== undefined ? { data: parseData(values.data) } : {}),
      ...(values.delay !== undefined ? { delay: values.delay } : {}),
      ...(values['run-at'] !== undefined ? { runAt: parseInstant(values['run-at']) } : {}),
      ...(values.priority !== undefined ? { priority: parseInteger(values.priority, 'priority') } : {}),
      ...(values['dedupe-key'] !== undefined ? { dedupeKey: values['dedupe-key'] } : {}),
    };
    const job = await withClient(storeUrl, (scheduler) => scheduler.enqueue(input));
    io.out(json ? JSON.stringify(job, null, 2) : `Enqueued job ${job.id} (${job.task}): ${job.status}, to run ${formatTime(job.runAtMs, io.nowMs())}.`);
    return 0;
  },
};

function parseData(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new InvalidArgumentError(`Expected \`--data\` to be JSON such as '{"id":42}', got ${JSON.stringify(text)}`, { cause: error });
  }
}

function parseInstant(text: string): number {
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`Expected \`--run-at\` to be an ISO date-time such as 2026-12-01T09:00:00Z, got ${JSON.stringify(text)}`);
  return ms;
}

function parseInteger(text: string, name: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`Expected \`--${name}\` to be an integer, got ${JSON.stringify(text)}`);
  return n;
}
