// Hand-written SVG plots for the benchmark report: line plots (linear or
// logarithmic axes, interval bars, dashed target curves, published
// reference points) and grouped bar charts (interval whiskers, a published
// reference marker per group, a horizontal line).  No dependency: the
// output is a string of SVG 1.1.  Non-finite numbers are left out, never
// written.

export interface point {
  x: number;
  y: number;
  ymin?: number;
  ymax?: number;
}

export interface series {
  name: string;
  points: point[];
  dashed?: boolean;
  /** A published reference (e.g. Zec 2003): dotted, diamond markers. */
  ref?: boolean;
}

export interface line_opts {
  title: string;
  xlabel: string;
  ylabel: string;
  xlog?: boolean;
  ylog?: boolean;
  /** Labels for x ticks (default: the x values of the points). */
  xticks?: { x: number; label: string }[];
  ymin0?: boolean;
  /** A line under the title (what the bars are, how many rounds). */
  note?: string;
  width?: number;
  height?: number;
}

const REF_COLOR = "#444444";
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A number for an axis label: 1.5k, 2M, 0.25. */
export function short(v: number): string {
  const a = Math.abs(v);
  const f = (x: number, u: string) => `${Number(x.toPrecision(3))}${u}`;
  if (a >= 1e9) return f(v / 1e9, "G");
  if (a >= 1e6) return f(v / 1e6, "M");
  if (a >= 1e3) return f(v / 1e3, "k");
  if (a === 0) return "0";
  return f(v, "");
}

