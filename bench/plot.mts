// The latency distribution of each server as an SVG percentile plot: x is the percentile on a
// scale that spreads the tail (50%, 90%, 99%, 99.9%, ...), y is the latency in ms. No dependency.

export interface Distribution {
  name: string;
  /** Latency in ms at each percentile (0-100). */
  percentiles: { p: number; ms: number }[];
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 16, top: 36, bottom: 88 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
/** Where the x axis ends: the 99.99th percentile. The maximum, one request, is left out. */
const LAST_NINES = 4;

/** 50% -> 0.3, 90% -> 1, 99% -> 2, 99.9% -> 3: the number of nines, as HdrHistogram plots it. */
const nines = (p: number): number =>
  Math.min(LAST_NINES, -Math.log10(Math.max(1 - p / 100, 10 ** -LAST_NINES)));

const escape = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A "nice" upper bound for the y axis and its tick step. */
function yScale(max: number): { top: number; step: number } {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  return { top: Math.ceil(max / step) * step, step };
}

export function percentilePlot(title: string, series: readonly Distribution[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const drawn = series.map((s) => ({ ...s, percentiles: s.percentiles.filter((point) => point.p < 100) }));
  const max = Math.max(1, ...drawn.flatMap((s) => s.percentiles.map((point) => point.ms)));
  const { top, step } = yScale(max);
  const x = (p: number): number => MARGIN.left + (nines(p) / LAST_NINES) * plotWidth;
  const y = (ms: number): number => MARGIN.top + plotHeight - (ms / top) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  for (let ms = 0; ms <= top + step / 2; ms += step) {
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(ms) + 4}" text-anchor="end">${Number(ms.toFixed(2))}</text>`,
    );
  }
  for (const p of [0, 90, 99, 99.9, 99.99]) {
    const label = p === 0 ? '0%' : `${p}%`;
    parts.push(
      `<line x1="${x(p)}" x2="${x(p)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#ddd"/>`,
      `<text x="${x(p)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle">${label}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 34}" text-anchor="middle">percentile</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`,
  );
  drawn.forEach((s, index) => {
    const color = COLORS[index % COLORS.length];
    const points = [...s.percentiles]
      .sort((a, b) => a.p - b.p)
      .map((point) => `${x(point.p).toFixed(1)},${y(point.ms).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const legendY = HEIGHT - MARGIN.bottom + 52 + Math.floor(index / 2) * 16;
    const legendX = MARGIN.left + (index % 2) * (plotWidth / 2);
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${legendX + 24}" y="${legendY}">${escape(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
