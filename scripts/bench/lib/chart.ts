/**
 * A small SVG line chart, written by hand (no charting dependency): x on a log or linear scale,
 * y linear from 0, one polyline with dots per series, a legend. Enough for "time to deploy vs
 * fleet size" in docs/BENCHMARKS.md.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  color: string;
  points: Point[];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  width?: number;
  height?: number;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2, 5 × 10^k steps giving about `target` ticks from 0 to at least max. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function label(n: number): string {
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return Number.isInteger(n) ? String(n) : n.toPrecision(2);
}

export function renderLineChart(spec: ChartSpec): string {
  const width = spec.width ?? 680;
  const height = spec.height ?? 380;
  const m = { left: 64, right: 200, top: 40, bottom: 52 }; // right: room for the legend's labels
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const points = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const yTicks = niceTicks(Math.max(0, ...points.map((p) => p.y)));
  const yMax = yTicks[yTicks.length - 1] || 1;
  const logX = (spec.logX ?? true) && xs.every((x) => x > 0);
  const xMin = xs[0] ?? 0;
  const xMax = xs[xs.length - 1] ?? 1;
  const fx = (x: number): number => {
    if (xs.length < 2 || xMax === xMin) return m.left + plotW / 2;
    const t = logX ? (Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) : (x - xMin) / (xMax - xMin);
    return m.left + t * plotW;
  };
  const fy = (y: number): number => m.top + plotH - (y / yMax) * plotH;
  const r = (n: number) => n.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${m.left}" y1="${r(fy(t))}" x2="${m.left + plotW}" y2="${r(fy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${r(fy(t) + 4)}" text-anchor="end">${label(t)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${r(fx(x))}" y1="${m.top}" x2="${r(fx(x))}" y2="${m.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${r(fx(x))}" y="${m.top + plotH + 18}" text-anchor="middle">${label(x)}</text>`);
  }
  out.push(`<line x1="${m.left}" y1="${m.top + plotH}" x2="${m.left + plotW}" y2="${m.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + plotH}" stroke="#333"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}${logX ? ' (log scale)' : ''}</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map((p) => `${r(fx(p.x))},${r(fy(p.y))}`).join(' ')}"/>`);
    }
    for (const p of pts) {
      out.push(`<circle cx="${r(fx(p.x))}" cy="${r(fy(p.y))}" r="3.5" fill="${s.color}"><title>${escapeXml(`${s.name}: ${label(p.x)} → ${p.y.toFixed(2)}`)}</title></circle>`);
    }
    const ly = m.top + 10 + i * 20;
    out.push(`<line x1="${m.left + plotW + 14}" y1="${ly}" x2="${m.left + plotW + 38}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${m.left + plotW + 44}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
