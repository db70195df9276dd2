// net/bpf: taps on the sender of an epair, on ether_input, on lo0 (DLT_NULL
// with a 4-byte family); pcap files are valid and byte-identical for the
// same seed, timestamps from the virtual clock.
import test from "ava";
import { BOTH, loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";
import { BCAST, frame, ifconfig_create, ifconfig_up, ifp_in, inv, mkpkt, record_netisr, sin } from "./link_helpers.ts";

/** A run: an epair, captures on both ends and on lo0, a few frames over
 *  a few virtual seconds; returns the three pcap files. */
async function run(build: BuildName, seed: number): Promise<{ k: Kernel; files: Uint8Array[] }> {
  const k = await loadKernel(build, seed);
  record_netisr(k, k.NETISR_IP);
  const v0 = k.vnet0;
  ifconfig_create(k, v0, "epair");
  ifconfig_up(k, v0, "epair0a");
  ifconfig_up(k, v0, "epair0b");
  const a = ifp_in(k, v0, "epair0a");
  const b = ifp_in(k, v0, "epair0b");
  const lo0 = ifp_in(k, v0, "lo0");
  const ca = k.bpf_open_capture(a);
  const cb = k.bpf_open_capture(b);
  const cl = k.bpf_open_capture(lo0);
  if (ca === null || cb === null || cl === null) throw new Error("no tap");
  for (let i = 0; i < 3; i++) {
    inv(k, v0, () => {
      k.ether_output_frame(a, mkpkt(k, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 40 + i)));
      const m = mkpkt(k, new Uint8Array(20 + i).fill(0x45));
      m.m_flags |= k.M_BCAST;
      a.if_output(a, m, sin(0xffffffff), null);
      lo0.if_output(lo0, mkpkt(k, new Uint8Array(24).fill(i)), sin(0x7f000001), null);
    });
    k.kern_run_until_idle();
    k.kern_advance_ns(1_234_567_000);
  }
  return { k, files: [k.pcap_file(ca), k.pcap_file(cb), k.pcap_file(cl)] };
}

function parse(f: Uint8Array) {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const hdr = { magic: dv.getUint32(0, true), major: dv.getUint16(4, true), minor: dv.getUint16(6, true), zone: dv.getInt32(8, true), sigfigs: dv.getUint32(12, true), snaplen: dv.getUint32(16, true), linktype: dv.getUint32(20, true) };
  const recs: { sec: number; usec: number; caplen: number; len: number; data: Uint8Array }[] = [];
  let off = 24;
  while (off < f.length) {
    const caplen = dv.getUint32(off + 8, true);
    recs.push({ sec: dv.getUint32(off, true), usec: dv.getUint32(off + 4, true), caplen, len: dv.getUint32(off + 12, true), data: f.subarray(off + 16, off + 16 + caplen) });
    off += 16 + caplen;
  }
  return { hdr, recs, end: off };
}

