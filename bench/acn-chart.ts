/**
 * The chart of `bench:acn`, written as SVG text by the benchmark itself (no plotting dependency):
 * panels of one figure per algorithm against the transformer's capacity, one line per algorithm.
 */

export interface ChartSeries {
  name: string;
  /** Index into the palette: the same algorithm keeps its colour in every panel. */
  colour: number;
  /** One value per capacity, in the order of the capacities. */
  values: number[];
  dashed?: boolean;
}

export interface ChartPanel {
  title: string;
  unit: string;
  series: ChartSeries[];
}

const COLOURS = ['#000000', '#1f77b4', '#17becf', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const PANEL = { width: 460, height: 340, left: 58, right: 16, top: 40, bottom: 46 };
const LEGEND_WIDTH = 220;

export function renderChart(
  capacitiesKw: readonly number[],
  panels: readonly ChartPanel[],
  caption: string,
): string {
  const width = panels.length * PANEL.width + LEGEND_WIDTH;
  const height = PANEL.height + 30;
  const body = panels.map((panel, p) => renderPanel(capacitiesKw, panel, p * PANEL.width)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    body,
    renderLegend(panels[0]?.series ?? [], panels.length * PANEL.width + 10),
    `<text x="10" y="${height - 8}" fill="#555555">${escapeXml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** A round step giving about five ticks over the range. */
function tickStep(range: number): number {
  const rough = range / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough;
}

function renderPanel(capacitiesKw: readonly number[], panel: ChartPanel, offsetX: number): string {
  const plotWidth = PANEL.width - PANEL.left - PANEL.right;
  const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
  const values = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
  const xMin = Math.min(...capacitiesKw);
  const xMax = Math.max(...capacitiesKw);
  const yStep = tickStep(Math.max(1e-9, Math.max(...values) - Math.min(...values)));
  const yMin = Math.floor(Math.min(...values) / yStep) * yStep;
  const yMax = Math.ceil(Math.max(...values) / yStep) * yStep || yMin + yStep;
  const x = (kw: number) =>
    round1(offsetX + PANEL.left + ((kw - xMin) / Math.max(1e-9, xMax - xMin)) * plotWidth);
  const y = (v: number) =>
    round1(PANEL.top + plotHeight - ((v - yMin) / Math.max(1e-9, yMax - yMin)) * plotHeight);
  const parts = [
    `<text x="${offsetX + PANEL.left}" y="22" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`,
  ];
  for (let v = yMin; v <= yMax + yStep / 2; v += yStep) {
    parts.push(
      `<line x1="${x(xMin)}" x2="${x(xMax)}" y1="${y(v)}" y2="${y(v)}" stroke="#e0e0e0"/>`,
      `<text x="${x(xMin) - 6}" y="${y(v) + 4}" text-anchor="end">${round(v)}</text>`,
    );
  }
  for (const kw of capacitiesKw) {
    parts.push(
      `<line x1="${x(kw)}" x2="${x(kw)}" y1="${y(yMin)}" y2="${y(yMin) + 4}" stroke="#333333"/>`,
      `<text x="${x(kw)}" y="${y(yMin) + 18}" text-anchor="middle">${kw}</text>`,
    );
  }
  parts.push(
    `<text x="${offsetX + PANEL.left + plotWidth / 2}" y="${PANEL.height - 6}" text-anchor="middle">transformer capacity (kW)</text>`,
    `<text transform="translate(${offsetX + 14} ${PANEL.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.unit)}</text>`,
    `<rect x="${x(xMin)}" y="${y(yMax)}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333333"/>`,
  );
  panel.series.forEach((s) => {
    const colour = COLOURS[s.colour % COLOURS.length];
    const points = s.values.map((v, i) => `${x(capacitiesKw[i])},${y(v)}`);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`,
      ...s.values.map((v, i) => `<circle cx="${x(capacitiesKw[i])}" cy="${y(v)}" r="3" fill="${colour}"/>`),
    );
  });
  return parts.join('\n');
}

function renderLegend(series: readonly ChartSeries[], left: number): string {
  return series
    .map((s, k) => {
      const top = PANEL.top + 10 + k * 22;
      const colour = COLOURS[s.colour % COLOURS.length];
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      return [
        `<line x1="${left}" x2="${left + 26}" y1="${top}" y2="${top}" stroke="${colour}" stroke-width="2"${dash}/>`,
        `<text x="${left + 32}" y="${top + 4}">${escapeXml(s.name)}</text>`,
      ].join('\n');
    })
    .join('\n');
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function round(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
