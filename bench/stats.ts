// The statistics of the benchmark report: medians with distribution-free
// 95 % intervals, VIMAGE/baseline ratios with intervals, and whether a
// target is met, missed or undecided.  No distribution is assumed:
//
// - The median of n rounds: the interval between two order statistics,
//   X(l) and X(n+1-l), with l the largest rank whose coverage
//   P(l <= B <= n-l), B ~ Binomial(n, 1/2), is at least 95 %.  Below six
//   rounds even [min, max] covers less than 95 % (1 - 2^(1-n)): the
//   interval is then [min, max] with its own, lower confidence, and it
//   decides nothing.
// - The ratio, where both builds ran in the same rounds (alternating A/B,
//   back to back): the ratio of each round, and the order-statistic
//   interval of their median.  Where they did not (a figure measured on one
//   build only, taken against another figure's baseline): a percentile
//   bootstrap of the ratio of the medians, with a seeded generator so that
//   the same samples give the same interval.

export const LEVEL = 0.95;
export const BOOT_RESAMPLES = 10000;
export const BOOT_SEED = 1;

/** Ranks (1-based) of the order statistics bounding the median, and the
 *  probability that [X(lo), X(hi)] covers the true median. */
export interface ranks {
  lo: number;
  hi: number;
  coverage: number;
}

/** log of C(n, k) for k = 0..n. */
function log_binom_row(n: number): number[] {
  const row = [0];
  for (let k = 1; k <= n; k++) row.push(row[k - 1] + Math.log((n - k + 1) / k));
  return row;
}

/** P(B <= k) for B ~ Binomial(n, 1/2), for k = 0..n. */
export function binom_half_cdf(n: number): number[] {
  const row = log_binom_row(n);
  const out: number[] = [];
  let s = 0;
  for (let k = 0; k <= n; k++) {
    s += Math.exp(row[k] - n * Math.LN2);
    out.push(Math.min(1, s));
  }
  return out;
}

/** The ranks of the distribution-free interval for the median of n
 *  samples (null for n = 0).  When no interval reaches `level` the widest
 *  one, [1, n], is returned with its lower coverage. */
export function median_ranks(n: number, level = LEVEL): ranks | null {
  if (!(n >= 1) || !Number.isInteger(n)) return null;
  const cdf = binom_half_cdf(n);
  // Coverage of [X(l), X(n+1-l)]: 1 - 2 P(B <= l-1).
  const cov = (l: number) => Math.max(0, 1 - 2 * cdf[l - 1]);
  let best = 1;
  for (let l = 2; l <= (n + 1) >> 1; l++) if (cov(l) >= level) best = l;
  return { lo: best, hi: n + 1 - best, coverage: cov(best) };
}

/** An estimate with its interval.  `na` says why there is none. */
export interface estimate {
  n: number;
  point: number;
  lo: number;
  hi: number;
  /** Probability that the interval covers the true value (the bootstrap's
   *  nominal level). */
  level: number;
  method: "median" | "paired" | "bootstrap" | "none";
  na: string | null;
}

const NA = (na: string, n = 0): estimate => ({ n, point: NaN, lo: NaN, hi: NaN, level: 0, method: "none", na });

