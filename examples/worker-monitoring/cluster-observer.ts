// The seeds' observers, cluster-wide. In the Python predecessor the observers were a list inside
// the job object: lost on serialisation, never re-subscribed on another node. Here a replica
// subscribes once, at start, with `{ scope: 'cluster' }`: it hears `job.succeeded`,
// `schedule.skipped`, `schedule.missed` and `schedule.ended` of every replica sharing the store — a restarted replica subscribes again by
// starting, and nothing about observers is stored in a job.
import type { Scheduler, ServiceProvider } from '../../src/index.ts';
import type { EventLog } from './event-log.ts';
import { collectWorkerMetrics } from './collect-worker-metrics.ts';

export function observeCluster(scheduler: Scheduler<ServiceProvider>, log: EventLog): void {
  scheduler.on(
    'job.succeeded',
    ({ job, result }, meta) => {
      if (job.task !== collectWorkerMetrics.name) return;
      log.write('observed', { what: 'job.succeeded', ranOn: meta.nodeId, scheduleId: job.scheduleId, fireAtMs: job.fireAtMs, result });
    },
    { scope: 'cluster' },
  );
  // Fires not run, and why. While a crashed replica's reserved fire waits out its lease it counts
  // as the schedule's running job, so the fires in between are skipped (maxRunning 1) or
  // coalesced into the latest: a stale sample is worth nothing, a burst of them less.
  scheduler.on('schedule.skipped', ({ scheduleId, fireAtMs, activeJobs }, meta) => log.write('observed', { what: 'schedule.skipped', ranOn: meta.nodeId, scheduleId, fireAtMs, activeJobs }), { scope: 'cluster' });
  scheduler.on('schedule.missed', ({ scheduleId, fireAtMs, reason }, meta) => log.write('observed', { what: 'schedule.missed', ranOn: meta.nodeId, scheduleId, fireAtMs, reason }), { scope: 'cluster' });
  scheduler.on('schedule.ended', ({ scheduleId, reason }, meta) => log.write('observed', { what: 'schedule.ended', ranOn: meta.nodeId, scheduleId, reason }), { scope: 'cluster' });
}
