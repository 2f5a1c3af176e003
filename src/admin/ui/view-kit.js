// Pieces the views share: live relative times, action buttons, status badges, page headers.
import { h, badge } from './dom.js';
import { relative, absolute } from './format.js';

/** A time that keeps saying "in 3s" / "5s ago" correctly: the app's ticker rewrites every [data-at]. */
export function liveTime(atMs, now) {
  if (atMs === null || atMs === undefined) return h('span', { class: 'muted' }, '–');
  return h('time', { 'data-at': atMs, title: absolute(atMs), datetime: new Date(atMs).toISOString() }, relative(atMs, now));
}

export function statusBadge(status) {
  return badge(status, status);
}

export function pageHeader(title, subtitle, ...tools) {
  return h('div', { class: 'page-header' }, h('div', null, h('h1', null, title), subtitle ? h('p', { class: 'muted' }, subtitle) : null), h('div', { class: 'tools' }, tools));
}

/**
 * A button that runs an API action, shows the outcome as a toast and refreshes the view. Hidden
 * for read-only sessions (the API would refuse anyway).
 */
export function actionButton(app, label, run, { kind = 'secondary', confirmText, done } = {}) {
  if (app.role !== 'operate') return null;
  return h(
    'button',
    {
      type: 'button',
      class: `btn ${kind}`,
      'data-action': label.toLowerCase(),
      async onclick(event) {
        event.stopPropagation();
        if (confirmText && !window.confirm(confirmText)) return;
        const button = event.currentTarget;
        button.disabled = true;
        try {
          await run();
          app.toast(done || `${label}: done`);
          app.refresh();
        } catch (error) {
          app.toast(error.message, 'error');
        } finally {
          button.disabled = false;
        }
      },
    },
    label,
  );
}

export function card(title, body, extra) {
  return h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, title), extra || null), body);
}

export function stat(label, value, note, kind) {
  return h('div', { class: `stat ${kind ? `stat-${kind}` : ''}` }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), note ? h('div', { class: 'stat-note' }, note) : null);
}
