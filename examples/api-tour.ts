// A tour of schedules, on-demand jobs and policies, driven by a virtual clock so it ends at once.
// Run: node examples/api-tour.ts
import { Scheduler, at, cron, every, task } from '../src/index.ts';
import { MemoryStore } from '../src/memory/index.ts';
import { VirtualClock } from '../src/testing/index.ts';

const clock = new VirtualClock(new Date('2026-05-01T08:00:00Z'));
const log = (line: string) => console.log(`${new Date(clock.now()).toISOString().slice(11, 19)}  ${line}`);

const sendEmail = task<{ to: string }>('send-email', { priority: 5, run: ({ data }) => log(`email to ${data.to}`) });
const pollFeed = task<{ feed: string }>('poll-feed', {
  run({ data, job, stopSchedule }) {
    log(`poll ${data.feed} (fire ${job.fireAt?.toISOString().slice(11, 19)})`);
    if (job.fireAt && job.fireAt.getTime() >= Date.parse('2026-05-01T08:20:00Z')) return stopSchedule('feed gone'); // ends the schedule
  },
});

const scheduler = new Scheduler({ store: new MemoryStore(), tasks: [sendEmail, pollFeed], clock });
scheduler.on('schedule.missed', ({ scheduleId, reason }) => log(`${scheduleId}: missed (${reason})`));
scheduler.on('schedule.ended', ({ scheduleId, reason }) => log(`${scheduleId}: ended (${reason})`));

// Schedules have stable ids: scheduling the same id again replaces it, never duplicates it.
await scheduler.schedule({
  id: 'poll-news',
  task: pollFeed,
  data: { feed: 'news' },
  trigger: every('10m'),
  maxRunning: 1, // across all nodes: a fire while a job is still active is skipped
  misfireGrace: '1m', // a fire noticed more than 1 min late is recorded as missed
  coalesce: 'latest', // after downtime, one job for the newest fire
});
await scheduler.schedule({ id: 'daily-digest', task: sendEmail, data: { to: 'team@example.com' }, trigger: cron('0 9 * * MON-FRI', { tz: 'Europe/Berlin' }), paused: true });
await scheduler.schedule({ id: 'reminder', task: sendEmail, data: { to: 'ada@example.com' }, trigger: at('2026-05-01T08:05:00Z') });
// A past date fires at once, unless it is older than its misfireGrace: then it is recorded as missed.
await scheduler.schedule({ id: 'too-late', task: sendEmail, data: { to: 'late@example.com' }, trigger: at('2026-05-01T07:00:00Z'), misfireGrace: '5m' });

// On-demand jobs: now, after a delay, at an instant; dedupeKey returns the unfinished job with that key.
await scheduler.enqueue({ task: sendEmail, data: { to: 'now@example.com' } });
await scheduler.enqueue({ task: sendEmail, data: { to: 'later@example.com' }, delay: '2m', priority: 10 });
await scheduler.enqueue({ task: sendEmail, data: { to: 'welcome@example.com' }, runAt: new Date('2026-05-01T08:03:00Z'), dedupeKey: 'welcome:ada' });

await scheduler.start();
await clock.advance('30m');
await scheduler.stop();
