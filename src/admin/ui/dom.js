// A tiny DOM builder. Text always goes in as text nodes, never as HTML: a job's error message
// or a task name can hold anything, and must never be able to inject markup.

/**
 * h('a', { href: '#/jobs', class: 'link', onclick: fn }, 'text', child, [more])
 * @param {string} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...unknown} children
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(svgNs, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A status or state badge. */
export function badge(text, kind = text) {
  return h('span', { class: `badge badge-${kind}` }, text);
}

/**
 * A table with a header row; `rows` are arrays of cells (nodes or text) or { cells, attrs, after },
 * where `after` is a row of its own (a detail row) placed under the row.
 */
export function table(headers, rows, emptyText) {
  if (rows.length === 0) return h('p', { class: 'empty' }, emptyText);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      // A column without a title (the row's buttons) still has a name for screen readers.
      h('thead', null, h('tr', null, headers.map((title) => h('th', { scope: 'col' }, title === '' ? h('span', { class: 'visually-hidden' }, 'Actions') : title)))),
      h(
        'tbody',
        null,
        rows.map((row) => {
          const { cells, attrs, after } = Array.isArray(row) ? { cells: row, attrs: null, after: null } : row;
          return [h('tr', attrs, cells.map((cell) => h('td', null, cell))), after];
        }),
      ),
    ),
  );
}