function nice_ticks(lo: number, hi: number, n: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function log_ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

export function line_plot(all: series[], o: line_opts): string {
  const W = o.width ?? 720;
  const H = o.height ?? 440;
  const ml = 78;
  const mr = 20;
  const mt = o.note !== undefined ? 50 : 40;
  const mb = 100;
  const pw = W - ml - mr;
  const ph = H - mt - mb;
  const pts = all.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x));
  if (pts.length === 0) return empty_plot(o.title, W, H);
  let x0 = Math.min(...pts.map((p) => p.x));
  let x1 = Math.max(...pts.map((p) => p.x));
  let y0 = Math.min(...pts.map((p) => p.ymin ?? p.y));
  let y1 = Math.max(...pts.map((p) => p.ymax ?? p.y));
  if (o.xlog === true) {
    x0 = Math.max(x0, 1e-9);
  } else if (x0 === x1) {
    x0 -= 1;
    x1 += 1;
  }
  if (o.ylog === true) {
    y0 = Math.max(y0 * 0.8, 1e-9);
    y1 = y1 * 1.25;
  } else {
    if (o.ymin0 !== false) y0 = Math.min(0, y0);
    const pad = (y1 - y0) * 0.08 || Math.abs(y1) * 0.1 || 1;
    y1 += pad;
    if (y0 < 0 || o.ymin0 === false) y0 -= pad;
  }
  // Points at the ends stay clear of the frame.
  const xp = pw * 0.04;
  const fx = (x: number) => {
    if (o.xlog === true) return ml + xp + (x1 === x0 ? (pw - 2 * xp) / 2 : ((Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0))) * (pw - 2 * xp));
    return ml + xp + ((x - x0) / (x1 - x0)) * (pw - 2 * xp);
  };
  const fy = (y: number) => {
    if (o.ylog === true) return mt + ph - ((Math.log(y) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))) * ph;
    return mt + ph - ((y - y0) / (y1 - y0)) * ph;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" ${FONT} font-size="16" font-weight="bold">${esc(o.title)}</text>`);
  if (o.note !== undefined) out.push(`<text x="${W / 2}" y="38" text-anchor="middle" ${FONT} font-size="11" fill="#555">${esc(o.note)}</text>`);
  // Grid and y ticks.
  const yt = o.ylog === true ? log_ticks(y0, y1) : nice_ticks(y0, y1, 6);
  for (const t of yt) {
    const y = fy(t);
    out.push(`<line x1="${ml}" y1="${y.toFixed(1)}" x2="${ml + pw}" y2="${y.toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${ml - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" ${FONT} font-size="12">${esc(short(t))}</text>`);
  }
  const xt = o.xticks ?? [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b).map((x) => ({ x, label: short(x) }));
  for (const t of xt) {
    const x = fx(t.x);
    out.push(`<line x1="${x.toFixed(1)}" y1="${mt}" x2="${x.toFixed(1)}" y2="${mt + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${mt + ph + 18}" text-anchor="middle" ${FONT} font-size="12">${esc(t.label)}</text>`);
  }
  out.push(`<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${ml + pw / 2}" y="${mt + ph + 40}" text-anchor="middle" ${FONT} font-size="13">${esc(o.xlabel)}</text>`);
  out.push(`<text transform="translate(18 ${mt + ph / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="13">${esc(o.ylabel)}</text>`);
  // Series.
  const colors = series_colors(all);
  all.forEach((s, i) => {
    const c = colors[i];
    const ps = s.points.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x)).sort((a, b) => a.x - b.x);
    if (ps.length === 0) return;
    const d = ps.map((p, j) => `${j === 0 ? "M" : "L"}${fx(p.x).toFixed(1)},${fy(p.y).toFixed(1)}`).join(" ");
    const dash = s.ref === true ? ' stroke-dasharray="2,3"' : s.dashed === true ? ' stroke-dasharray="6,4"' : "";
    out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="${s.ref === true ? 1.5 : 2}"${dash}/>`);
    if (s.ref === true) {
      for (const p of ps) out.push(diamond(fx(p.x), fy(p.y), c));
      return;
    }
    for (const p of ps) {
      const x = fx(p.x);
      if (p.ymin !== undefined && p.ymax !== undefined && Number.isFinite(p.ymin) && Number.isFinite(p.ymax)) {
        const a = fy(p.ymin);
        const b = fy(p.ymax);
        out.push(`<line x1="${x.toFixed(1)}" y1="${a.toFixed(1)}" x2="${x.toFixed(1)}" y2="${b.toFixed(1)}" stroke="${c}"/>`);
        out.push(`<line x1="${(x - 4).toFixed(1)}" y1="${a.toFixed(1)}" x2="${(x + 4).toFixed(1)}" y2="${a.toFixed(1)}" stroke="${c}"/>`);
        out.push(`<line x1="${(x - 4).toFixed(1)}" y1="${b.toFixed(1)}" x2="${(x + 4).toFixed(1)}" y2="${b.toFixed(1)}" stroke="${c}"/>`);
      }
      if (s.dashed !== true) out.push(`<circle cx="${x.toFixed(1)}" cy="${fy(p.y).toFixed(1)}" r="3.5" fill="${c}"/>`);
    }
  });
  legend(
    out,
    all.map((s, i) => ({ name: s.name, color: colors[i], style: s.ref === true ? "ref" : s.dashed === true ? "dashed" : "solid" })),
    ml,
    mt + ph + 58,
    pw,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** Colours: the measured series in turn, references in one dark grey. */
function series_colors(all: series[]): string[] {
  let i = 0;
  return all.map((s) => (s.ref === true ? REF_COLOR : COLORS[i++ % COLORS.length]));
}

function diamond(x: number, y: number, c: string): string {
  const r = 5;
  return `<path d="M${x.toFixed(1)},${(y - r).toFixed(1)} L${(x + r).toFixed(1)},${y.toFixed(1)} L${x.toFixed(1)},${(y + r).toFixed(1)} L${(x - r).toFixed(1)},${y.toFixed(1)} Z" fill="white" stroke="${c}" stroke-width="1.5"/>`;
}

interface legend_item {
  name: string;
  color: string;
  style: "solid" | "dashed" | "ref" | "bar";
}

function legend(out: string[], items: legend_item[], x0: number, y0: number, width: number): void {
  let x = x0;
  let y = y0;
  for (const it of items) {
    const w = 48 + it.name.length * 6.6;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      y += 18;
    }
    if (it.style === "bar") out.push(`<rect x="${x}" y="${y - 10}" width="24" height="10" fill="${it.color}"/>`);
    else out.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${it.color}" stroke-width="${it.style === "ref" ? 1.5 : 3}"${it.style === "ref" ? ' stroke-dasharray="2,3"' : it.style === "dashed" ? ' stroke-dasharray="6,4"' : ""}/>`);
    if (it.style === "ref") out.push(diamond(x + 12, y - 4, it.color));
    out.push(`<text x="${x + 30}" y="${y}" ${FONT} font-size="12">${esc(it.name)}</text>`);
    x += w;
  }
}

