import { api, query } from './api.js';
import { badge, h, table } from './dom.js';
import { describeTrigger } from './format.js';
import { actionButton, liveTime, pageHeader } from './view-kit.js';

/** Every schedule: its trigger in words, when it fires next and last, its counters and actions. */
export async function renderSchedules(app, params) {
  const filter = params.get('q') || '';
  const { items } = await api(`schedules${query({ idPrefix: filter, limit: 500 })}`);
  const now = app.now();
  const paused = items.filter((schedule) => schedule.paused).length;
  const search = h('input', {
    type: 'search',
    placeholder: 'Filter by id prefix',
    value: filter,
    'aria-label': 'Filter schedules by id prefix',
    onchange(event) {
      app.navigate('schedules', { q: event.target.value });
    },
  });
  const rows = items.map((schedule) => ({
    attrs: { 'data-id': schedule.id, class: app.flashClass(schedule.id) },
    cells: [
      h(
        'div',
        null,
        h('a', { href: `#/schedules/${encodeURIComponent(schedule.id)}`, class: 'strong', title: 'Schedule detail' }, schedule.id),
        schedule.paused ? [' ', badge('paused', 'paused')] : null,
        schedule.unreadable
          ? [' ', h('span', { class: 'badge badge-dead', 'data-flag': 'unreadable', title: `Quarantined (paused): ${schedule.unreadable.map((u) => `${u.field}: ${u.reason}`).join('; ')}. Schedule it again to repair it.` }, 'unreadable')]
          : null,
      ),
      h('span', { class: 'tag' }, schedule.task),
      schedule.unreadable?.some((u) => u.field === 'trigger') ? h('span', { class: 'muted' }, 'unreadable') : describeTrigger(schedule.trigger),
      schedule.paused ? h('span', { class: 'muted' }, 'paused') : liveTime(schedule.nextFireAtMs, now),
      h('span', { 'data-field': 'last-fire' }, liveTime(schedule.lastFireAtMs, now)),
      h('span', { class: 'counters', title: 'fired · skipped (maxRunning) · missed' }, h('b', { 'data-field': 'fired' }, String(schedule.firedCount)), h('span', null, ` · ${schedule.skippedCount} · ${schedule.missedCount}`)),
      h(
        'div',
        { class: 'row-actions' },
        schedule.paused
          ? actionButton(app, 'Resume', () => api(`schedules/${encodeURIComponent(schedule.id)}/resume`, { method: 'POST' }), { done: `Resumed ${schedule.id}` })
          : actionButton(app, 'Pause', () => api(`schedules/${encodeURIComponent(schedule.id)}/pause`, { method: 'POST' }), { done: `Paused ${schedule.id}` }),
        actionButton(app, 'Trigger', () => api(`schedules/${encodeURIComponent(schedule.id)}/trigger`, { method: 'POST' }), { done: `Triggered ${schedule.id}: a job is queued` }),
        actionButton(app, 'Remove', () => api(`schedules/${encodeURIComponent(schedule.id)}`, { method: 'DELETE' }), {
          kind: 'danger',
          confirmText: `Remove schedule "${schedule.id}"? Its jobs stay.`,
          done: `Removed ${schedule.id}`,
        }),
      ),
    ],
  }));
  return [
    pageHeader('Schedules', `${items.length} schedule${items.length === 1 ? '' : 's'}${paused ? `, ${paused} paused` : ''}.`, search),
    h(
      'section',
      { class: 'card flush' },
      table(['Schedule', 'Task', 'Trigger', 'Next fire', 'Last fire', 'Fired · skipped · missed', ''], rows, filter ? 'No schedule id starts with that.' : 'No schedules yet.'),
    ),
  ];
}
