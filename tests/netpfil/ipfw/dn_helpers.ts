// Helpers for the dummynet tests: IP_DUMMYNET3 configuration buffers laid
// out as sbin/ipfw/dummynet.c builds them, a stand-in for ipfw's
// ip_fw_args, and a recorder of what dummynet hands back to IP input.
import type { Kernel } from "../../helpers/builds.ts";
import type { mbuf } from "../../../kern/mbuf.ts";
import type { ip_fw_args } from "../../../netpfil/ipfw/ip_fw_private.ts";
import { inv, mkpkt } from "../../net/link_helpers.ts";

export const IPFW_ARGS_IN = 0x00400000;
export const IPFW_ARGS_OUT = 0x00800000;
export const IPFW_ARGS_IP4 = 0x01000000;
export const IPFW_IS_DUMMYNET = 0x10000000;
export const IPFW_IS_PIPE = 0x08000000;

export interface pipe_opts {
  bw?: number;
  delay?: number;
  qsize?: number;
  qbytes?: boolean;
  plr?: number;
  /** sched_mask (pipe) or flow_mask (queue) on the source address. */
  src_mask?: number;
  dst_mask?: number;
  weight?: number;
  sched?: number;
  type?: string;
  /** RED: w_q, min_th, max_th, max_p (as `red w_q/min_th/max_th/max_p`). */
  red?: [number, number, number, number];
}

/** `pipe N config ...` as ipfw sends it: header, sched, link, flowset. */
export function pipe_config_buf(k: Kernel, n: number, o: pipe_opts): Uint8Array {
  const len = k.SIZEOF_DN_ID + k.SIZEOF_DN_SCH + k.SIZEOF_DN_LINK + k.SIZEOF_DN_FS;
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, k.SIZEOF_DN_ID, true);
  dv.setUint8(2, k.DN_CMD_CONFIG);
  dv.setUint32(4, k.DN_API_VERSION, true);
  let off = k.SIZEOF_DN_ID;
  const sch = new k.dn_sch();
  k.set_oid(sch.oid, k.DN_SCH, k.SIZEOF_DN_SCH);
  sch.sched_nr = n;
  sch.flags = k.DN_PIPE_CMD;
  if (o.src_mask !== undefined || o.dst_mask !== undefined) {
    sch.sched_mask.src_ip = (o.src_mask ?? 0) >>> 0;
    sch.sched_mask.dst_ip = (o.dst_mask ?? 0) >>> 0;
    sch.sched_mask.addr_type = 4;
    sch.flags |= k.DN_HAVE_MASK;
  }
  k.dn_sch_enc(dv, off, sch);
  off += k.SIZEOF_DN_SCH;
  const p = new k.dn_link();
  k.set_oid(p.oid, k.DN_LINK, k.SIZEOF_DN_LINK);
  p.link_nr = n;
  p.bandwidth = o.bw ?? 0;
  p.delay = o.delay ?? 0;
  k.dn_link_enc(dv, off, p);
  off += k.SIZEOF_DN_LINK;
  const fs = new k.dn_fs();
  k.set_oid(fs.oid, k.DN_FS, k.SIZEOF_DN_FS);
  fs.fs_nr = n + 2 * k.DN_MAX_ID;
  fs.sched_nr = n + k.DN_MAX_ID;
  fs.par.fill(-1);
  fs.qsize = o.qsize ?? 0;
  if (o.qbytes === true) fs.flags |= k.DN_QSIZE_BYTES;
  fs.plr = Math.trunc((o.plr ?? 0) * 0x7fffffff);
  if (o.red !== undefined) {
    fs.flags |= k.DN_IS_RED;
    fs.w_q = Math.trunc(o.red[0] * 65536);
    fs.min_th = o.red[1];
    fs.max_th = o.red[2];
    fs.max_p = Math.trunc(o.red[3] * 65536);
  }
  k.dn_fs_enc(dv, off, fs);
  return b;
}