for (const build of BOTH) {
  test(`${build}: pcap files are valid and byte-identical for the same seed`, async (t) => {
    const r1 = await run(build, 3);
    const r2 = await run(build, 3);
    for (let i = 0; i < 3; i++) t.deepEqual(r1.files[i], r2.files[i]);
    const [fa, fb, fl] = r1.files.map(parse);
    for (const p of [fa, fb, fl]) {
      t.is(p.hdr.magic, 0xa1b2c3d4);
      t.is(p.hdr.major, 2);
      t.is(p.hdr.minor, 4);
      t.is(p.hdr.zone, 0);
      t.is(p.hdr.snaplen, 262144);
    }
    t.is(fa.hdr.linktype, 1, "DLT_EN10MB");
    t.is(fl.hdr.linktype, 0, "DLT_NULL");
    t.is(fa.end, r1.files[0].length);
    // epair0a: each round a unicast frame and a broadcast go out, and the
    // broadcast's loop-back copy is seen as input on the sender too.
    t.is(fa.recs.length, 9);
    // epair0b: the two frames that crossed.
    t.is(fb.recs.length, 6);
    t.is(fb.recs[0].len, 14 + 40);
    t.deepEqual(Array.from(fb.recs[1].data.subarray(0, 6)), BCAST);
    t.is(fb.recs[1].data[12], 0x08);
    // Timestamps: boot time plus the virtual clock.
    t.is(fb.recs[0].sec, 1_700_000_000);
    t.is(fb.recs[0].usec, 0);
    t.is(fb.recs[2].sec, 1_700_000_001);
    t.is(fb.recs[2].usec, 234567);
    t.is(fb.recs[4].sec, 1_700_000_002);
    t.is(fb.recs[4].usec, 469134);
    // lo0: the 4-byte address family (AF_INET, host order) then the packet.
    t.is(fl.recs.length, 3);
    t.deepEqual(Array.from(fl.recs[0].data.subarray(0, 4)), [2, 0, 0, 0]);
    t.is(fl.recs[0].len, 4 + 24);
    t.deepEqual(r1.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
    t.notDeepEqual((await run(build, 3)).files[0], (await run(build, 4)).files[0], "another seed, other MACs");
  });

  test(`${build}: no listener, no work; direction, snaplen and filters on a capture`, async (t) => {
    const k = await loadKernel(build);
    record_netisr(k, k.NETISR_IP);
    const v0 = k.vnet0;
    ifconfig_create(k, v0, "epair");
    ifconfig_up(k, v0, "epair0a");
    ifconfig_up(k, v0, "epair0b");
    const a = ifp_in(k, v0, "epair0a");
    const b = ifp_in(k, v0, "epair0b");
    t.false(k.bpf_peers_present(a));
    const cin = k.bpf_open_capture(a, { direction: k.BPF_D_IN });
    const cout = k.bpf_open_capture(a, { direction: k.BPF_D_OUT, snaplen: 20 });
    const cflt = k.bpf_open_capture(b, { filter: (p) => p[12] === 0x08 && p[13] === 0x06 });
    if (cin === null || cout === null || cflt === null) throw new Error("no tap");
    t.true(k.bpf_peers_present(a));
    const send = (from: typeof a, to: typeof a, type: number) => inv(k, v0, () => k.ether_output_frame(from, mkpkt(k, frame(k.IF_LLADDR(to), k.IF_LLADDR(from), type, 100))));
    send(a, b, k.ETHERTYPE_IP);
    send(b, a, k.ETHERTYPE_IP);
    send(a, b, k.ETHERTYPE_ARP);
    record_netisr(k, k.NETISR_ARP, "arp");
    k.kern_run_until_idle();
    const pin = k.bpf_capture_packets(cin);
    const pout = k.bpf_capture_packets(cout);
    t.is(pin.length, 1, "only what a received");
    t.is(pout.length, 2, "only what a sent");
    t.is(pout[0].caplen, 20);
    t.is(pout[0].len, 114);
    t.is(pout[0].data.length, 20);
    t.is(cflt.bd_rcount, 3, "two received, one sent");
    t.is(cflt.bd_fcount, 1, "the ARP frame");
    k.bpf_close_capture(cin);
    k.bpf_close_capture(cout);
    t.false(k.bpf_peers_present(a));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

needs("tshark").test("vimage: tshark reads the pcap files", async (t) => {
  const { execFileSync } = await import("node:child_process");
  const fs = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const { files } = await run("vimage", 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-bpf-"));
  const fa = path.join(dir, "a.pcap");
  const fl = path.join(dir, "lo.pcap");
  fs.writeFileSync(fa, files[0]);
  fs.writeFileSync(fl, files[2]);
  const out = (f: string, ...fields: string[]) =>
    execFileSync("tshark", ["-r", f, "-T", "fields", ...fields.flatMap((x) => ["-e", x])], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .split("\n");
  const ea = out(fa, "frame.len", "eth.type");
  t.is(ea.length, 9);
  t.deepEqual(ea.slice(0, 3), ["54\t0x0800", "34\t0x0800", "34\t0x0800"]);
  const el = out(fl, "frame.len", "null.family");
  t.deepEqual(el, ["28\t2", "28\t2", "28\t2"]);
  fs.rmSync(dir, { recursive: true });
});

for (const build of BOTH) {
  test(`${build}: a streaming listener hands its reader the same records a keeping one holds, large ones too`, async (t) => {
    const k = await loadKernel(build, 5);
    const v0 = k.vnet0;
    ifconfig_create(k, v0, "epair");
    const a = ifp_in(k, v0, "epair0a");
    const keep = k.bpf_open_capture(a);
    const reader = () => {
      const r = { begun: 0, bytes: [] as Uint8Array[], br_begin: () => void r.begun++, br_read: (_d: unknown, recs: Uint8Array) => void r.bytes.push(recs.slice()) };
      return r;
    };
    const rs = reader();
    const rsmall = reader();
    const stream = k.bpf_open_stream(a, rs);
    const small = k.bpf_open_stream(a, rsmall, { snaplen: 100 });
    if (keep === null || stream === null || small === null) throw new Error("no tap");
    t.is(rs.begun, 0, "nothing heard, nothing begun (no buffer either)");
    t.is(stream.bd_sbuf, null);
    // Sizes around the 32 KiB store buffer and beyond it (it grows).
    const sizes = [60, 1514, 30000, 32752, 32753, 40000, 70000, 14, 9000, 100000, 60];
    for (let i = 0; i < sizes.length; i++) {
      const m = mkpkt(k, new Uint8Array(sizes[i]).map((_, j) => (i * 7 + j) & 0xff));
      k.bpf_mtap(a, m);
      k.m_freem(m);
      k.kern_advance_ns(1_000_000);
    }
    k.bpf_stream_flush(stream);
    k.bpf_stream_flush(small);
    t.deepEqual([rs.begun, rsmall.begun], [1, 1]);
    t.true(rs.bytes.length > 3, "flushed along the way");
    const file = Buffer.concat([k.pcap_file_header(stream), ...rs.bytes]);
    t.true(file.equals(Buffer.from(k.pcap_file(keep))), "the same bytes as pcap_file of the keeping listener");
    const cut = parse(Buffer.concat([k.pcap_file_header(small), ...rsmall.bytes]));
    t.deepEqual(
      cut.recs.map((r) => [r.caplen, r.len]),
      sizes.map((n) => [Math.min(n, 100), n]),
    );
    t.true((stream.bd_sbuf?.length ?? 0) >= 16 + 100000);
    t.is(small.bd_sbuf?.length, k.BPF_STREAM_BUFSIZE);
    k.bpf_close_capture(keep);
    k.bpf_close_capture(stream);
    k.bpf_close_capture(small);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
