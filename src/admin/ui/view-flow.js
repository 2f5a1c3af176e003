// A job's flow as a graph (GET /jobs/:id/flow): layered columns, a job's column being its depth
// by the longest path from a root, so that every edge points right. One SVG, positioned by
// attributes only (the page's CSP allows no inline style); each node is a small HTML card in a
// foreignObject, so it reuses the badges and links of the other views.
import { h, s } from './dom.js';
import { shortId } from './format.js';
import { card, statusBadge } from './view-kit.js';

const cardW = 188;
const cardH = 58;
const colGap = 60;
const rowGap = 12;
const pad = 6;
const finals = ['succeeded', 'dead', 'cancelled'];

/**
 * Columns of jobs: depth = 1 + the deepest parent's (0 for a root). Within a column, jobs are
 * ordered by the mean row of their parents (fewer crossings), else as the API gave them (oldest first).
 */
export function layoutFlow(flow) {
  const byId = new Map(flow.jobs.map((job) => [job.id, job]));
  const depths = new Map();
  const depthOf = (id, visiting) => {
    if (depths.has(id)) return depths.get(id);
    // A flow has no cycle; a damaged record must not hang the page.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const parents = byId.get(id).parents.filter((parent) => byId.has(parent));
    const depth = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((parent) => depthOf(parent, visiting)));
    visiting.delete(id);
    depths.set(id, depth);
    return depth;
  };
  const columns = [];
  for (const job of flow.jobs) (columns[depthOf(job.id, new Set())] ??= []).push(job);
  const rows = new Map();
  columns.forEach((column, depth) => {
    if (depth > 0) {
      const order = new Map(column.map((job, i) => [job.id, i]));
      const meanRow = (job) => {
        const placed = job.parents.filter((parent) => rows.has(parent));
        return placed.length === 0 ? order.get(job.id) : placed.reduce((sum, parent) => sum + rows.get(parent), 0) / placed.length;
      };
      column.sort((a, b) => meanRow(a) - meanRow(b) || order.get(a.id) - order.get(b.id));
    }
    column.forEach((job, row) => rows.set(job.id, row));
  });
  return columns;
}

/** The "Flow" card of a job's detail, or null when the job is alone (no parent, no child). */
export function flowCard(flow, currentId) {
  if (!flow || flow.jobs.length < 2) return null;
  const columns = layoutFlow(flow);
  const tallest = Math.max(...columns.map((column) => column.length));
  const at = new Map();
  columns.forEach((column, depth) => {
    // Shorter columns are centred on the tallest.
    const offset = ((tallest - column.length) * (cardH + rowGap)) / 2;
    column.forEach((job, row) => at.set(job.id, { x: pad + depth * (cardW + colGap), y: pad + offset + row * (cardH + rowGap), job }));
  });
  const width = 2 * pad + columns.length * cardW + (columns.length - 1) * colGap;
  const height = 2 * pad + tallest * cardH + (tallest - 1) * rowGap;
  const edges = flow.edges
    .filter(([from, to]) => at.has(from) && at.has(to))
    .map(([from, to]) => {
      const a = at.get(from);
      const b = at.get(to);
      const x1 = a.x + cardW;
      const y1 = a.y + cardH / 2;
      const x2 = b.x - 3;
      const y2 = b.y + cardH / 2;
      const bend = Math.max(24, (x2 - x1) / 2);
      return s('path', {
        d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
        class: `flow-edge ${edgeKind(a.job.status)}${from === currentId || to === currentId ? ' near' : ''}`,
        'marker-end': 'url(#flow-arrow)',
        'data-edge': `${from}>${to}`,
      });
    });
  const nodes = [...at.values()].map(({ x, y, job }) =>
    s('foreignObject', { x, y, width: cardW, height: cardH }, flowNode(job, job.id === currentId)),
  );
  const graph = s(
    'svg',
    { class: 'flow', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': `Flow of ${flow.jobs.length} jobs, parents to the left` },
    s('defs', null, s('marker', { id: 'flow-arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto' }, s('path', { d: 'M 0 0 L 8 4 L 0 8 z', class: 'flow-arrow' }))),
    s('g', null, edges),
    s('g', null, nodes),
  );
  const note = `${flow.jobs.length} jobs · parents to the left`;
  return h(
    'div',
    { 'data-section': 'flow' },
    card(
      'Flow',
      [
        flow.truncated ? h('p', { class: 'hint warn', 'data-flag': 'truncated' }, `Only the ${flow.jobs.length} jobs nearest to this one are drawn: the flow is larger.`) : null,
        h('div', { class: 'flow-wrap' }, graph),
      ],
      h('span', { class: 'muted small' }, note),
    ),
  );
}

/** Done (the child may go on), failed (it may not, unless it ignores failures), or still pending. */
function edgeKind(parentStatus) {
  if (parentStatus === 'succeeded') return 'done';
  return finals.includes(parentStatus) ? 'failed' : 'pending';
}

function flowNode(job, current) {
  return h(
    'a',
    {
      class: `flow-node${current ? ' current' : ''}`,
      href: `#/jobs/${encodeURIComponent(job.id)}`,
      title: `${job.task} · ${job.id} · ${job.status}`,
      'data-job': job.id,
      'aria-current': current ? 'page' : null,
    },
    h('span', { class: 'flow-task' }, job.task),
    h('span', { class: 'flow-meta' }, h('span', { class: 'mono muted' }, shortId(job.id)), statusBadge(job.status)),
  );
}
