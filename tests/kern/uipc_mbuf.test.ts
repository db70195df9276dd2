// Property tests of the mbuf allocator (kern/kern_mbuf.ts) and of every mbuf
// chain operation (kern/uipc_mbuf.ts) against a plain byte-array model, on
// both builds.  Random chains mix plain, header and cluster mbufs with random
// data offsets, lengths and bytes, and clusters shared with other chains (made
// by m_copym, so their reference count is above one).  Each property checks
// the bytes an operation leaves, the packet header, and the side effects
// FreeBSD's contract promises: who frees the chain on failure, what is shared
// and what is copied, which mbufs are reused.  Every run frees what it made
// and checks that no mbuf or cluster is left outstanding.
import test from "ava";
import type { ExecutionContext } from "ava";
import fc from "fast-check";
import { loadKernel, BOTH, type Kernel } from "../helpers/builds.ts";

type Mbuf = InstanceType<Kernel["mbuf"]>;

// FreeBSD's sizes (checked against the kernel by the first test); the
// generators need them before a kernel is loaded.
const MLEN = 224;
const MHLEN = 168;
const MINCLSIZE = MHLEN + 1;
const MCLBYTES = 2048;
const M_EXT = 0x1;
const M_PKTHDR = 0x2;
const M_RDONLY = 0x8;

const FLOWID = 0x1234;
const IFP = { if_index: 5, if_xname: "vtnet0" };

// Each test boots its own kernel (a few milliseconds), so that a failing
// test, which may leave mbufs behind, cannot fail the ones after it.

/** fast-check parameters: fixed seed; stop at the first failure rather than
 *  shrink, since a failed run may leave mbufs behind that would make every
 *  shrink attempt fail too. */
function runs<T>(numRuns: number): fc.Parameters<T> {
  return { seed: 42, numRuns, endOnFailure: true };
}

// ---------------------------------------------------------------------------
// Checks that throw (inside properties) with a message saying what differed.

function check(cond: boolean, msg: string | (() => string)): asserts cond {
  if (!cond) throw new Error(typeof msg === "string" ? msg : msg());
}

function must<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`${what}: unexpected null`);
  return v;
}

function checkBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, model ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new Error(`${what}: byte ${i} is ${actual[i]}, model ${expected[i]}`);
  }
}

function checkZero(k: Kernel, what: string): void {
  const o = k.mbuf_outstanding();
  check(o.mbufs === 0 && o.clusters === 0, () => `${what}: outstanding ${JSON.stringify(o)}`);
}

// ---------------------------------------------------------------------------
// Chains and their model.

function randomBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function chainList(m: Mbuf | null): Mbuf[] {
  const out: Mbuf[] = [];
  for (let x = m; x !== null; x = x.m_next) out.push(x);
  return out;
}

/** The packet's bytes, read by walking m_next. */
function chainBytes(m: Mbuf | null): Uint8Array {
  return concat(...chainList(m).map((x) => x.m_buf.subarray(x.m_data, x.m_data + x.m_len)));
}

function isExt(m: Mbuf): boolean {
  return (m.m_flags & M_EXT) !== 0;
}

/** Bytes (walked and through m_copydata), m_length, and m_sanity, which
 *  checks m_data/m_len against the buffer, M_PKTHDR only on the head and
 *  pkthdr.len against the chain when there is a header. */
function checkChain(k: Kernel, m: Mbuf | null, model: Uint8Array, what: string): void {
  checkBytes(chainBytes(m), model, `${what} (walk)`);
  const cd = new Uint8Array(model.length);
  k.m_copydata(m, 0, model.length, cd);
  checkBytes(cd, model, `${what} (m_copydata)`);
  check(k.m_length(m) === model.length, `${what}: m_length ${k.m_length(m)} != ${model.length}`);
  if (m !== null) {
    const bad = k.m_sanity(m);
    check(bad === null, `${what}: m_sanity: ${bad}`);
  }
}

type SegKind = "plain" | "cluster" | "shared";
interface SegSpec {
  kind: SegKind;
  len: number;
  lead: number;
  seed: number;
  /** Extra references to a shared cluster, held outside the chain. */
  refs: number;
  /** Whether the chain gets one of the m_copym copies (a mbuf that does not
   *  own the reference count) rather than the cluster's owner. */
  chainGetsCopy: boolean;
}
interface ChainSpec {
  pkthdr: boolean;
  segs: SegSpec[];
}

const segRaw = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant<SegKind>("plain"), weight: 3 },
    { arbitrary: fc.constant<SegKind>("cluster"), weight: 2 },
    { arbitrary: fc.constant<SegKind>("shared"), weight: 2 },
  ),
  lenSel: fc.oneof({ arbitrary: fc.constant(-1), weight: 1 }, { arbitrary: fc.nat({ max: MCLBYTES }), weight: 3 }, { arbitrary: fc.nat({ max: 16 }), weight: 2 }),
  leadSel: fc.oneof(fc.constant(-1), fc.constant(0), fc.nat({ max: MCLBYTES })),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  refs: fc.integer({ min: 1, max: 2 }),
  chainGetsCopy: fc.boolean(),
});

/** Random chains; lengths and data offsets are fitted to each mbuf's room. */
function chainArb(opts: { pkthdr?: boolean; maxSegs?: number } = {}): fc.Arbitrary<ChainSpec> {
  return fc
    .record({
      pkthdr: opts.pkthdr === undefined ? fc.boolean() : fc.constant(opts.pkthdr),
      segs: fc.array(segRaw, { minLength: 1, maxLength: opts.maxSegs ?? 5 }),
    })
    .map(({ pkthdr, segs }) => ({
      pkthdr,
      segs: segs.map((s, i) => {
        const size = s.kind === "plain" ? (pkthdr && i === 0 ? MHLEN : MLEN) : MCLBYTES;
        const len = s.lenSel < 0 ? size : s.lenSel % (size + 1);
        const room = size - len;
        const lead = s.leadSel < 0 ? room : s.leadSel % (room + 1);
        return { kind: s.kind, len, lead, seed: s.seed, refs: s.refs, chainGetsCopy: s.chainGetsCopy };
      }),
    }));
}

interface Built {
  m: Mbuf;
  model: Uint8Array;
  /** Other references to the chain's shared clusters; freed by the test. */
  holders: Mbuf[];
}

function build(k: Kernel, spec: ChainSpec): Built {
  const holders: Mbuf[] = [];
  const parts: Uint8Array[] = [];
  let head: Mbuf | null = null;
  let tail: Mbuf | null = null;
  for (let i = 0; i < spec.segs.length; i++) {
    const s = spec.segs[i];
    const hdr = spec.pkthdr && i === 0;
    let m =
      s.kind === "plain"
        ? must(hdr ? k.m_gethdr(k.M_NOWAIT, k.MT_DATA) : k.m_get(k.M_NOWAIT, k.MT_DATA), "m_get")
        : must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, hdr ? k.M_PKTHDR : 0), "m_getcl");
    check(m.m_data === k.M_START(m), "fresh mbuf: m_data is not M_START");
    m.m_data += s.lead;
    m.m_len = s.len;
    const bytes = randomBytes(s.seed, s.len);
    m.m_buf.set(bytes, m.m_data);
    parts.push(bytes);
    if (s.kind === "shared") {
      if (hdr) m.m_pkthdr.len = s.len;
      const copies: Mbuf[] = [];
      for (let r = 0; r < s.refs; r++) copies.push(must(k.m_copym(m, 0, k.M_COPYALL, k.M_NOWAIT), "m_copym"));
      if (s.chainGetsCopy) {
        holders.push(m);
        m = copies[0];
        holders.push(...copies.slice(1));
      } else {
        holders.push(...copies);
      }
    }
    if (tail === null) head = m;
    else tail.m_next = m;
    tail = m;
  }
  const m = must(head, "build");
  const model = concat(...parts);
  if (spec.pkthdr) {
    m.m_pkthdr.len = model.length;
    m.m_pkthdr.flowid = FLOWID;
    m.m_pkthdr.rcvif = IFP;
  }
  return { m, model, holders };
}

function freeAll(k: Kernel, ...chains: (Mbuf | null)[]): void {
  for (const c of chains) k.m_freem(c);
}

/** m_copym's walk: which source mbuf each copy mbuf comes from, at which
 *  offset, and how many bytes it holds. */
function copymPlan(lens: number[], off0: number, len0: number, copyall: number): { src: number; off: number; len: number }[] {
  let off = off0;
  let i = 0;
  while (off > 0 && i < lens.length) {
    if (off < lens[i]) break;
    off -= lens[i];
    i++;
  }
  const out: { src: number; off: number; len: number }[] = [];
  let len = len0;
  while (len > 0 && i < lens.length) {
    const n = Math.min(len, lens[i] - off);
    out.push({ src: i, off, len: n });
    if (len !== copyall) len -= n;
    off = 0;
    i++;
  }
  return out;
}

/** m_dup's output: a cluster while MINCLSIZE bytes remain, else a plain
 *  mbuf (MHLEN for the header one), each filled as far as it goes. */