/** `queue N config pipe|sched M weight W mask ...`. */
export function queue_config_buf(k: Kernel, n: number, o: pipe_opts): Uint8Array {
  const b = new Uint8Array(k.SIZEOF_DN_ID + k.SIZEOF_DN_FS);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, k.SIZEOF_DN_ID, true);
  dv.setUint8(2, k.DN_CMD_CONFIG);
  dv.setUint32(4, k.DN_API_VERSION, true);
  const fs = new k.dn_fs();
  k.set_oid(fs.oid, k.DN_FS, k.SIZEOF_DN_FS);
  fs.fs_nr = n;
  fs.sched_nr = o.sched ?? 0;
  fs.par.fill(-1);
  if (o.weight !== undefined) fs.par[0] = o.weight;
  fs.qsize = o.qsize ?? 0;
  fs.plr = Math.trunc((o.plr ?? 0) * 0x7fffffff);
  if (o.src_mask !== undefined || o.dst_mask !== undefined) {
    fs.flow_mask.src_ip = (o.src_mask ?? 0) >>> 0;
    fs.flow_mask.dst_ip = (o.dst_mask ?? 0) >>> 0;
    fs.flow_mask.addr_type = 4;
    fs.flags |= k.DN_HAVE_MASK;
  }
  k.dn_fs_enc(dv, k.SIZEOF_DN_ID, fs);
  return b;
}

export interface arrival {
  ns: number;
  seq: number;
  src: number;
}

/** Replace IP input with a recorder of arrival time, sequence (bytes 4..7) and source. */
export function record_ip(k: Kernel): arrival[] {
  const got: arrival[] = [];
  if (k.netisr_registered(k.NETISR_IP)) k.netisr_unregister(k.NETISR_IP);
  k.netisr_register(k.NETISR_IP, "dn_test", (m: mbuf) => {
    const b = new Uint8Array(20);
    k.m_copydata(m, 0, 20, b);
    const dv = new DataView(b.buffer);
    got.push({ ns: k.nanouptime_ns(), seq: dv.getUint32(4), src: dv.getUint32(12) });
    k.m_freem(m);
  });
  return got;
}

/** An IPv4-looking packet of len bytes carrying seq (in the id and offset words). */
export function ip_pkt(k: Kernel, len: number, seq: number, src = 0x0a000001, dst = 0x0a000002): mbuf {
  const b = new Uint8Array(len);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, len);
  dv.setUint32(4, seq);
  b[8] = 64;
  b[9] = 17;
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  return mkpkt(k, b);
}

/** What ipfw_chk hands dummynet for a pipe or queue action. */
export function fw_args(m: mbuf, nr: number, pipe: boolean, src = 0x0a000001, dst = 0x0a000002): ip_fw_args {
  const f_id = {
    dst_ip: dst >>> 0,
    src_ip: src >>> 0,
    dst_port: 0,
    src_port: 0,
    fib: 0,
    proto: 17,
    _flags: 0,
    addr_type: 4,
    dst_ip6: new Uint8Array(16),
    src_ip6: new Uint8Array(16),
    flow_id6: 0,
    extra: 0,
  };
  return {
    flags: IPFW_ARGS_IN | IPFW_ARGS_IP4,
    rule: { slot: 1, rulenum: 100, rule_id: 1, chain_id: 1, info: IPFW_IS_DUMMYNET | (pipe ? IPFW_IS_PIPE : 0) | nr },
    ifp: null,
    m,
    f_id,
  } as unknown as ip_fw_args;
}

/** kldload dummynet and configure in vnet0. */
export function dn_load(k: Kernel): void {
  const r = k.sys_kldload({ p_ucred: k.cred0 }, "dummynet");
  if (r.error !== 0) throw new Error(`kldload dummynet: ${r.error}`);
}

export function dn_config(k: Kernel, buf: Uint8Array): number {
  return inv(k, k.vnet0, () => k.do_config(buf));
}

/** Push a packet through dummynet_io in vnet0; the errno. */
export function dn_send(k: Kernel, m: mbuf, nr: number, pipe: boolean, src?: number): number {
  return inv(k, k.vnet0, () => {
    const a = fw_args(m, nr, pipe, src);
    const e = k.dummynet_io(a);
    // Sent at once: it goes on as ipfw would send it (here, IP input).
    if (e === 0 && a.m !== null) k.netisr_dispatch(k.NETISR_IP, a.m);
    return e;
  });
}
