import { cronFor } from './croner-cache.ts';

const fiveFields = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;

/** What each field accepts, in Sundial's words. */
const accepts: Readonly<Record<string, string>> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day of month': '1-31, L for the last day, W for the nearest weekday',
  month: '1-12 or JAN-DEC',
  'day of week': '0-7 where 0 and 7 are Sunday, SUN-SAT, MON#1 for the first Monday, FRIL for the last Friday',
};

/**
 * Why a cron expression of 5 or 6 fields does not parse, in Sundial's words: which field is wrong,
 * what it accepts, the parser's own finding (without its name) and an example of a valid
 * expression. The wrong field is found by parsing each field alone (the others `*`).
 *
 * @param normalized The expression, single-spaced, with 5 or 6 fields.
 * @param error What the parser threw for the whole expression.
 */
export function describeCronProblem(normalized: string, error: unknown): string {
  const fields = normalized.split(' ');
  const names = fields.length === 6 ? ['second', ...fiveFields] : [...fiveFields];
  const detail = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '').replace(/\.+$/, '');
  const wrong = fields.findIndex((_, index) => !parsesAlone(fields, index));
  const example = fields.length === 6 ? '"0 */15 * * * *" (every 15 minutes, at second 0)' : '"*/15 * * * *" (every 15 minutes)';
  const name = names[wrong];
  const where =
    name === undefined
      ? 'the fields do not fit together'
      : `the ${name} field ${JSON.stringify(fields[wrong])} is not valid (it accepts ${accepts[name] ?? 'a number'}, lists a,b, ranges a-b and steps */n)`;
  return `${where}; detail: ${detail}. A valid ${fields.length}-field example: ${example}`;
}

function parsesAlone(fields: readonly string[], index: number): boolean {
  const alone = fields.map((field, i) => (i === index ? field : '*')).join(' ');
  try {
    cronFor(alone, null);
    return true;
  } catch {
    // The field is the wrong one: the caller reports it.
    return false;
  }
}