function dupPlan(total: number): { cl: boolean; len: number; size: number }[] {
  const out: { cl: boolean; len: number; size: number }[] = [];
  let remain = total;
  while (remain > 0 || out.length === 0) {
    const cl = remain >= MINCLSIZE;
    const size = cl ? MCLBYTES : out.length === 0 ? MHLEN : MLEN;
    const len = Math.min(size, remain);
    out.push({ cl, len, size });
    remain -= len;
  }
  return out;
}

/** m_dup panics (KASSERT "bogus m_pkthdr.len", as FreeBSD with INVARIANTS)
 *  when its last mbuf fills exactly while empty mbufs still trail the data. */
function dupWouldAssert(m: Mbuf): boolean {
  const lens = chainList(m).map((x) => x.m_len);
  let lastData = -1;
  lens.forEach((l, i) => {
    if (l > 0) lastData = i;
  });
  const total = lens.reduce((a, b) => a + b, 0);
  const plan = dupPlan(total);
  const last = plan[plan.length - 1];
  return lastData < lens.length - 1 && total > 0 && last.len === last.size;
}

function withoutTrailingEmpty(spec: ChainSpec): ChainSpec {
  const segs = spec.segs.slice();
  while (segs.length > 1 && segs[segs.length - 1].len === 0) segs.pop();
  return { pkthdr: spec.pkthdr, segs };
}

function snapshot(m: Mbuf | null): string {
  return chainList(m)
    .map((x) => `${x.m_data}/${x.m_len}/${x.m_flags}`)
    .join(",");
}

// ---------------------------------------------------------------------------
// The tests.  Each runs on both builds, in a kernel of its own.

type Case = [name: string, body: (t: ExecutionContext, k: Kernel) => void];
const cases: Case[] = [];

cases.push([
  "sizes, flags and zone accounting are FreeBSD's",
  (t, k) => {
    t.is(k.MSIZE, 256);
    t.is(k.MLEN, MLEN);
    t.is(k.MHLEN, MHLEN);
    t.is(k.MINCLSIZE, MINCLSIZE);
    t.is(k.MCLBYTES, MCLBYTES);
    t.is(k.M_COPYALL, 1000000000);
    t.is(k.M_EXT, M_EXT);
    t.is(k.M_PKTHDR, M_PKTHDR);
    t.is(k.M_RDONLY, M_RDONLY);
    t.is(k.max_protohdr, 28, "UDP grew max_protohdr to sizeof(struct udpiphdr) at boot, as udp_init does");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
    const zones = k.mbuf_zone_stats();
    t.deepEqual(
      zones.map((z) => [z.name, z.size, z.used]),
      [
        ["mbuf", 256, 0],
        ["mbuf_cluster", 2048, 0],
      ],
    );
  },
]);