export function finite(xs: readonly number[]): number[] {
  return xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  const s = finite(xs);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The median of the samples with its order-statistic interval. */
export function median_ci(xs: readonly number[], level = LEVEL): estimate {
  const s = finite(xs);
  const r = median_ranks(s.length, level);
  if (r === null) return NA("no rounds");
  return { n: s.length, point: median(s), lo: s[r.lo - 1], hi: s[r.hi - 1], level: r.coverage, method: "median", na: null };
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resample_median(s: readonly number[], u: () => number, buf: number[]): number {
  for (let i = 0; i < s.length; i++) buf[i] = s[Math.floor(u() * s.length)];
  buf.length = s.length;
  return median(buf);
}

/** Percentile bootstrap of median(v) / median(b): resample each set with
 *  replacement, `resamples` times, from the seeded generator. */
export function ratio_bootstrap(v: readonly number[], b: readonly number[], seed = BOOT_SEED, resamples = BOOT_RESAMPLES, level = LEVEL): estimate {
  const sv = finite(v);
  const sb = finite(b);
  if (sv.length === 0 || sb.length === 0) return NA(sv.length === 0 ? "no VIMAGE rounds" : "no baseline rounds");
  const mb = median(sb);
  if (mb === 0) return NA("baseline median is 0", Math.min(sv.length, sb.length));
  const u = rng(seed);
  const rs: number[] = [];
  const bv: number[] = [];
  const bb: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const d = resample_median(sb, u, bb);
    const n = resample_median(sv, u, bv);
    if (d !== 0) rs.push(n / d);
  }
  rs.sort((x, y) => x - y);
  const q = (p: number) => rs[Math.min(rs.length - 1, Math.max(0, Math.floor(p * rs.length)))];
  const a = (1 - level) / 2;
  return { n: Math.min(sv.length, sb.length), point: median(sv) / mb, lo: q(a), hi: q(1 - a), level, method: "bootstrap", na: null };
}

/** The ratio of each round (v[i] / b[i], the two builds run back to back),
 *  and the order-statistic interval of their median. */
export function ratio_paired(v: readonly number[], b: readonly number[], level = LEVEL): estimate {
  const rs: number[] = [];
  for (let i = 0; i < Math.min(v.length, b.length); i++) {
    if (Number.isFinite(v[i]) && Number.isFinite(b[i]) && b[i] !== 0) rs.push(v[i] / b[i]);
  }
  if (rs.length === 0) return NA(v.length === 0 ? "no VIMAGE rounds" : b.length === 0 ? "no baseline rounds" : "baseline rounds are 0");
  const e = median_ci(rs, level);
  return { ...e, method: "paired" };
}

export type verdict = "met" | "missed" | "undecided";

export interface decision {
  verdict: verdict;
  /** Why it is undecided (empty otherwise). */
  why: string;
}

/** A target: the value must be at most, at least, or within. */
export type goal = { op: "<="; value: number } | { op: ">="; value: number } | { op: "within"; lo: number; hi: number };

/** Met or missed only when the interval lies wholly on one side of the
 *  target; undecided when it straddles it, or when there is no interval of
 *  the required confidence. */
export function decide(e: estimate, g: goal, level = LEVEL): decision {
  if (e.na !== null) return { verdict: "undecided", why: e.na };
  if (!(e.level >= level - 1e-12) || !Number.isFinite(e.lo) || !Number.isFinite(e.hi)) {
    return { verdict: "undecided", why: `${e.n} round${e.n === 1 ? "" : "s"}: too few for a ${Math.round(level * 100)} % interval` };
  }
  const [lo, hi] = g.op === "<=" ? [-Infinity, g.value] : g.op === ">=" ? [g.value, Infinity] : [g.lo, g.hi];
  if (e.lo >= lo && e.hi <= hi) return { verdict: "met", why: "" };
  if (e.hi < lo || e.lo > hi) return { verdict: "missed", why: "" };
  return { verdict: "undecided", why: "the interval contains the target's bound" };
}

/** Several figures under one target: met when every one is met, missed
 *  when any is missed, else undecided. */
export function decide_all(ds: decision[]): decision {
  if (ds.length === 0) return { verdict: "undecided", why: "nothing measured" };
  if (ds.some((d) => d.verdict === "missed")) return { verdict: "missed", why: "" };
  if (ds.every((d) => d.verdict === "met")) return { verdict: "met", why: "" };
  const u = ds.filter((d) => d.verdict === "undecided");
  return { verdict: "undecided", why: `${u.length} of ${ds.length} figures undecided: ${[...new Set(u.map((d) => d.why))].join("; ")}` };
}

/** Scale an estimate (a unit change, e.g. ns to us). */
export function scaled(e: estimate, k: number): estimate {
  return { ...e, point: e.point * k, lo: e.lo * k, hi: e.hi * k };
}
