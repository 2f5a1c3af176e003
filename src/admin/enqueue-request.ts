import type { EnqueueInput, JsonValue } from '../index.ts';
import { instantParam, invalid, optionalString } from './query-params.ts';

const fields = ['task', 'data', 'priority', 'runAt', 'delay', 'dedupeKey'] as const;

/** A job to enqueue, as `POST /jobs` takes it; the task is a name (checked against the known ones by the route). */
export type EnqueueRequest = EnqueueInput<JsonValue> & { task: string };

/**
 * Reads the body of `POST /jobs`: `{ task, data?, priority?, runAt?, delay?, dedupeKey? }`. Each
 * problem is a 400 naming the field; the scheduler checks the rest as it would for any caller
 * (identifiers, durations, the task's payload schema) with the same `InvalidArgumentError`s.
 */
export function enqueueRequest(body: JsonValue): EnqueueRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('Expected a JSON object body: { task, data?, priority?, runAt?, delay?, dedupeKey? }');
  for (const key of Object.keys(body)) {
    if (!(fields as readonly string[]).includes(key)) throw invalid(`Unknown field \`${key}\`; expected ${fields.join(', ')}`);
  }
  const task = body['task'];
  if (typeof task !== 'string') throw invalid(`Expected \`task\` to be a task name, got ${JSON.stringify(task ?? null)}`);
  optionalString(task, 'task');
  const request: EnqueueRequest = { task, data: body['data'] ?? null };
  const priority = body['priority'];
  if (priority !== undefined) {
    if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) throw invalid(`Expected \`priority\` to be an integer, got ${JSON.stringify(priority)}`);
    request.priority = priority;
  }
  const runAtMs = instantParam(body['runAt'], 'runAt');
  const delay = body['delay'];
  if (runAtMs !== undefined && delay !== undefined) throw invalid('Expected `runAt` or `delay`, not both');
  if (runAtMs !== undefined) request.runAt = runAtMs;
  if (delay !== undefined) {
    // Milliseconds or a duration such as '30s'; the scheduler says what is wrong with a bad one.
    if (typeof delay !== 'number' && typeof delay !== 'string') throw invalid(`Expected \`delay\` to be milliseconds or a duration such as "30s", got ${JSON.stringify(delay)}`);
    request.delay = delay;
  }
  const dedupeKey = body['dedupeKey'];
  if (dedupeKey !== undefined) {
    if (typeof dedupeKey !== 'string') throw invalid(`Expected \`dedupeKey\` to be a string, got ${JSON.stringify(dedupeKey)}`);
    request.dedupeKey = optionalString(dedupeKey, 'dedupeKey', 1000);
  }
  return request;
}