function empty_plot(title: string, W: number, H: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="${H / 2}" text-anchor="middle" ${FONT} font-size="16">${esc(title)}: no data</text></svg>\n`;
}

export interface bar_group {
  label: string;
  /** One value per series (NaN: absent). */
  values: { y: number; ymin?: number; ymax?: number }[];
  /** A published value for this group, drawn as a marker across it. */
  ref?: number;
}

export interface bar_opts {
  title: string;
  ylabel: string;
  note?: string;
  /** The legend name of the groups' `ref` markers. */
  ref_label?: string;
  /** A horizontal line across the plot (e.g. parity at 1). */
  hline?: { y: number; label: string };
  width?: number;
  height?: number;
}

export function bar_plot(groups: bar_group[], names: string[], o: bar_opts): string {
  const W = o.width ?? 720;
  const H = o.height ?? 440;
  const ml = 78;
  const mr = 20;
  const mt = o.note !== undefined ? 50 : 40;
  const mb = 110;
  const pw = W - ml - mr;
  const ph = H - mt - mb;
  const vals = groups.flatMap((g) => g.values.flatMap((v) => [v.y, v.ymax ?? v.y])).filter((v) => Number.isFinite(v));
  if (vals.length === 0) return empty_plot(o.title, W, H);
  const refs = groups.map((g) => g.ref).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const top = Math.max(...vals, ...refs, o.hline !== undefined && Number.isFinite(o.hline.y) ? o.hline.y : 0);
  const y1 = top > 0 ? top * 1.1 : 1;
  const fy = (y: number) => mt + ph - (y / y1) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" ${FONT} font-size="16" font-weight="bold">${esc(o.title)}</text>`);
  if (o.note !== undefined) out.push(`<text x="${W / 2}" y="38" text-anchor="middle" ${FONT} font-size="11" fill="#555">${esc(o.note)}</text>`);
  for (const t of nice_ticks(0, y1, 6)) {
    const y = fy(t);
    out.push(`<line x1="${ml}" y1="${y.toFixed(1)}" x2="${ml + pw}" y2="${y.toFixed(1)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${ml - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" ${FONT} font-size="12">${esc(short(t))}</text>`);
  }
  out.push(`<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text transform="translate(18 ${mt + ph / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="13">${esc(o.ylabel)}</text>`);
  const gw = pw / groups.length;
  const bw = (gw * 0.75) / Math.max(1, names.length);
  groups.forEach((g, gi) => {
    const gx = ml + gi * gw + gw * 0.125;
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v.y)) return;
      const c = COLORS[si % COLORS.length];
      const x = gx + si * bw;
      const y = fy(v.y);
      out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(mt + ph - y).toFixed(1)}" fill="${c}"/>`);
      if (v.ymin !== undefined && v.ymax !== undefined && Number.isFinite(v.ymin) && Number.isFinite(v.ymax)) {
        const cx = x + (bw - 2) / 2;
        out.push(`<line x1="${cx.toFixed(1)}" y1="${fy(v.ymin).toFixed(1)}" x2="${cx.toFixed(1)}" y2="${fy(v.ymax).toFixed(1)}" stroke="#222"/>`);
      }
    });
    if (g.ref !== undefined && Number.isFinite(g.ref) && g.ref >= 0) {
      const y = fy(g.ref);
      const x0 = ml + gi * gw + gw * 0.08;
      const x1 = ml + (gi + 1) * gw - gw * 0.08;
      out.push(`<line x1="${x0.toFixed(1)}" y1="${y.toFixed(1)}" x2="${x1.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${REF_COLOR}" stroke-width="1.5" stroke-dasharray="2,3"/>`);
      out.push(diamond((x0 + x1) / 2, y, REF_COLOR));
    }
    const lx = ml + gi * gw + gw / 2;
    // Slanted down to the left, ending under the group: long names stay inside.
    out.push(`<text transform="translate(${(lx + 8).toFixed(1)} ${mt + ph + 16}) rotate(-20)" text-anchor="end" ${FONT} font-size="12">${esc(g.label)}</text>`);
  });
  if (o.hline !== undefined && Number.isFinite(o.hline.y)) {
    const y = fy(o.hline.y);
    out.push(`<line x1="${ml}" y1="${y.toFixed(1)}" x2="${ml + pw}" y2="${y.toFixed(1)}" stroke="#999" stroke-dasharray="6,4"/>`);
  }
  const items: legend_item[] = names.map((name, i) => ({ name, color: COLORS[i % COLORS.length], style: "bar" }));
  if (o.hline !== undefined) items.push({ name: o.hline.label, color: "#999", style: "dashed" });
  if (refs.length > 0) items.push({ name: o.ref_label ?? "reference", color: REF_COLOR, style: "ref" });
  legend(out, items, ml, mt + ph + 80, pw);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
