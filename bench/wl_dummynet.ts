// The dummynet workload: a pipe's delivered rate against its setting, and
// the cost of a packet through a pipe.  Packets are pushed into pipe 1
// through dummynet_io as ipfw's pipe action does (IPv4, inbound), kept
// backlogged, and counted where dummynet hands them back (IP input, which
// this worker's own netisr handler replaces).  The rate is measured on the
// virtual clock (exact, seeded); the cost on the wall clock.
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  DN_API_VERSION,
  DN_CMD_CONFIG,
  DN_CMD_FLUSH,
  DN_FS,
  DN_LINK,
  DN_MAX_ID,
  DN_PIPE_CMD,
  DN_SCH,
  NETISR_IP,
  SIZEOF_DN_FS,
  SIZEOF_DN_ID,
  SIZEOF_DN_LINK,
  SIZEOF_DN_SCH,
  cred0,
  dn_fs,
  dn_fs_enc,
  dn_link,
  dn_link_enc,
  dn_sch,
  dn_sch_enc,
  do_config,
  dummynet_io,
  kern_advance_ns,
  kern_run_until_idle,
  m_devget,
  m_freem,
  nanouptime_ns,
  netisr_dispatch,
  netisr_register,
  netisr_registered,
  netisr_unregister,
  set_oid,
  sys_kldload,
  vnet0,
  type mbuf,
} from "../index.ts";
import { ip_fw_args } from "../netpfil/ipfw/ip_fw_private.ts";

const IPFW_ARGS_IN = 0x00400000;
const IPFW_ARGS_IP4 = 0x01000000;
const IPFW_IS_DUMMYNET = 0x10000000;
const IPFW_IS_PIPE = 0x08000000;

let ready = false;
let delivered = 0;
let delivered_bytes = 0;
let last_ns = 0;
const pkt = new Uint8Array(1500);
const args = new ip_fw_args();

function setup(): void {
  if (ready) return;
  ready = true;
  const r = sys_kldload({ p_ucred: cred0 }, "dummynet");
  if (r.error !== 0) throw new Error(`kldload dummynet: ${r.error}`);
  if (netisr_registered(NETISR_IP)) netisr_unregister(NETISR_IP);
  netisr_register(NETISR_IP, "dn_bench", (m: mbuf) => {
    delivered++;
    delivered_bytes += m.m_pkthdr.len;
    last_ns = nanouptime_ns();
    m_freem(m);
  });
  pkt[0] = 0x45;
  pkt[2] = pkt.length >> 8;
  pkt[3] = pkt.length & 0xff;
  pkt[8] = 64;
  pkt[9] = 17;
}

function config(bw: number, qsize: number): void {
  const b = new Uint8Array(SIZEOF_DN_ID + SIZEOF_DN_SCH + SIZEOF_DN_LINK + SIZEOF_DN_FS);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, SIZEOF_DN_ID, true);
  dv.setUint8(2, DN_CMD_FLUSH);
  dv.setUint32(4, DN_API_VERSION, true);
  do_config(b.subarray(0, SIZEOF_DN_ID));
  dv.setUint8(2, DN_CMD_CONFIG);
  let off = SIZEOF_DN_ID;
  const s = new dn_sch();
  set_oid(s.oid, DN_SCH, SIZEOF_DN_SCH);
  s.sched_nr = 1;
  s.flags = DN_PIPE_CMD;
  dn_sch_enc(dv, off, s);
  off += SIZEOF_DN_SCH;
  const p = new dn_link();
  set_oid(p.oid, DN_LINK, SIZEOF_DN_LINK);
  p.link_nr = 1;
  p.bandwidth = bw;
  dn_link_enc(dv, off, p);
  off += SIZEOF_DN_LINK;
  const f = new dn_fs();
  set_oid(f.oid, DN_FS, SIZEOF_DN_FS);
  f.fs_nr = 1 + 2 * DN_MAX_ID;
  f.sched_nr = 1 + DN_MAX_ID;
  f.par.fill(-1);
  f.qsize = qsize;
  dn_fs_enc(dv, off, f);
  if (do_config(b) !== 0) throw new Error("pipe config");
}

function send_one(): void {
  const m = m_devget(pkt, 0, pkt.length, null);
  if (m === null) throw new Error("out of mbufs");
  args.ip_fw_args_reset();
  args.flags = IPFW_ARGS_IN | IPFW_ARGS_IP4;
  args.rule.info = IPFW_IS_DUMMYNET | IPFW_IS_PIPE | 1;
  args.f_id.addr_type = 4;
  args.m = m;
  dummynet_io(args);
  if (args.m !== null) netisr_dispatch(NETISR_IP, args.m);
}

/**
 * dn_rate: a pipe of bw bit/s kept backlogged with 1500-byte packets for
 * `sim_ms` of virtual time; the rate delivered over the run (bits between
 * the first send and the last arrival), as a fraction of bw.
 */
export function dn_rate(bw: number, sim_ms: number): { ratio: number; pkts: number } {
  setup();
  const saved = CURVNET_SET(vnet0, "dn_rate");
  try {
    config(bw, 100);
    delivered = delivered_bytes = 0;
    const t0 = nanouptime_ns();
    const end = t0 + sim_ms * 1e6;
    let sent = 0;
    // Refill every millisecond so the queue (100 slots) never runs dry.
    while (nanouptime_ns() < end) {
      while (sent - delivered < 90) {
        send_one();
        sent++;
      }
      kern_advance_ns(1e6);
    }
    kern_run_until_idle();
    const secs = (last_ns - t0) / 1e9;
    return { ratio: (delivered_bytes * 8) / secs / bw, pkts: delivered };
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** dn_cost: wall-clock ns per packet through a 1 Gbit/s pipe (queue, schedule, delay line, send). */
export function dn_cost(ms: number): number {
  setup();
  const saved = CURVNET_SET(vnet0, "dn_cost");
  try {
    config(1000000000, 100);
    let n = 0;
    const w0 = performance.now();
    while (performance.now() - w0 < ms) {
      for (let i = 0; i < 64; i++) send_one();
      n += 64;
      kern_run_until_idle();
    }
    return ((performance.now() - w0) * 1e6) / n;
  } finally {
    CURVNET_RESTORE(saved);
  }
}
