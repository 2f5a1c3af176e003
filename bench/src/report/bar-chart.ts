// A plain SVG bar chart (no library): one panel per series, one bar per system.

export interface Panel {
  title: string;
  unit: string;
  bars: { label: string; value: number | null; sundial: boolean }[];
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChart(title: string, subtitle: string, panels: readonly Panel[]): string {
  const width = 900;
  const labelWidth = 230;
  const barHeight = 18;
  const gap = 6;
  let y = 64;
  const parts: string[] = [];
  for (const panel of panels) {
    const max = Math.max(1, ...panel.bars.map((bar) => bar.value ?? 0));
    parts.push(`<text x="16" y="${y}" font-size="15" font-weight="bold">${escape(panel.title)}</text>`);
    y += 12;
    for (const bar of panel.bars) {
      const length = bar.value === null ? 0 : Math.max(1, ((width - labelWidth - 120) * bar.value) / max);
      const colour = bar.sundial ? '#d97706' : '#64748b';
      parts.push(`<text x="${labelWidth - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${colour}" rx="2"/>`);
      const text = bar.value === null ? 'n/a' : `${Math.round(bar.value).toLocaleString('en-US')} ${panel.unit}`;
      parts.push(`<text x="${labelWidth + length + 6}" y="${y + 13}" font-size="12">${escape(text)}</text>`);
      y += barHeight + gap;
    }
    y += 22;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="16" y="26" font-size="18" font-weight="bold">${escape(title)}</text>`,
    `<text x="16" y="46" font-size="12" fill="#475569">${escape(subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
