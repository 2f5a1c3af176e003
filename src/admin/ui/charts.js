// Charts as inline SVG: no library, scales with its container, colours from the stylesheet.
import { s } from './dom.js';
import { clockTime } from './format.js';

const width = 640;
const pad = { top: 12, right: 8, bottom: 22, left: 34 };

/** A round upper bound for the y axis: 1, 2, 5, 10, 20, 50, … */
function niceMax(value) {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Stacked bars per time bucket.
 * @param {{ buckets: Array<Record<string, number>>, series: Array<{ key: string, label: string, className: string }>, bucketMs: number, height?: number, label: string }} options
 */
export function stackedBars({ buckets, series, bucketMs, height = 170, label }) {
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const totals = buckets.map((bucket) => series.reduce((sum, { key }) => sum + (bucket[key] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = innerW / Math.max(1, buckets.length);
  const barW = Math.max(1, slot - 2);
  const y = (value) => pad.top + innerH - (value / max) * innerH;
  const grid = [0, max / 2, max].map((value) =>
    s('g', { class: 'grid' }, s('line', { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }), s('text', { x: pad.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, formatTick(value))),
  );
  const bars = buckets.map((bucket, i) => {
    let base = 0;
    const x = pad.left + i * slot + 1;
    const parts = series.map(({ key, className }) => {
      const value = bucket[key] || 0;
      const rect = value === 0 ? null : s('rect', { x, y: y(base + value), width: barW, height: Math.max(1, y(base) - y(base + value)), rx: 1.5, class: className });
      base += value;
      return rect;
    });
    const tip = `${clockTime(bucket.bucketStartMs)}–${clockTime(bucket.bucketStartMs + bucketMs)}: ` + series.map(({ key, label: name }) => `${bucket[key] || 0} ${name}`).join(', ');
    return s('g', { class: 'bar' }, s('rect', { x: pad.left + i * slot, y: pad.top, width: slot, height: innerH, class: 'hit' }, s('title', null, tip)), parts);
  });
  const ticks = [0, Math.floor(buckets.length / 2), buckets.length - 1]
    .filter((i, index, all) => buckets[i] && all.indexOf(i) === index)
    .map((i) => {
      // The outer labels align to the plot's edges, so they are never clipped.
      const anchor = i === 0 ? 'start' : i === buckets.length - 1 ? 'end' : 'middle';
      const x = anchor === 'start' ? pad.left : anchor === 'end' ? width - pad.right : pad.left + i * slot + slot / 2;
      return s('text', { class: 'axis', x, y: height - 6, 'text-anchor': anchor }, clockTime(buckets[i].bucketStartMs));
    });
  return s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label }, grid, bars, ticks);
}

function formatTick(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * One horizontal bar per status, scaled to the largest.
 * @param {Array<{ label: string, value: number, className: string, href?: string }>} rows
 */
export function horizontalBars(rows, label) {
  // Narrower than the time charts: it sits in a third of the page and must keep readable text.
  const width = 380;
  const rowH = 30;
  const labelW = 82;
  const valueW = 48;
  const height = rows.length * rowH;
  const max = Math.max(1, ...rows.map((row) => row.value));
  const barSpace = width - labelW - valueW;
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, class: 'chart hbars', role: 'img', 'aria-label': label },
    rows.map((row, i) => {
      const y = i * rowH;
      const w = row.value === 0 ? 0 : Math.max(3, (row.value / max) * barSpace);
      return s(
        'g',
        null,
        s('text', { x: 0, y: y + 19, class: 'label' }, row.label),
        s('rect', { x: labelW, y: y + 7, width: barSpace - 8, height: 16, rx: 5, class: 'track' }),
        w > 0 ? s('rect', { x: labelW, y: y + 7, width: Math.min(w, barSpace - 8), height: 16, rx: 5, class: row.className }) : null,
        s('text', { x: width, y: y + 19, 'text-anchor': 'end', class: 'value' }, String(row.value)),
      );
    }),
  );
}

/**
 * One bar per point, in time order, from a zero line: for values that can be negative (a job that
 * started before its due time, e.g. a node claiming ahead) the bar goes below the line.
 * @param {{ points: Array<{ atMs: number, value: number, tip: string, className?: string }>, formatValue: (value: number) => string, height?: number, label: string }} options
 */
export function pointBars({ points, formatValue, height = 170, label }) {
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = niceMax(Math.max(0, ...points.map((point) => point.value)));
  const min = -niceMax(Math.max(0, ...points.map((point) => -point.value)));
  const low = min === -1 && points.every((point) => point.value >= 0) ? 0 : min;
  const y = (value) => pad.top + ((max - value) / (max - low)) * innerH;
  const slot = innerW / Math.max(1, points.length);
  const barW = Math.max(1, Math.min(24, slot - 2));
  const grid = [...new Set([low, 0, max])].map((value) =>
    s('g', { class: 'grid' }, s('line', { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }), s('text', { x: pad.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, formatValue(value))),
  );
  const bars = points.map((point, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    const top = y(Math.max(0, point.value));
    const h = Math.max(1, Math.abs(y(point.value) - y(0)));
    return s(
      'g',
      { class: 'bar' },
      s('rect', { x: pad.left + i * slot, y: pad.top, width: slot, height: innerH, class: 'hit' }, s('title', null, point.tip)),
      s('rect', { x, y: top, width: barW, height: h, rx: 1.5, class: point.className || 'fill-running' }),
    );
  });
  const ticks = [0, points.length - 1]
    .filter((i, index, all) => points[i] && all.indexOf(i) === index)
    .map((i) => s('text', { class: 'axis', x: i === 0 ? pad.left : width - pad.right, y: height - 6, 'text-anchor': i === 0 ? 'start' : 'end' }, clockTime(points[i].atMs)));
  return s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label }, grid, bars, ticks);
}
