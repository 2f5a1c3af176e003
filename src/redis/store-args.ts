import type { NewJob } from '../domain/job.ts';
import { defaultCatchUpLimit, type ScheduleWrite } from '../domain/schedule.ts';
import type { ClaimJobsRequest, CompleteJobRequest, ReleaseScheduleRequest } from '../store/store.ts';
import { optionalNumberArg } from './codecs.ts';

// Requests as the scripts' positional arguments (see each script's header): flat strings, no
// JSON for Lua to decode but the payloads it stores as they are.

/** A nullable text as one argument: '' for null, '=' + the text otherwise (so '' stays a value). */
const optionalText = (value: string | null): string => (value === null ? '' : `=${value}`);

/** One completion as the 10 arguments complete-jobs.lua reads per request. */
export function completionArgs(request: CompleteJobRequest): string[] {
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
    case 'deferred':
      retryAtMs = String(completion.runAtMs);
      break;
    case 'discarded':
      outcome = completion.countAs;
      break;
  }
  return [
    request.jobId,
    String(request.fencingToken),
    String(request.nowMs),
    completion.status,
    retryAtMs,
    error,
    result,
    outcome,
    request.endSchedule ? '1' : '0',
    optionalNumberArg(request.startedAtMs),
  ];
}

/** A trace context as one argument: '' for none (absent, null or empty). */
const traceContextArg = (value: string | null | undefined): string => value ?? '';

/** Appends a NewJob as the 12 arguments create_job (lua/_jobs.lua) reads. */
export function pushNewJobArgs(args: string[], job: NewJob): void {
  args.push(
    job.id,
    job.task,
    JSON.stringify(job.data),
    job.origin,
    optionalText(job.scheduleId),
    optionalNumberArg(job.fireAtMs),
    String(job.priority),
    String(job.runAtMs),
    String(job.maxAttempts),
    optionalText(job.dedupeKey),
    String(job.createdAtMs),
    traceContextArg(job.traceContext),
  );
}

/** Appends a release request as release-schedules.lua reads it: 12 arguments, then 12 per job. */
export function pushReleaseArgs(args: string[], r: ReleaseScheduleRequest): void {
  args.push(r.scheduleId, String(r.leaseToken), String(r.nowMs), optionalNumberArg(r.nextFireAtMs), optionalNumberArg(r.lastFireAtMs));
  args.push(String(r.skipped), String(r.missed), r.end ? '1' : '0', r.reserve?.nodeId ?? '', String(r.reserve?.leaseMs ?? 0), String(r.buffered ?? 0),
    String(r.jobs.length));
  for (const job of r.jobs) pushNewJobArgs(args, job);
}

/** The claim's arguments after the instance id: nodeId, nowMs, leaseMs, limit, aheadMs, aheadLimit, maxActive ('' = no cap). */
export function claimArgs(request: ClaimJobsRequest): string[] {
  const ahead = (request.aheadMs ?? 0) > 0 ? Math.max(0, request.aheadLimit ?? 0) : 0;
  return [
    request.nodeId,
    String(request.nowMs),
    String(request.leaseMs),
    String(Math.max(0, request.limit)),
    String(request.aheadMs ?? 0),
    String(ahead),
    optionalNumberArg(request.maxActive),
  ];
}

/** Appends a ScheduleWrite as the 15 arguments upsert-schedule.lua reads per write. */
export function pushScheduleWriteArgs(args: string[], write: ScheduleWrite): void {
  args.push(
    String(write.nowMs),
    write.id,
    write.task,
    JSON.stringify(write.data),
    JSON.stringify(write.trigger),
    String(write.priority),
    optionalNumberArg(write.maxRunning),
    optionalNumberArg(write.misfireGraceMs),
    write.coalesce,
    write.paused === null ? '' : write.paused ? '1' : '0',
    optionalNumberArg(write.nextFireAtMs),
    write.keepNextFire ? '1' : '0',
    traceContextArg(write.traceContext),
    String(write.catchUpLimit ?? defaultCatchUpLimit),
    write.overlap ?? 'skip',
  );
}
