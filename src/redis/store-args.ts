import type { CompleteJobRequest } from '../store/store.ts';

/** One completion as the 9 arguments complete-jobs.lua reads per request. */
export function completionArgs(request: CompleteJobRequest): Array<string | number> {
  const { completion } = request;
  let retryAtMs = '';
  let error = '';
  let result = '';
  let outcome = '';
  switch (completion.status) {
    case 'succeeded':
      result = completion.result === null ? '' : JSON.stringify(completion.result);
      break;
    case 'retry':
      retryAtMs = String(completion.retryAtMs);
      error = JSON.stringify(completion.error);
      outcome = completion.attemptOutcome ?? '';
      break;
    case 'dead':
      error = JSON.stringify(completion.error);
      outcome = completion.attemptOutcome ?? '';
      break;
    case 'cancelled':
      error = JSON.stringify(completion.error);
      break;
    case 'released':
      break;
  }
  return [request.jobId, request.fencingToken, request.nowMs, completion.status, retryAtMs, error, result, outcome, request.endSchedule ? '1' : '0'];
}

