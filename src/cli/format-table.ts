/**
 * Renders rows as aligned columns under an upper-case header, two spaces apart; lines carry no
 * trailing spaces.
 *
 * @example formatTable(['id', 'task'], [['a', 'heartbeat']]) // "ID  TASK\na   heartbeat"
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => displayWidth(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - displayWidth(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers.map((header) => header.toUpperCase())), ...rows.map((row) => line(headers.map((_, c) => row[c] ?? '')))].join('\n');
}

/** Length in terminal columns, ignoring ANSI colour codes (none are written today; piped output stays plain). */
function displayWidth(text: string): number {
  // oxlint-disable-next-line no-control-regex -- matching the ESC of ANSI sequences is the point
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