cases.push([
  "m_get, m_gethdr, m_getcl, m_clget, M_ALIGN and the space macros",
  (t, k) => {
    const kinds = ["get", "gethdr", "getcl", "getclhdr", "get+clget", "gethdr+clget"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.nat({ max: MCLBYTES }), (kind, lenRaw) => {
        const hdr = kind === "gethdr" || kind === "getclhdr" || kind === "gethdr+clget";
        let m: Mbuf;
        if (kind === "getcl" || kind === "getclhdr") m = must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, hdr ? k.M_PKTHDR : 0), "m_getcl");
        else m = must(hdr ? k.m_gethdr(k.M_NOWAIT, k.MT_DATA) : k.m_get(k.M_NOWAIT, k.MT_DATA), "m_get");
        if (kind.endsWith("+clget")) {
          check(!isExt(m), "plain mbuf has M_EXT");
          check(k.m_clget(m, k.M_NOWAIT) === M_EXT, "m_clget did not return M_EXT");
        }
        const ext = kind !== "get" && kind !== "gethdr";
        const size = ext ? MCLBYTES : hdr ? MHLEN : MLEN;
        check(isExt(m) === ext, "M_EXT");
        check(((m.m_flags & M_PKTHDR) !== 0) === hdr, "M_PKTHDR");
        check(m.m_type === k.MT_DATA && m.m_len === 0 && m.m_next === null && m.m_nextpkt === null, "fresh header");
        check(k.M_SIZE(m) === size, `M_SIZE ${k.M_SIZE(m)} != ${size}`);
        check(m.m_data === k.M_START(m), "m_data != M_START");
        check(k.M_START(m) === (ext ? 0 : hdr ? k.PKTHDR_SIZE : 0), "M_START");
        check(k.M_WRITABLE(m), "fresh mbuf not writable");
        if (ext) check(k.m_extrefcnt(m) === 1, "fresh cluster refcount");
        check(k.M_LEADINGSPACE(m) === 0 && k.M_TRAILINGSPACE(m) === size, "space of a fresh mbuf");
        check(m.m_buf.length - m.m_data >= size, "storage smaller than M_SIZE");
        const o = k.mbuf_outstanding();
        check(o.mbufs === 1 && o.clusters === (ext ? 1 : 0), `outstanding ${JSON.stringify(o)}`);
        // M_ALIGN puts len bytes at the end of the buffer, 8-byte aligned.
        const len = lenRaw % (size + 1);
        k.M_ALIGN(m, len);
        const lead = k.M_LEADINGSPACE(m);
        check(lead % 8 === 0 && lead <= size - len && size - len - lead < 8, `M_ALIGN(${len}) lead ${lead} of ${size}`);
        m.m_len = len;
        check(k.M_TRAILINGSPACE(m) === size - len - lead, "M_TRAILINGSPACE after M_ALIGN");
        check(k.m_free(m) === null, "m_free of a lone mbuf returns its m_next");
        checkZero(k, kind);
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "random chains: shared clusters are read-only and counted; m_copydata, m_getptr, m_length, m_fixhdr",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), fc.nat(), fc.nat(), (spec, a, b2, c) => {
        const b = build(k, spec);
        const L = b.model.length;
        checkChain(k, b.m, b.model, "built chain");
        const list = chainList(b.m);
        spec.segs.forEach((s, i) => {
          const m = list[i];
          const size = s.kind === "plain" ? (spec.pkthdr && i === 0 ? MHLEN : MLEN) : MCLBYTES;
          if (s.kind === "shared") {
            check(isExt(m) && !k.M_WRITABLE(m), `seg ${i}: shared cluster is writable`);
            check(k.m_extrefcnt(m) === s.refs + 1, `seg ${i}: refcount ${k.m_extrefcnt(m)} != ${s.refs + 1}`);
            check(k.M_LEADINGSPACE(m) === 0 && k.M_TRAILINGSPACE(m) === 0, `seg ${i}: shared cluster reports space`);
          } else {
            check(k.M_WRITABLE(m), `seg ${i}: not writable`);
            if (s.kind === "cluster") check(k.m_extrefcnt(m) === 1, `seg ${i}: refcount`);
            check(k.M_LEADINGSPACE(m) === s.lead, `seg ${i}: M_LEADINGSPACE ${k.M_LEADINGSPACE(m)} != ${s.lead}`);
            check(k.M_TRAILINGSPACE(m) === size - s.lead - s.len, `seg ${i}: M_TRAILINGSPACE`);
          }
        });
        // m_copydata of a sub-range, into the middle of a buffer.
        const off = a % (L + 1);
        const len = b2 % (L - off + 1);
        const out = new Uint8Array(len + 7).fill(0xa5);
        k.m_copydata(b.m, off, len, out, 3);
        checkBytes(out.subarray(3, 3 + len), b.model.subarray(off, off + len), "m_copydata range");
        check(out[0] === 0xa5 && out[1] === 0xa5 && out[2] === 0xa5 && out[3 + len] === 0xa5, "m_copydata wrote outside its range");
        // m_getptr: the mbuf and offset of byte loc, the end, or null past it.
        const loc = c % (L + 3);
        const p = k.m_getptr(b.m, loc);
        if (loc < L) {
          const q = must(p, `m_getptr(${loc})`);
          check(q.off < q.m.m_len && q.m.m_buf[q.m.m_data + q.off] === b.model[loc], `m_getptr(${loc}) points at the wrong byte`);
          let before = 0;
          for (const x of list) {
            if (x === q.m) break;
            before += x.m_len;
          }
          check(before + q.off === loc, `m_getptr(${loc}): ${before}+${q.off}`);
        } else if (loc === L) {
          const q = must(p, "m_getptr(end)");
          check(q.m.m_next === null && q.off === q.m.m_len, "m_getptr(end) is not the end of the last mbuf");
        } else {
          check(p === null, "m_getptr past the end");
        }
        // m_length's last mbuf; m_fixhdr repairs a wrong pkthdr.len.
        const last: { m: Mbuf | null } = { m: null };
        check(k.m_length(b.m, last) === L && last.m === list[list.length - 1], "m_length last");
        if (spec.pkthdr) {
          b.m.m_pkthdr.len = L + 1;
          check(k.m_sanity(b.m) !== null, "m_sanity missed a wrong pkthdr.len");
          check(k.m_fixhdr(b.m) === L && b.m.m_pkthdr.len === L && k.m_sanity(b.m) === null, "m_fixhdr");
        }
        freeAll(k, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(400),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_free/mb_free_ext: references to a cluster dropped in any order",
  (t, k) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { minLength: 5, maxLength: 5 }), fc.boolean(), fc.nat({ max: MCLBYTES }), (nrefs, keys, hdr, lenRaw) => {
        const c = must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, hdr ? k.M_PKTHDR : 0), "m_getcl");
        c.m_len = lenRaw;
        if (hdr) c.m_pkthdr.len = lenRaw;
        const data = randomBytes(lenRaw + 1, lenRaw);
        c.m_buf.set(data, 0);
        const all: Mbuf[] = [c];
        for (let i = 0; i < nrefs; i++) all.push(must(k.m_copym(c, 0, k.M_COPYALL, k.M_NOWAIT), "m_copym"));
        check(k.m_extrefcnt(c) === nrefs + 1, "refcount after copies");
        const order = all.map((_, i) => i).sort((x, y) => keys[x] - keys[y] || x - y);
        let ownerFreed = false;
        let remaining = all.length;
        for (const i of order) {
          check(k.m_free(all[i]) === null, "m_free returns m_next");
          remaining--;
          if (i === 0) ownerFreed = true;
          const o = k.mbuf_outstanding();
          if (remaining === 0) break;
          // The owner mbuf holds the count: it stays allocated until the
          // last reference goes, as in FreeBSD's mb_free_ext.
          check(o.clusters === 1 && o.mbufs === remaining + (ownerFreed ? 1 : 0), () => `outstanding ${JSON.stringify(o)} with ${remaining} refs`);
          for (const j of order.slice(order.indexOf(i) + 1)) {
            const m = all[j];
            check(k.m_extrefcnt(m) === remaining, `refcount ${k.m_extrefcnt(m)} != ${remaining}`);
            check(k.M_WRITABLE(m) === (remaining === 1), "M_WRITABLE follows the refcount");
            checkBytes(chainBytes(m), data, "shared data after a free");
          }
        }
        checkZero(k, "all references freed");
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_adj trims the head (len > 0) or the tail (len < 0)",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.integer({ min: -3000, max: 3000 }), fc.boolean(), (spec, raw, exact) => {
        const b = build(k, spec);
        const L = b.model.length;
        // Half the time an amount within the chain, where the edges are.
        const req = exact ? (raw < 0 ? -(-raw % (L + 1)) : raw % (L + 1)) : raw;
        const list = chainList(b.m);
        const lens = list.map((x) => x.m_len);
        const datas = list.map((x) => x.m_data);
        k.m_adj(b.m, req);
        const model = req >= 0 ? b.model.slice(Math.min(req, L)) : b.model.slice(0, Math.max(0, L + req));
        checkChain(k, b.m, model, `m_adj(${req})`);
        const after = chainList(b.m);
        if (req >= 0) {
          // Emptied mbufs stay in the chain; the data pointer moves on.
          check(after.length === list.length && after.every((x, i) => x === list[i]), "m_adj(+) changed the mbuf list");
          let cut = req;
          list.forEach((x, i) => {
            const take = Math.min(cut, lens[i]);
            cut -= take;
            check(x.m_len === lens[i] - take && x.m_data === datas[i] + (take < lens[i] ? take : 0), `m_adj(+) mbuf ${i}`);
          });
        } else {
          // From the tail: only the last mbuf if it has enough, else the
          // chain is cut after the mbuf holding the new end.
          const cut = -req;
          let keep = list.length;
          if (lens[lens.length - 1] < cut) {
            let count = Math.max(0, L - cut);
            for (let i = 0; i < lens.length; i++) {
              if (lens[i] >= count) {
                keep = i + 1;
                break;
              }
              count -= lens[i];
            }
          }
          check(after.length === keep && after.every((x, i) => x === list[i]), `m_adj(${req}) kept ${after.length} mbufs, expected ${keep}`);
        }
        freeAll(k, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(400),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

/** m_pullup's outcome as FreeBSD decides it.  The bytes moved into the head
 *  are len, or up to max_protohdr more when the chain has them. */
function pullupPlan(m: Mbuf, len: number, total: number): { reuse: boolean; unchanged: boolean; ok: boolean } {
  const reuse = !isExt(m) && m.m_data + len < MLEN && m.m_next !== null;
  const unchanged = reuse && m.m_len >= len;
  const ok = unchanged || (total >= len && (reuse || len <= MHLEN));
  return { reuse, unchanged, ok };
}

cases.push([
  "m_pullup makes len bytes contiguous, or frees the chain",
  (t, k) => {
    const mph = k.max_protohdr;
    fc.assert(
      fc.property(chainArb(), fc.integer({ min: 1, max: 260 }), (spec, len) => {
        const b = build(k, spec);
        const L = b.model.length;
        const head = b.m;
        const headLen = head.m_len;
        const before = chainList(head);
        const plan = pullupPlan(head, len, L);
        const r = k.m_pullup(head, len);
        if (!plan.ok) {
          check(r === null, `m_pullup(${len}) of ${L} bytes should fail`);
          freeAll(k, ...b.holders);
          checkZero(k, "m_pullup failure must free the chain");
          return;
        }
        const m = must(r, `m_pullup(${len}) of ${L} bytes`);
        checkChain(k, m, b.model, `m_pullup(${len})`);
        check(m.m_len >= len, "first mbuf shorter than len");
        if (plan.unchanged) {
          check(m === head && m.m_len === headLen, "m_pullup changed a chain that was already contiguous");
        } else if (plan.reuse) {
          check(m === head && m.m_len >= len && m.m_len <= Math.min(L, Math.max(len, mph) + mph), `reused head has ${m.m_len} bytes for len ${len}`);
        } else {
          check(m !== head && !before.includes(m), "m_pullup should put a new mbuf in front");
          check(!isExt(m) && m.m_len >= len && m.m_len <= Math.min(L, Math.max(len, mph) + mph), `new head: ext ${isExt(m)} len ${m.m_len}`);
        }
        check(((m.m_flags & M_PKTHDR) !== 0) === spec.pkthdr, "packet header lost or gained");
        if (spec.pkthdr) check(m.m_pkthdr.flowid === FLOWID && m.m_pkthdr.rcvif === IFP, "packet header not moved");
        freeAll(k, m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(500),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_pullup copies up to max_protohdr bytes",
  (t, k) => {
    k.max_protohdr_grow(40);
    k.max_protohdr_grow(20);
    t.is(k.max_protohdr, 40, "max_protohdr only grows");
    // A header mbuf with 10 bytes in front of a 500-byte cluster: pulling up
    // 20 takes max_protohdr (40) bytes into the head.
    const c = build(k, {
      pkthdr: true,
      segs: [
        { kind: "plain", len: 10, lead: 0, seed: 1, refs: 1, chainGetsCopy: false },
        { kind: "cluster", len: 500, lead: 0, seed: 2, refs: 1, chainGetsCopy: false },
      ],
    });
    const m = must(k.m_pullup(c.m, 20), "m_pullup");
    t.is(m, c.m);
    t.is(m.m_len, 50);
    t.is(k.m_sanity(m), null);
    t.deepEqual(chainBytes(m), c.model);
    k.m_freem(m);
    fc.assert(
      fc.property(chainArb(), fc.integer({ min: 1, max: 260 }), (spec, len) => {
        const b = build(k, spec);
        const L = b.model.length;
        const r = k.m_pullup(b.m, len);
        if (r !== null) {
          checkChain(k, r, b.model, `m_pullup(${len})`);
          check(r.m_len >= len, "first mbuf shorter than len");
        } else {
          check(len > L || len > MHLEN, `m_pullup(${len}) of ${L} failed`);
        }
        freeAll(k, r, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(200),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_copyup always uses a new mbuf with dstoff bytes of leading space",
  (t, k) => {
    const mph = k.max_protohdr;
    fc.assert(
      fc.property(chainArb(), fc.integer({ min: 1, max: 200 }), fc.nat({ max: 100 }), (spec, len, dstoff) => {
        const b = build(k, spec);
        const L = b.model.length;
        const before = chainList(b.m);
        const r = k.m_copyup(b.m, len, dstoff);
        if (len > MHLEN - dstoff || len > L) {
          check(r === null, `m_copyup(${len}, ${dstoff}) of ${L} should fail`);
          freeAll(k, ...b.holders);
          checkZero(k, "m_copyup failure must free the chain");
          return;
        }
        const m = must(r, `m_copyup(${len}, ${dstoff})`);
        checkChain(k, m, b.model, "m_copyup");
        check(!before.includes(m) && !isExt(m), "m_copyup must put a new mbuf in front");
        // len bytes, or up to max_protohdr more when the chain has them.
        check(m.m_len >= len && m.m_len <= Math.min(L, Math.max(len, mph) + mph) && k.M_LEADINGSPACE(m) === dstoff, `head len ${m.m_len}, leading ${k.M_LEADINGSPACE(m)}`);
        check(((m.m_flags & M_PKTHDR) !== 0) === spec.pkthdr, "packet header not moved");
        freeAll(k, m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "M_PREPEND uses leading space when there is enough, else m_prepend's new mbuf",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.nat({ max: MLEN }), fc.nat(), fc.boolean(), (spec, raw, seed, direct) => {
        const b = build(k, spec);
        const L = b.model.length;
        const head = b.m;
        const size = spec.pkthdr ? MHLEN : MLEN;
        const plen = raw % (size + 1);
        const seg0 = spec.segs[0];
        const lead = seg0.kind === "shared" ? 0 : seg0.lead;
        check(k.M_LEADINGSPACE(head) === lead, "M_LEADINGSPACE of the head");
        const inPlace = !direct && lead >= plen;
        const data0 = head.m_data;
        const len0 = head.m_len;
        const r = must(direct ? k.m_prepend(head, plen, k.M_NOWAIT) : k.M_PREPEND(head, plen, k.M_NOWAIT), "M_PREPEND");
        if (inPlace) {
          check(r === head && r.m_data === data0 - plen && r.m_len === len0 + plen, "M_PREPEND in place");
        } else {
          check(r !== head && r.m_next === head && r.m_len === plen && !isExt(r), "M_PREPEND with a new mbuf");
          const start = spec.pkthdr ? k.PKTHDR_SIZE : 0;
          const adjust = plen < size ? (size - plen) & ~7 : 0;
          check(r.m_data === start + adjust, `new mbuf not aligned to its end: m_data ${r.m_data}`);
          check(((r.m_flags & M_PKTHDR) !== 0) === spec.pkthdr && (head.m_flags & M_PKTHDR) === 0, "packet header not moved");
        }
        if (spec.pkthdr) {
          check(r.m_pkthdr.len === (direct ? L : L + plen), "pkthdr.len");
          if (direct) r.m_pkthdr.len += plen; // m_prepend leaves that to the caller
          check(r.m_pkthdr.flowid === FLOWID, "packet header fields");
        }
        const hdr = randomBytes(seed + 1, plen);
        r.m_buf.set(hdr, r.m_data);
        checkChain(k, r, concat(hdr, b.model), `M_PREPEND(${plen})`);
        freeAll(k, r, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(400),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_copym copies inline data, shares clusters, and leaves the source intact",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), fc.nat(), fc.boolean(), fc.boolean(), (spec, offRaw, lenRaw, all, freeSrcFirst) => {
        const b = build(k, spec);
        const L = b.model.length;
        const off = offRaw % (L + 1);
        const len = all ? k.M_COPYALL : lenRaw % (L - off + 1);
        const expected = b.model.slice(off, all ? L : off + len);
        const list = chainList(b.m);
        const snap = snapshot(b.m);
        const refs = list.map((x) => (isExt(x) ? k.m_extrefcnt(x) : 0));
        const plan = copymPlan(
          list.map((x) => x.m_len),
          off,
          len,
          k.M_COPYALL,
        );
        const c = k.m_copym(b.m, off, len, k.M_NOWAIT);
        // The source is untouched.
        check(snapshot(b.m) === snap, "m_copym changed the source chain");
        checkChain(k, b.m, b.model, "source after m_copym");
        if (plan.length === 0) {
          check(c === null, "m_copym of nothing");
        } else {
          const copy = must(c, `m_copym(${off}, ${len})`);
          checkChain(k, copy, expected, `m_copym(${off}, ${all ? "M_COPYALL" : len})`);
          const cl = chainList(copy);
          check(cl.length === plan.length, `copy has ${cl.length} mbufs, plan ${plan.length}`);
          cl.forEach((n, i) => {
            const p = plan[i];
            const s = list[p.src];
            check(n.m_len === p.len, `copy mbuf ${i} len`);
            if (isExt(s)) {
              check(isExt(n) && n.m_buf === s.m_buf && n.m_data === s.m_data + p.off, `copy mbuf ${i} does not share the cluster`);
              check(k.m_extrefcnt(n) === refs[p.src] + 1 && k.m_extrefcnt(s) === refs[p.src] + 1, `copy mbuf ${i}: refcount`);
              check(!k.M_WRITABLE(n) && !k.M_WRITABLE(s), "a shared cluster is writable");
              check(k.M_LEADINGSPACE(n) === 0 && k.M_TRAILINGSPACE(n) === 0, "a shared cluster reports space");
            } else {
              check(!isExt(n) && k.M_WRITABLE(n), `copy mbuf ${i} of inline data is not a writable copy`);
            }
          });
          const hdr = off === 0 && spec.pkthdr;
          check(((copy.m_flags & M_PKTHDR) !== 0) === hdr, "packet header copied iff off == 0");
          if (hdr) check(copy.m_pkthdr.flowid === FLOWID && copy.m_pkthdr.rcvif === IFP, "packet header fields");
          // Inline data was copied: scribbling on it leaves the source alone.
          for (const n of cl) if (!isExt(n)) n.m_buf.fill(0xee, n.m_data, n.m_data + n.m_len);
          checkChain(k, b.m, b.model, "source after writing the copy");
          if (freeSrcFirst) {
            freeAll(k, b.m, ...b.holders);
            for (const n of cl) if (isExt(n)) check(k.m_extrefcnt(n) === 1 && k.M_WRITABLE(n), "copy is the last reference");
            k.m_freem(copy);
            checkZero(k, "after free");
            return;
          }
          k.m_freem(copy);
          list.forEach((s, i) => {
            if (isExt(s)) check(k.m_extrefcnt(s) === refs[i], "refcount after freeing the copy");
          });
          checkChain(k, b.m, b.model, "source after freeing the copy");
        }
        freeAll(k, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(500),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_copypacket copies the packet, sharing clusters, keeping the head's leading space",
  (t, k) => {
    fc.assert(
      fc.property(chainArb({ pkthdr: true }), fc.nat(), (spec, seed) => {
        const b = build(k, spec);
        const list = chainList(b.m);
        const snap = snapshot(b.m);
        const refs = list.map((x) => (isExt(x) ? k.m_extrefcnt(x) : 0));
        const c = must(k.m_copypacket(b.m, k.M_NOWAIT), "m_copypacket");
        check(snapshot(b.m) === snap, "m_copypacket changed the source");
        checkChain(k, b.m, b.model, "source after m_copypacket");
        checkChain(k, c, b.model, "m_copypacket");
        check((c.m_flags & M_PKTHDR) !== 0 && c.m_pkthdr.flowid === FLOWID && c.m_pkthdr.rcvif === IFP, "packet header");
        const cl = chainList(c);
        check(cl.length === list.length, "one copy mbuf per source mbuf");
        cl.forEach((n, i) => {
          const s = list[i];
          check(n.m_len === s.m_len, `mbuf ${i} len`);
          if (isExt(s)) {
            check(isExt(n) && n.m_buf === s.m_buf && n.m_data === s.m_data, `mbuf ${i} does not share the cluster`);
            check(k.m_extrefcnt(s) === refs[i] + 1 && !k.M_WRITABLE(n), `mbuf ${i} refcount`);
          } else {
            check(!isExt(n) && n.m_data === (i === 0 ? s.m_data : 0), `mbuf ${i} m_data ${n.m_data}`);
          }
        });
        // The leading space survives, so a header can still go in place.
        const lead = k.M_LEADINGSPACE(c);
        check(lead === k.M_LEADINGSPACE(b.m), `copy leading space ${lead} != ${k.M_LEADINGSPACE(b.m)}`);
        const plen = seed % (lead + 1);
        const r = must(k.M_PREPEND(c, plen, k.M_NOWAIT), "M_PREPEND");
        check(r === c, "M_PREPEND into the copy's leading space");
        const hdr = randomBytes(seed + 1, plen);
        r.m_buf.set(hdr, r.m_data);
        checkChain(k, r, concat(hdr, b.model), "prepended copy");
        checkChain(k, b.m, b.model, "source after prepending to the copy");
        freeAll(k, r, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_dup makes a deep, writable copy",
  (t, k) => {
    fc.assert(
      fc.property(chainArb({ pkthdr: true }), fc.boolean(), (spec0, rdonly) => {
        const spec = withoutTrailingEmpty(spec0);
        const b = build(k, spec);
        if (rdonly) b.m.m_flags |= M_RDONLY;
        check(!dupWouldAssert(b.m), "generator made a chain m_dup asserts on");
        const list = chainList(b.m);
        const snap = snapshot(b.m);
        const refs = list.map((x) => (isExt(x) ? k.m_extrefcnt(x) : 0));
        const d = must(k.m_dup(b.m, k.M_NOWAIT), "m_dup");
        check(snapshot(b.m) === snap, "m_dup changed the source");
        checkChain(k, d, b.model, "m_dup");
        check((d.m_flags & M_PKTHDR) !== 0 && (d.m_flags & M_RDONLY) === 0, "m_dup head flags");
        check(d.m_pkthdr.flowid === FLOWID && d.m_pkthdr.rcvif === IFP, "packet header fields");
        const plan = dupPlan(b.model.length);
        const dl = chainList(d);
        check(dl.length === plan.length, `m_dup made ${dl.length} mbufs, expected ${plan.length}`);
        dl.forEach((n, i) => {
          check(isExt(n) === plan[i].cl && n.m_len === plan[i].len, `m_dup mbuf ${i}: ext ${isExt(n)} len ${n.m_len}`);
          check(k.M_WRITABLE(n), `m_dup mbuf ${i} not writable`);
          if (isExt(n)) check(k.m_extrefcnt(n) === 1 && !list.some((s) => s.m_buf === n.m_buf), `m_dup mbuf ${i} shares storage`);
        });
        list.forEach((s, i) => {
          if (isExt(s)) check(k.m_extrefcnt(s) === refs[i], "m_dup changed a source refcount");
        });
        for (const n of dl) n.m_buf.fill(0xee, n.m_data, n.m_data + n.m_len);
        checkChain(k, b.m, b.model, "source after writing the duplicate");
        freeAll(k, d, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_copyback writes in place and extends past the end with zeroed mbufs",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), fc.nat({ max: 700 }), fc.nat(), (spec, offRaw, len, seed) => {
        const b = build(k, spec);
        const L = b.model.length;
        const off = offRaw % (L + 500);
        const data = randomBytes(seed + 1, len);
        const list = chainList(b.m);
        const lens = list.map((x) => x.m_len);
        const last = list[list.length - 1];
        const trailing = k.M_TRAILINGSPACE(last);
        k.m_copyback(b.m, off, len, data);
        const expected = new Uint8Array(Math.max(L, off + len));
        expected.set(b.model);
        expected.set(data, off);
        checkBytes(chainBytes(b.m), expected, `m_copyback(${off}, ${len}) on ${L}`);
        const after = chainList(b.m);
        check(after.slice(0, list.length).every((x, i) => x === list[i]), "m_copyback replaced mbufs");
        for (const x of after.slice(list.length)) check(!isExt(x) && x.m_len <= MLEN, "m_copyback extends with plain mbufs");
        if (off > L) {
          // The gap goes into new zeroed mbufs; the old ones keep their size.
          check(
            list.every((x, i) => x.m_len === lens[i]),
            "m_copyback past the end grew an old mbuf",
          );
        } else if (off + len > L) {
          check(last.m_len === lens[lens.length - 1] + Math.min(off + len - L, trailing), "m_copyback did not fill the last mbuf's trailing space");
        }
        if (spec.pkthdr) {
          if (len === 0 && off > L) {
            // FreeBSD quirk: the zero-filled gap is linked in but not counted
            // in pkthdr.len (the last mbuf is not added to totlen).
            check(b.m.m_pkthdr.len === L, "pkthdr.len after an empty m_copyback past the end");
            k.m_fixhdr(b.m);
          }
          check(k.m_sanity(b.m) === null && b.m.m_pkthdr.len === expected.length, `pkthdr.len ${b.m.m_pkthdr.len} != ${expected.length}`);
        }
        freeAll(k, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(500),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_append fills the trailing space, then adds plain mbufs",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.nat({ max: 1000 }), fc.nat(), (spec, len, seed) => {
        const b = build(k, spec);
        const list = chainList(b.m);
        const last = list[list.length - 1];
        const ls = spec.segs[spec.segs.length - 1];
        const size = ls.kind === "plain" ? (spec.pkthdr && spec.segs.length === 1 ? MHLEN : MLEN) : MCLBYTES;
        const trailing = ls.kind === "shared" ? 0 : size - ls.lead - ls.len;
        check(k.M_TRAILINGSPACE(last) === trailing, "M_TRAILINGSPACE of the last mbuf");
        const lastLen = last.m_len;
        const data = randomBytes(seed + 1, len);
        check(k.m_append(b.m, len, data), "m_append failed");
        checkChain(k, b.m, concat(b.model, data), `m_append(${len})`);
        const used = Math.min(trailing, len);
        check(last.m_len === lastLen + used, "m_append did not use the trailing space");
        const added = chainList(b.m).length - list.length;
        check(added === Math.ceil((len - used) / MLEN), `m_append added ${added} mbufs`);
        freeAll(k, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(400),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_cat joins chains without touching pkthdr.len; m_catpkt adds it",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), chainArb({ pkthdr: false }), chainArb({ pkthdr: true }), chainArb({ pkthdr: true }), fc.boolean(), (specA0, specB0, specAhdr, specBhdr, catpkt) => {
        // m_catpkt joins two packets; m_cat takes any m and a chain without
        // a header (its caller demotes it first).
        const specA = catpkt ? specAhdr : specA0;
        const a = build(k, specA);
        const nb = build(k, catpkt ? specBhdr : specB0);
        const La = a.model.length;
        const Lb = nb.model.length;
        const al = chainList(a.m);
        const bl = chainList(nb.m);
        const last = al[al.length - 1];
        const lastLen = last.m_len;
        // Which of n's mbufs m_cat copies into m's last mbuf before it links.
        let absorbed = 0;
        let room = k.M_TRAILINGSPACE(last);
        if (k.M_WRITABLE(last)) {
          while (absorbed < bl.length && bl[absorbed].m_len <= room) {
            room -= bl[absorbed].m_len;
            absorbed++;
          }
        }
        const absorbedBytes = bl.slice(0, absorbed).reduce((s, x) => s + x.m_len, 0);
        if (catpkt) k.m_catpkt(a.m, nb.m);
        else k.m_cat(a.m, nb.m);
        const model = concat(a.model, nb.model);
        checkBytes(chainBytes(a.m), model, catpkt ? "m_catpkt" : "m_cat");
        const after = chainList(a.m);
        const expectList = [...al, ...bl.slice(absorbed)];
        check(after.length === expectList.length && after.every((x, i) => x === expectList[i]), "m_cat mbuf list");
        check(last.m_len === lastLen + absorbedBytes, "m_cat did not copy into the trailing space");
        for (const x of after.slice(1)) check((x.m_flags & M_PKTHDR) === 0, "M_PKTHDR inside the chain");
        if (catpkt) {
          check(a.m.m_pkthdr.len === La + Lb, "m_catpkt pkthdr.len");
        } else if (specA.pkthdr) {
          check(a.m.m_pkthdr.len === La, "m_cat touched pkthdr.len");
          check(k.m_fixhdr(a.m) === La + Lb, "m_fixhdr after m_cat");
        }
        checkChain(k, a.m, model, "joined chain");
        freeAll(k, a.m, ...a.holders, ...nb.holders);
        checkZero(k, "after free");
      }),
      runs(400),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_demote strips headers after the first mbuf, or from all",
  (t, k) => {
    fc.assert(
      fc.property(chainArb({ pkthdr: true }), fc.boolean(), (spec, all) => {
        const b = build(k, spec);
        const list = chainList(b.m);
        const extra = k.M_BCAST | k.M_PROTO1 | k.M_VLANTAG;
        for (const x of list) x.m_flags |= extra;
        const before = list.map((x) => x.m_flags);
        k.m_demote(b.m, all, k.M_BCAST);
        list.forEach((x, i) => {
          if (i === 0 && !all) {
            check(x.m_flags === before[0] && x.m_pkthdr.flowid === FLOWID, "m_demote(all=0) touched the first mbuf");
          } else {
            const keep = k.M_EXT | k.M_RDONLY | k.M_NOFREE | k.M_EXTPG | k.M_BCAST;
            check(x.m_flags === (before[i] & keep), `m_demote mbuf ${i} flags ${x.m_flags.toString(16)}`);
            if (i === 0) check(x.m_pkthdr.flowid === 0 && x.m_pkthdr.rcvif === null, "m_demote did not clear the header");
          }
        });
        freeAll(k, b.m, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(200),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_split cuts a chain in two, or returns null leaving it as it was",
  (t, k) => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), fc.option(fc.tuple(fc.nat(), fc.constantFrom(0, 1, MHLEN - 1, MHLEN, MHLEN + 1))), (spec, raw, edge) => {
        const b = build(k, spec);
        const L = b.model.length;
        const list = chainList(b.m);
        // Either anywhere (a little past the end included), or a given
        // distance before the end of one of the mbufs, where the cases are.
        let len0 = raw % (L + 3);
        if (edge !== null) {
          const i = edge[0] % list.length;
          const end = list.slice(0, i + 1).reduce((s, x) => s + x.m_len, 0);
          len0 = Math.max(0, end - edge[1]);
        }
        const lens = list.map((x) => x.m_len);
        const datas = list.map((x) => x.m_data);
        const refs = list.map((x) => (isExt(x) ? k.m_extrefcnt(x) : 0));
        const snap = snapshot(b.m);
        let rem = len0;
        let idx = 0;
        while (idx < list.length && rem > lens[idx]) rem -= lens[idx++];
        const r = k.m_split(b.m, len0, k.M_NOWAIT);
        if (idx === list.length || (!spec.pkthdr && rem === lens[idx] && idx === list.length - 1)) {
          // Too short (or, without a header, nothing after the cut).
          check(r === null, `m_split(${len0}) of ${L} should return null`);
          check(snapshot(b.m) === snap, "m_split changed the chain it refused");
          checkChain(k, b.m, b.model, "chain after m_split returned null");
          freeAll(k, b.m, ...b.holders);
          checkZero(k, "after free");
          return;
        }
        const n = must(r, `m_split(${len0}) of ${L}`);
        checkChain(k, b.m, b.model.slice(0, len0), "m_split head");
        checkChain(k, n, b.model.slice(len0), "m_split tail");
        const s = list[idx];
        const remain = lens[idx] - rem;
        const next = idx + 1 < list.length ? list[idx + 1] : null;
        check(chainList(b.m).length === idx + 1 && s.m_next === null && s.m_len === rem, "m_split head ends at the cut");
        if (spec.pkthdr) {
          check((n.m_flags & M_PKTHDR) !== 0 && n.m_pkthdr.len === L - len0 && b.m.m_pkthdr.len === len0, "m_split packet headers");
          check(n.m_pkthdr.rcvif === IFP && n.m_pkthdr.flowid === 0, "m_split tail header takes rcvif only");
        }
        if (remain === 0) {
          if (spec.pkthdr) check(n.m_len === 0 && !list.includes(n) && n.m_next === next, "m_split at an mbuf boundary: new empty header");
          else check(n === next, "m_split at an mbuf boundary hands back the next mbuf");
        } else if (isExt(s)) {
          check(n.m_buf === s.m_buf && n.m_data === datas[idx] + rem && n.m_len === remain && n.m_next === next, "m_split shares the cluster");
          check(k.m_extrefcnt(s) === refs[idx] + 1 && !k.M_WRITABLE(s) && !k.M_WRITABLE(n), "m_split cluster refcount");
        } else if (spec.pkthdr && remain > MHLEN) {
          const n2 = must(n.m_next, "tail after empty header");
          check(n.m_len === 0 && !isExt(n2) && n2.m_len === remain && n2.m_next === next, "m_split: an empty header before the rest");
        } else {
          check(!isExt(n) && n.m_len === remain && n.m_next === next && k.M_TRAILINGSPACE(n) < 8, "m_split copies the rest to the end of a new mbuf");
        }
        freeAll(k, b.m, n, ...b.holders);
        checkZero(k, "after free");
      }),
      runs(500),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

cases.push([
  "m_devget copies a frame into a new chain",
  (t, k) => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 200 }), fc.nat({ max: 6000 })), fc.nat({ max: 50 }), fc.nat(), (totlen, off, seed) => {
        const buf = randomBytes(seed + 1, off + totlen + 5);
        const r = k.m_devget(buf, off, totlen, IFP);
        if (totlen === 0) {
          check(r === null, "m_devget of an empty frame");
          checkZero(k, "m_devget(0)");
          return;
        }
        const m = must(r, "m_devget");
        checkChain(k, m, buf.slice(off, off + totlen), `m_devget(${totlen})`);
        check(m.m_pkthdr.rcvif === IFP && m.m_pkthdr.len === totlen, "m_devget header");
        let remain = totlen;
        chainList(m).forEach((x, i) => {
          const cl = remain >= MINCLSIZE;
          const lead = i === 0 && !cl && totlen + k.max_linkhdr <= MHLEN ? k.max_linkhdr : 0;
          const size = cl ? MCLBYTES : i === 0 ? MHLEN : MLEN;
          check(isExt(x) === cl && k.M_LEADINGSPACE(x) === lead && x.m_len === Math.min(remain, size - lead), `m_devget mbuf ${i}`);
          remain -= x.m_len;
        });
        k.m_freem(m);
        checkZero(k, "after free");
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

type SeqOp =
  | { op: "adj"; a: number }
  | { op: "pullup"; a: number }
  | { op: "prepend"; a: number; seed: number }
  | { op: "append"; a: number; seed: number }
  | { op: "copyback"; a: number; b: number; seed: number }
  | { op: "splitcat"; a: number }
  | { op: "copy"; keepCopy: boolean }
  | { op: "dup" }
  | { op: "catpkt"; spec: ChainSpec };

const seqOpArb: fc.Arbitrary<SeqOp> = fc.oneof(
  fc.record({ op: fc.constant("adj" as const), a: fc.integer({ min: -2500, max: 2500 }) }),
  fc.record({ op: fc.constant("pullup" as const), a: fc.integer({ min: 1, max: 250 }) }),
  fc.record({ op: fc.constant("prepend" as const), a: fc.nat({ max: MHLEN }), seed: fc.nat() }),
  fc.record({ op: fc.constant("append" as const), a: fc.nat({ max: 700 }), seed: fc.nat() }),
  fc.record({ op: fc.constant("copyback" as const), a: fc.nat(), b: fc.integer({ min: 1, max: 600 }), seed: fc.nat() }),
  fc.record({ op: fc.constant("splitcat" as const), a: fc.nat() }),
  fc.record({ op: fc.constant("copy" as const), keepCopy: fc.boolean() }),
  fc.record({ op: fc.constant("dup" as const) }),
  fc.record({ op: fc.constant("catpkt" as const), spec: chainArb({ pkthdr: true, maxSegs: 2 }) }),
);

cases.push([
  "random sequences of operations keep the packet equal to the model",
  (t, k) => {
    fc.assert(
      fc.property(chainArb({ pkthdr: true }), fc.array(seqOpArb, { minLength: 1, maxLength: 8 }), (spec, ops) => {
        const b = build(k, spec);
        const holders = [...b.holders];
        let m: Mbuf | null = b.m;
        let model = b.model;
        for (const o of ops) {
          if (m === null) break;
          const L: number = model.length;
          switch (o.op) {
            case "adj":
              k.m_adj(m, o.a);
              model = o.a >= 0 ? model.slice(Math.min(o.a, L)) : model.slice(0, Math.max(0, L + o.a));
              break;
            case "pullup": {
              const plan = pullupPlan(m, o.a, L);
              m = k.m_pullup(m, o.a);
              check((m !== null) === plan.ok, `m_pullup(${o.a}) of ${L}: ok ${m !== null}`);
              if (m === null) model = new Uint8Array(0);
              else check(m.m_len >= o.a, "m_pullup: head too short");
              break;
            }
            case "prepend": {
              const r: Mbuf = must(k.M_PREPEND(m, o.a, k.M_NOWAIT), "M_PREPEND");
              const hdr = randomBytes(o.seed + 1, o.a);
              r.m_buf.set(hdr, r.m_data);
              model = concat(hdr, model);
              m = r;
              break;
            }
            case "append": {
              const data = randomBytes(o.seed + 1, o.a);
              check(k.m_append(m, o.a, data), "m_append");
              model = concat(model, data);
              break;
            }
            case "copyback": {
              const off = o.a % (L + 50);
              const data = randomBytes(o.seed + 1, o.b);
              k.m_copyback(m, off, o.b, data);
              const next = new Uint8Array(Math.max(L, off + o.b));
              next.set(model);
              next.set(data, off);
              model = next;
              break;
            }
            case "splitcat": {
              const len0 = o.a % (L + 1);
              const n = must(k.m_split(m, len0, k.M_NOWAIT), `m_split(${len0})`);
              checkChain(k, m, model.slice(0, len0), "split head");
              checkChain(k, n, model.slice(len0), "split tail");
              k.m_catpkt(m, n);
              break;
            }
            case "copy": {
              const c: Mbuf = must(k.m_copypacket(m, k.M_NOWAIT), "m_copypacket");
              checkChain(k, c, model, "m_copypacket");
              if (o.keepCopy) {
                k.m_freem(m);
                m = c;
              } else {
                k.m_freem(c);
              }
              break;
            }
            case "dup": {
              if (dupWouldAssert(m)) break;
              const d: Mbuf = must(k.m_dup(m, k.M_NOWAIT), "m_dup");
              k.m_freem(m);
              m = d;
              break;
            }
            case "catpkt": {
              const nb = build(k, o.spec);
              holders.push(...nb.holders);
              k.m_catpkt(m, nb.m);
              model = concat(model, nb.model);
              break;
            }
          }
          checkChain(k, m, model, `after ${o.op}`);
        }
        freeAll(k, m, ...holders);
        checkZero(k, "after free");
      }),
      runs(300),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

function deniedTotal(k: Kernel): number {
  return k.mb_denied.mbufs + k.mb_denied.clusters + k.mb_denied.packets;
}
function failsTotal(k: Kernel): number {
  return k.mbuf_zone_stats().reduce((s, z) => s + z.fails, 0);
}

cases.push([
  "zone exhaustion: allocations fail and are counted, chains are freed or kept as promised, and it recovers",
  (t, k) => {
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
    const denied0 = { ...k.mb_denied };
    const [mz0, cz0] = k.mbuf_zone_stats();
    k.mbuf_set_limits(4, 1);
    try {
      const held: Mbuf[] = [];
      for (let i = 0; i < 4; i++) held.push(must(k.m_get(k.M_NOWAIT, k.MT_DATA), `m_get ${i}`));
      t.is(k.m_get(k.M_NOWAIT, k.MT_DATA), null, "m_get past nmbufs");
      t.is(k.m_gethdr(k.M_NOWAIT, k.MT_DATA), null, "m_gethdr past nmbufs");
      t.is(k.m_getcl(k.M_NOWAIT, k.MT_DATA, k.M_PKTHDR), null, "m_getcl without an mbuf");
      t.is(k.mb_denied.mbufs, denied0.mbufs + 2);
      t.is(k.mb_denied.packets, denied0.packets + 1);
      t.is(k.mbuf_zone_stats()[0].fails, mz0.fails + 3);
      // One cluster, then none: m_getcl gives its mbuf back, m_clget leaves
      // the mbuf as it was.
      k.m_free(held.splice(-1)[0]);
      const cl = must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0), "m_getcl");
      k.m_free(held.splice(-1)[0]);
      t.is(k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0), null, "m_getcl past nmbclusters");
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 3, clusters: 1 }, "failed m_getcl keeps no mbuf");
      const plain = must(k.m_get(k.M_NOWAIT, k.MT_DATA), "m_get");
      t.is(k.m_clget(plain, k.M_NOWAIT), 0);
      t.is(plain.m_flags & M_EXT, 0);
      t.is(plain.m_data, 0);
      t.is(k.mb_denied.clusters, denied0.clusters + 1);
      t.is(k.mb_denied.packets, denied0.packets + 2);
      t.is(k.mbuf_zone_stats()[1].fails, cz0.fails + 2);
      // Full: m_copym and m_split return null and leave the source alone;
      // M_PREPEND without leading space and m_pullup needing a new mbuf free
      // the chain; m_append appends what fits.
      held.push(plain); // held: h0, h1, plain; with cl that is 4 mbufs
      const data = randomBytes(9, 2000);
      cl.m_len = 2000;
      cl.m_buf.set(data, 0);
      const chain = held[0];
      chain.m_len = 10;
      chain.m_buf.set(data.subarray(0, 10), chain.m_data);
      chain.m_next = cl; // [10 inline][2000 in a cluster]
      const model = concat(data.subarray(0, 10), data);
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 4, clusters: 1 });
      t.is(k.m_copym(chain, 0, k.M_COPYALL, k.M_NOWAIT), null, "m_copym with no mbufs");
      t.deepEqual(chainBytes(chain), model, "m_copym failure left the source intact");
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 4, clusters: 1 }, "m_copym failure freed its partial copy");
      t.is(k.m_split(chain, 5, k.M_NOWAIT), null, "m_split needing an mbuf");
      t.deepEqual(chainBytes(chain), model, "m_split failure left the chain intact");
      t.is(k.M_PREPEND(held[1], 8, k.M_NOWAIT), null, "M_PREPEND with no leading space and no mbufs");
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 3, clusters: 1 }, "M_PREPEND freed the chain");
      held.splice(1, 1);
      held.push(must(k.m_get(k.M_NOWAIT, k.MT_DATA), "filler"));
      chain.m_next = null;
      t.is(k.m_pullup(cl, 30), null, "m_pullup of a cluster mbuf needing a new one");
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 3, clusters: 0 }, "m_pullup freed the chain");
      // One mbuf left: m_append fills the trailing space and one more mbuf.
      t.false(k.m_append(chain, 600, randomBytes(3, 600)), "m_append past the limit");
      t.is(k.m_length(chain), 10 + (MLEN - 10) + MLEN);
      t.is(k.m_sanity(chain), null);
      t.true(k.mb_denied.mbufs > denied0.mbufs + 3);
      // A header chain cut 200 bytes before the end of a plain mbuf needs a
      // new header and a second mbuf for the rest; with room for one only,
      // m_split fails.  FreeBSD has already set m0's pkthdr.len to the cut
      // by then and leaves it so.
      freeAll(k, ...held);
      held.length = 0;
      const h = must(k.m_gethdr(k.M_NOWAIT, k.MT_DATA), "m_gethdr");
      const p2 = must(k.m_get(k.M_NOWAIT, k.MT_DATA), "m_get");
      h.m_len = 100;
      p2.m_len = 220;
      h.m_next = p2;
      h.m_pkthdr.len = 320;
      const fill = must(k.m_get(k.M_NOWAIT, k.MT_DATA), "m_get");
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 3, clusters: 0 }, "room for one more mbuf");
      t.is(k.m_split(h, 120, k.M_NOWAIT), null, "m_split needing two mbufs with room for one");
      t.is(h.m_pkthdr.len, 120, "FreeBSD leaves m0's pkthdr.len at len0");
      t.is(h.m_len + p2.m_len, 320, "the data stays where it was");
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 3, clusters: 0 }, "the new header was freed");
      held.push(h, fill);
      freeAll(k, ...held);
      t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
    } finally {
      k.mbuf_restore_limits();
    }
    // Recovered.
    const many: Mbuf[] = [];
    for (let i = 0; i < 50; i++) many.push(must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0), "m_getcl after restore"));
    t.is(k.mbuf_outstanding().clusters, 50);
    freeAll(k, ...many);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

type ExhOp = "pullup" | "prepend" | "copym" | "copypacket" | "dup" | "split" | "copyback" | "append" | "devget";

cases.push([
  "zone exhaustion: every operation either succeeds exactly or fails as its contract says",
  (t, k) => {
    const ops: ExhOp[] = ["pullup", "prepend", "copym", "copypacket", "dup", "split", "copyback", "append", "devget"];
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        chainArb({ pkthdr: true }),
        fc.nat({ max: 3 }),
        fc.nat({ max: 2 }),
        fc.nat(),
        fc.nat(),
        (op, spec0, slackM, slackC, a, c) => {
          const spec = withoutTrailingEmpty(spec0);
          const b = build(k, spec);
          const L = b.model.length;
          const list = chainList(b.m);
          const snap = snapshot(b.m);
          // A cluster held through the test keeps the cluster limit above 0
          // (0 would mean no limit).
          const ballast = must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0), "ballast");
          // For m_copyback: how many mbufs the same operation takes unlimited.
          let copybackNeed = 0;
          const cbOff = a % (L + 500);
          const cbLen = 1 + (c % 700);
          const cbData = randomBytes(c + 1, cbLen);
          if (op === "copyback") {
            const twin = build(k, spec);
            const n0 = chainList(twin.m).length;
            k.m_copyback(twin.m, cbOff, cbLen, cbData);
            copybackNeed = chainList(twin.m).length - n0;
            freeAll(k, twin.m, ...twin.holders);
          }
          const out0 = k.mbuf_outstanding();
          const denied0 = deniedTotal(k);
          const fails0 = failsTotal(k);
          k.mbuf_set_limits(out0.mbufs + slackM, out0.clusters + slackC);
          let allocFailed = false;
          let keep: Mbuf | null = b.m; // what the test still owns
          const extra: Mbuf[] = [];
          try {
            switch (op) {
              case "pullup": {
                const len = 1 + (a % 250);
                const plan = pullupPlan(b.m, len, L);
                const needs = !plan.reuse && len <= MHLEN;
                allocFailed = needs && slackM === 0;
                const r = k.m_pullup(b.m, len);
                keep = r;
                check((r !== null) === (plan.ok && !allocFailed), `m_pullup(${len}) under limits`);
                if (r !== null) checkChain(k, r, b.model, "m_pullup under limits");
                break;
              }
              case "prepend": {
                const plen = a % (MHLEN + 1);
                const inPlace = k.M_LEADINGSPACE(b.m) >= plen;
                allocFailed = !inPlace && slackM === 0;
                const r = k.M_PREPEND(b.m, plen, k.M_NOWAIT);
                keep = r;
                check((r === null) === allocFailed, "M_PREPEND under limits");
                if (r !== null) {
                  const hdr = randomBytes(c, plen);
                  r.m_buf.set(hdr, r.m_data);
                  checkChain(k, r, concat(hdr, b.model), "M_PREPEND under limits");
                }
                break;
              }
              case "copym":
              case "copypacket": {
                const off = op === "copym" ? a % (L + 1) : 0;
                const len = op === "copym" ? c % (L - off + 1) : k.M_COPYALL;
                const need =
                  op === "copym"
                    ? copymPlan(
                        list.map((x) => x.m_len),
                        off,
                        len,
                        k.M_COPYALL,
                      ).length
                    : list.length;
                allocFailed = need > slackM;
                const r = op === "copym" ? k.m_copym(b.m, off, len, k.M_NOWAIT) : k.m_copypacket(b.m, k.M_NOWAIT);
                check(snapshot(b.m) === snap, `${op} changed the source`);
                checkChain(k, b.m, b.model, `source after ${op} under limits`);
                if (allocFailed) {
                  check(r === null, `${op} should fail`);
                  const o = k.mbuf_outstanding();
                  check(o.mbufs === out0.mbufs && o.clusters === out0.clusters, `failed ${op} left mbufs behind`);
                } else if (need > 0) {
                  const copy = must(r, op);
                  extra.push(copy);
                  checkChain(k, copy, b.model.slice(off, op === "copym" ? off + len : L), `${op} under limits`);
                }
                break;
              }
              case "dup": {
                let mLeft = slackM;
                let cLeft = slackC;
                for (const p of dupPlan(L)) {
                  if (mLeft === 0 || (p.cl && cLeft === 0)) {
                    allocFailed = true;
                    break;
                  }
                  mLeft--;
                  if (p.cl) cLeft--;
                }
                const r = k.m_dup(b.m, k.M_NOWAIT);
                check(snapshot(b.m) === snap, "m_dup changed the source");
                checkChain(k, b.m, b.model, "source after m_dup under limits");
                check((r === null) === allocFailed, "m_dup under limits");
                if (r !== null) {
                  extra.push(r);
                  checkChain(k, r, b.model, "m_dup under limits");
                } else {
                  const o = k.mbuf_outstanding();
                  check(o.mbufs === out0.mbufs && o.clusters === out0.clusters, "failed m_dup left mbufs behind");
                }
                break;
              }
              case "split": {
                // Half the time MHLEN + 1 bytes before the end of an mbuf,
                // where a header split needs a second mbuf.
                let len0 = a % (L + 1);
                if (c % 2 === 0) {
                  const i = (c >> 1) % list.length;
                  len0 = Math.max(0, list.slice(0, i + 1).reduce((sum, x) => sum + x.m_len, 0) - (MHLEN + 1));
                }
                let rem = len0;
                let idx = 0;
                while (rem > list[idx].m_len) rem -= list[idx++].m_len;
                const s = list[idx];
                const remain = s.m_len - rem;
                const need = remain === 0 || isExt(s) || remain <= MHLEN ? 1 : 2;
                allocFailed = need > slackM;
                const r = k.m_split(b.m, len0, k.M_NOWAIT);
                if (allocFailed) {
                  check(r === null, "m_split should fail");
                  check(snapshot(b.m) === snap, "failed m_split changed the chain");
                  checkBytes(chainBytes(b.m), b.model, "chain after a failed m_split");
                  // FreeBSD sets m0's pkthdr.len before the nested m_split
                  // that fails, and does not put it back.
                  const pl = need === 2 && slackM === 1 ? len0 : L;
                  check(b.m.m_pkthdr.len === pl, `pkthdr.len ${b.m.m_pkthdr.len} after a failed m_split, expected ${pl}`);
                  b.m.m_pkthdr.len = L;
                } else {
                  const n = must(r, "m_split");
                  extra.push(n);
                  checkChain(k, b.m, b.model.slice(0, len0), "m_split head under limits");
                  checkChain(k, n, b.model.slice(len0), "m_split tail under limits");
                }
                break;
              }
              case "copyback": {
                allocFailed = copybackNeed > slackM;
                k.m_copyback(b.m, cbOff, cbLen, cbData);
                const full = new Uint8Array(Math.max(L, cbOff + cbLen));
                full.set(b.model);
                full.set(cbData, cbOff);
                const got = chainBytes(b.m);
                check(k.m_sanity(b.m) === null, `m_sanity: ${k.m_sanity(b.m)}`);
                if (!allocFailed) checkBytes(got, full, "m_copyback under limits");
                else {
                  check(got.length >= L && got.length < full.length, `partial m_copyback has ${got.length} bytes`);
                  checkBytes(got, full.subarray(0, got.length), "partial m_copyback is a prefix");
                }
                break;
              }
              case "append": {
                const len = c % 1000;
                const data = randomBytes(a + 1, len);
                const trailing = k.M_TRAILINGSPACE(list[list.length - 1]);
                const used = Math.min(trailing, len);
                const need = Math.ceil((len - used) / MLEN);
                allocFailed = need > slackM;
                const ok = k.m_append(b.m, len, data);
                check(ok === !allocFailed, "m_append result");
                const got = allocFailed ? used + slackM * MLEN : len;
                checkChain(k, b.m, concat(b.model, data.subarray(0, got)), "m_append under limits");
                break;
              }
              case "devget": {
                const totlen = 1 + (a % 5000);
                const buf = randomBytes(c + 1, totlen);
                let mLeft = slackM;
                let cLeft = slackC;
                for (let remain = totlen, first = true; remain > 0; first = false) {
                  const cl = remain >= MINCLSIZE;
                  if (mLeft === 0 || (cl && cLeft === 0)) {
                    allocFailed = true;
                    break;
                  }
                  mLeft--;
                  if (cl) cLeft--;
                  const lead = first && !cl && remain + k.max_linkhdr <= MHLEN ? k.max_linkhdr : 0;
                  remain -= Math.min(remain, (cl ? MCLBYTES : first ? MHLEN : MLEN) - lead);
                }
                const r = k.m_devget(buf, 0, totlen, IFP);
                check((r === null) === allocFailed, "m_devget under limits");
                if (r !== null) {
                  extra.push(r);
                  checkChain(k, r, buf, "m_devget under limits");
                } else {
                  const o = k.mbuf_outstanding();
                  check(o.mbufs === out0.mbufs && o.clusters === out0.clusters, "failed m_devget left mbufs behind");
                }
                break;
              }
            }
            check(deniedTotal(k) > denied0 === allocFailed, `mb_denied ${allocFailed ? "did not grow" : "grew"}`);
            check(failsTotal(k) > fails0 === allocFailed, `zone failures ${allocFailed ? "did not grow" : "grew"}`);
          } finally {
            k.mbuf_restore_limits();
          }
          // Recovered: a cluster mbuf is there for the asking.
          k.m_freem(must(k.m_getcl(k.M_NOWAIT, k.MT_DATA, k.M_PKTHDR), "m_getcl after restore"));
          freeAll(k, keep, ...extra, ballast, ...b.holders);
          checkZero(k, `${op} after free`);
        },
      ),
      runs(500),
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  },
]);

for (const build_ of BOTH) {
  for (const [name, body] of cases) {
    test.serial(`${build_}: ${name}`, async (t) => {
      const k = await loadKernel(build_);
      body(t, k);
    });
  }
}

// ---------------------------------------------------------------------------
// Packet tags (kern/uipc_mbuf2.ts) and the packet-header assertion.

/** A test tag: a few bytes, copied deeply; `fail` makes its copy fail. */
function tagClass(k: Kernel) {
  return class test_tag {
    readonly bytes = new Uint8Array(4);
    constructor(
      readonly m_tag_id: number,
      readonly fail = false,
    ) {}
    m_tag_copy(): test_tag | null {
      if (this.fail) return null;
      const t = new test_tag(this.m_tag_id);
      t.bytes.set(this.bytes);
      return t;
    }
  };
}

for (const build_ of BOTH) {
  test.serial(`${build_}: m_dup_pkthdr copies each tag deeply, and fails (0, no tags) when a tag cannot be copied`, async (t) => {
    const k = await loadKernel(build_);
    const Tag = tagClass(k);
    const m = must(k.m_gethdr(k.M_NOWAIT, k.MT_DATA), "m_gethdr");
    const n = must(k.m_gethdr(k.M_NOWAIT, k.MT_DATA), "m_gethdr");
    const a = new Tag(19);
    a.bytes.set([1, 2, 3, 4]);
    m.m_pkthdr.tags = [a, new Tag(20 | k.MTAG_PERSISTENT)];
    t.is(k.m_dup_pkthdr(n, m, k.M_NOWAIT), 1);
    const copies = n.m_pkthdr.tags;
    t.truthy(copies);
    t.is(copies?.length, 2);
    t.not(copies?.[0], a, "a copy, not the same tag");
    t.deepEqual(copies?.map((x) => x.m_tag_id), [19, 20 | k.MTAG_PERSISTENT]);
    a.bytes[0] = 99;
    t.is((copies?.[0] as InstanceType<typeof Tag>).bytes[0], 1, "the copy has its own bytes");
    // A tag that cannot be copied: FreeBSD's M_NOWAIT allocation failing.
    m.m_pkthdr.tags = [a, new Tag(21, true)];
    t.is(k.m_dup_pkthdr(n, m, k.M_NOWAIT), 0);
    t.is(n.m_pkthdr.tags, null, "no half-copied chain is left");
    k.m_freem(m);
    k.m_freem(n);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build_}: m_tag_delete_nonpersistent keeps only MTAG_PERSISTENT tags`, async (t) => {
    const k = await loadKernel(build_);
    const Tag = tagClass(k);
    const m = must(k.m_gethdr(k.M_NOWAIT, k.MT_DATA), "m_gethdr");
    m.m_pkthdr.tags = [new Tag(1), new Tag(2 | k.MTAG_PERSISTENT), new Tag(3)];
    k.m_tag_delete_nonpersistent(m);
    t.deepEqual(m.m_pkthdr.tags?.map((x) => x.m_tag_id), [2 | k.MTAG_PERSISTENT]);
    m.m_pkthdr.tags = [new Tag(1)];
    k.m_tag_delete_nonpersistent(m);
    t.true(m.m_pkthdr.tags === null);
    k.m_freem(m);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build_}: M_ASSERTPKTHDR on a plain mbuf is a kernel panic`, async (t) => {
    const k = await loadKernel(build_);
    const m = must(k.m_get(k.M_NOWAIT, k.MT_DATA), "m_get");
    k.msgbuf_clear();
    const e = t.throws(() => k.M_ASSERTPKTHDR(m), { instanceOf: k.kernel_panic });
    t.is(e?.panicstr, "M_ASSERTPKTHDR: no mbuf packet header!");
    t.true(k.msgbuf_read().includes("panic: M_ASSERTPKTHDR: no mbuf packet header!"));
    k.m_freem(m);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
