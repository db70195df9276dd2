// sys/kern/sys_generic.c and the sysctl/ioctl entry points userland uses
// that do not fit a socket call: waiting for a descriptor, reading the
// routing table (NET_RT_DUMP), and opening a bpf capture (/dev/bpf +
// BIOCSETIF).  Each runs in the caller's vnet, as the syscall would.

import { EINVAL, ENXIO, EPERM } from "./errno.ts";
import { CRED_TO_VNET } from "./kern_jail.ts";
import { PRIV_NET_BPF, PRIV_NET_ROUTE, priv_check_cred } from "./kern_priv.ts";
import { POLLIN, sys_poll, type proc } from "./uipc_syscalls.ts";
import { tsleep_catch } from "./kern_sig.ts";
import { time_uptime } from "./kern_timeout.ts";
import { mb_denied, mbuf_zone_stats, nmbclusters } from "./kern_mbuf.ts";
import { MCLBYTES, MJUMPAGESIZE, MSIZE } from "./mbuf.ts";
import { AF_INET, AF_LINK } from "./socket.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../net/vnet.ts";
import {
  IFCOUNTER_COLLISIONS,
  IFCOUNTER_IBYTES,
  IFCOUNTER_IERRORS,
  IFCOUNTER_IMCASTS,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_IQDROPS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OMCASTS,
  IFCOUNTER_OPACKETS,
  IFCOUNTER_OQDROPS,
  V_ifnet,
  ifnet_byindex,
  ifunit,
} from "../net/if.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_L2VLAN, sockaddr_dl } from "../net/if_dl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_ANNOUNCE, RTF_HOST, RTF_LLDATA, RTF_PINNED, RTM_ADD, rt_addrinfo, rt_dump, rtstat_fetch, type rt_dump_entry } from "../net/route.ts";
import { NHF_GATEWAY, NHR_NONE } from "../net/route/nhop.ts";
import { route_nhop_data } from "../net/route/route_ctl.ts";
import { rt_msghdr } from "../net/rtsock.ts";
import { LLE_IFADDR, lla_add_static, lla_delete, lla_dump, lla_rt_output, lltable_sysctl_dumparp } from "../net/if_llatbl.ts";
import { fib4_lookup_rt } from "../netinet/in_fib.ts";
import { IPPROTO_UDP, sockaddr_in } from "../netinet/in.ts";
import type { inpcb } from "../netinet/in_pcb.ts";
import { V_udbinfo } from "../netinet/udp_usrreq.ts";
import { V_ripcb } from "../netinet/raw_ip.ts";
import {
  bpf_capture_attached,
  bpf_close_capture,
  bpf_open_capture,
  bpf_read_done,
  type bpf_capture_opts,
  type bpf_d,
  type bpf_packet,
} from "../net/bpf.ts";

/** poll(2) on one descriptor for input: resolves when it is readable or
 *  timo_ns of virtual time passed. */
export async function sys_wait_readable(p: proc, fd: number, timo_ns: number): Promise<boolean> {
  const r = await sys_poll(p, [{ fd, events: POLLIN, revents: 0 }], timo_ns);
  return r.error === 0 && r.n > 0;
}

/** sysctl net.route.0.AF_INET.NET_RT_DUMP.0.fib: the routes of one fib, in
 *  the order FreeBSD's radix walk yields them: by destination, and for the
 *  same destination the longer prefix first (the dupedkey chain's order). */
export function sys_rtdump(p: proc, fibnum: number): { error: number; entries: rt_dump_entry[] } {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "sysctl_rtsock");
  try {
    const r = rt_dump(fibnum);
    r.entries.sort((a, b) => (a.rt_dst >>> 0) - (b.rt_dst >>> 0) || (b.rt_mask >>> 0) - (a.rt_mask >>> 0));
    return r;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** open("/dev/bpf") + BIOCSETIF: a capture on the named interface of the
 *  caller's vnet.  PRIV_NET_BPF is needed (root, or a vnet jail's root). */
export function sys_bpf_open(p: proc, ifname: string, opts: bpf_capture_opts = {}): { error: number; d: bpf_d | null } {
  const error = priv_check_cred(p.p_ucred, PRIV_NET_BPF);
  if (error !== 0) return { error, d: null };
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "bpf_setif");
  try {
    const ifp = ifunit(ifname);
    if (ifp === null) return { error: ENXIO, d: null };
    const d = bpf_open_capture(ifp, { ...opts, pid: p.p_pid });
    return d === null ? { error: ENXIO, d: null } : { error: 0, d };
  } finally {
    CURVNET_RESTORE(saved);
  }
}

export function sys_bpf_close(d: bpf_d): void {
  bpf_close_capture(d);
}

// ---------------------------------------------------------------------------
// bpf(4) beyond BIOCSETIF: the link type (BIOCGDLT), read(2) of what was
// captured, poll(2) for more, and the counters (BIOCGSTATS).

/** BIOCGDLT: the data link type of the descriptor's interface. */
export function sys_bpf_getdlt(d: bpf_d): number {
  return d.bd_dlt;
}

/**
 * read(2) on /dev/bpf: the packets captured after the first `from` ones
 * (tcpdump keeps its place between reads).  ENXIO once the interface went
 * away and everything it captured has been read.
 */
export function sys_bpf_read(d: bpf_d, from: number, p: proc): { error: number; packets: bpf_packet[] } {
  const recs = d.bd_records;
  bpf_read_done(d, p.p_pid);
  if (from >= recs.length && !bpf_capture_attached(d)) return { error: ENXIO, packets: [] };
  const packets: bpf_packet[] = [];
  for (let i = from; i < recs.length; i++) {
    // A record is the 16-byte pcap record header (little-endian) and the data.
    const r = recs[i];
    const dv = new DataView(r.buffer, r.byteOffset, 16);
    packets.push({ sec: dv.getUint32(0, true), usec: dv.getUint32(4, true), caplen: dv.getUint32(8, true), len: dv.getUint32(12, true), data: r.slice(16) });
  }
  return { error: 0, packets };
}

/**
 * poll(2) on /dev/bpf: sleep until the descriptor holds more than `have`
 * packets (0), timo_ns of virtual time passed (EWOULDBLOCK; 0 = no limit),
 * the interface detached (ENXIO), a caught signal arrived (EINTR), or
 * nothing in the simulation could ever deliver another packet (EINTR too,
 * as the ^C that ends a real capture).
 */
export async function sys_bpf_wait(p: proc, d: bpf_d, have: number, timo_ns: number): Promise<number> {
  for (;;) {
    if (d.bd_records.length > have) return 0;
    if (!bpf_capture_attached(d)) return ENXIO;
    const error = await tsleep_catch(p, d, timo_ns);
    if (error !== 0 && d.bd_records.length <= have) return error;
  }
}

/** BIOCGSTATS: struct bpf_stat. */
export function sys_bpf_stats(d: bpf_d): { bs_recv: number; bs_drop: number } {
  return { bs_recv: d.bd_rcount, bs_drop: d.bd_dcount };
}

// ---------------------------------------------------------------------------
// getifaddrs(3) (sysctl NET_RT_IFLISTL): one record per interface (its
// AF_LINK address and if_data) followed by one per IPv4 address with the
// address's own packet counters, in the caller's vnet.

export interface ifaddrs_data {
  ifi_mtu: number;
  ifi_ipackets: number;
  ifi_ierrors: number;
  ifi_iqdrops: number;
  ifi_opackets: number;
  ifi_oerrors: number;
  ifi_oqdrops: number;
  ifi_collisions: number;
  ifi_ibytes: number;
  ifi_obytes: number;
  ifi_imcasts: number;
  ifi_omcasts: number;
}

export interface ifaddrs_rec {
  ifa_name: string;
  ifa_flags: number;
  /** AF_LINK or AF_INET. */
  family: number;
  /** AF_LINK: sdl_index, sdl_type, the name (sdl_nlen) and LLADDR. */
  sdl_index: number;
  sdl_type: number;
  sdl_lladdr: Uint8Array;
  /** AF_INET: address, netmask and broadcast/destination, host order. */
  addr: number;
  netmask: number;
  dstaddr: number | null;
  ifa_data: ifaddrs_data;
}

function if_data_zero(): ifaddrs_data {
  return {
    ifi_mtu: 0,
    ifi_ipackets: 0,
    ifi_ierrors: 0,
    ifi_iqdrops: 0,
    ifi_opackets: 0,
    ifi_oerrors: 0,
    ifi_oqdrops: 0,
    ifi_collisions: 0,
    ifi_ibytes: 0,
    ifi_obytes: 0,
    ifi_imcasts: 0,
    ifi_omcasts: 0,
  };
}

export function sys_getifaddrs(p: proc): ifaddrs_rec[] {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "sysctl_iflist");
  try {
    const out: ifaddrs_rec[] = [];
    const list = V_ifnet().slice().sort((a, b) => a.if_index - b.if_index);
    for (const ifp of list) {
      const flags = (ifp.if_flags | ifp.if_drv_flags) >>> 0;
      const c = ifp.if_counters;
      const sdl = ifp.if_addr?.ifa_addr;
      const d: ifaddrs_data = {
        ifi_mtu: ifp.if_mtu,
        ifi_ipackets: c[IFCOUNTER_IPACKETS],
        ifi_ierrors: c[IFCOUNTER_IERRORS],
        ifi_iqdrops: c[IFCOUNTER_IQDROPS],
        ifi_opackets: c[IFCOUNTER_OPACKETS],
        ifi_oerrors: c[IFCOUNTER_OERRORS],
        ifi_oqdrops: c[IFCOUNTER_OQDROPS],
        ifi_collisions: c[IFCOUNTER_COLLISIONS],
        ifi_ibytes: c[IFCOUNTER_IBYTES],
        ifi_obytes: c[IFCOUNTER_OBYTES],
        ifi_imcasts: c[IFCOUNTER_IMCASTS],
        ifi_omcasts: c[IFCOUNTER_OMCASTS],
      };
      out.push({
        ifa_name: ifp.if_xname,
        ifa_flags: flags,
        family: AF_LINK,
        sdl_index: ifp.if_index,
        sdl_type: ifp.if_type,
        sdl_lladdr: sdl instanceof sockaddr_dl ? sdl.sdl_lladdr.slice() : new Uint8Array(0),
        addr: 0,
        netmask: 0,
        dstaddr: null,
        ifa_data: d,
      });
      for (const ifa of ifp.if_addrhead) {
        const a = ifa.ifa_addr;
        if (!("sin_addr" in a)) continue;
        const nm = ifa.ifa_netmask;
        const da = ifa.ifa_dstaddr;
        const ad = if_data_zero();
        ad.ifi_ipackets = ifa.ifa_ipackets;
        ad.ifi_opackets = ifa.ifa_opackets;
        ad.ifi_ibytes = ifa.ifa_ibytes;
        ad.ifi_obytes = ifa.ifa_obytes;
        out.push({
          ifa_name: ifp.if_xname,
          ifa_flags: flags,
          family: AF_INET,
          sdl_index: ifp.if_index,
          sdl_type: ifp.if_type,
          sdl_lladdr: new Uint8Array(0),
          addr: a.sin_addr,
          netmask: nm !== null && "sin_addr" in nm ? nm.sin_addr : 0,
          dstaddr: da !== null && "sin_addr" in da ? da.sin_addr : null,
          ifa_data: ad,
        });
      }
    }
    return out;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

// ---------------------------------------------------------------------------
// memstat_sysctl_all(3) for the mbuf zones (sysctl vm.zone_stats), as
// netstat -m reads it.  The simulator has no packet secondary zone (m_getcl
// takes from both zones) and no jumbo clusters: those zones are reported
// empty, with the limits tunable_mbinit would give them for the configured
// memory (maxmbufmem = nmbclusters * MCLBYTES * 4).  There is no sendfile.

export interface memstat_zone {
  mt_name: string;
  mt_size: number;
  mt_count: number;
  mt_free: number;
  mt_countlimit: number;
  mt_failures: number;
  mt_sleeps: number;
}

export interface mbstat_snapshot {
  zones: memstat_zone[];
  /** Requests denied (mbufs/clusters/mbuf+clusters). */
  mb_denied: { mbufs: number; clusters: number; packets: number };
  /** kern.ipc.sfstat (struct sfstat), all zero. */
  sfstat: number[];
}

const MJUM9BYTES = 9 * 1024;
const MJUM16BYTES = 16 * 1024;

export function sys_mbstat(_p: proc): mbstat_snapshot {
  const zones: memstat_zone[] = [];
  for (const z of mbuf_zone_stats()) {
    zones.push({ mt_name: z.name, mt_size: z.size, mt_count: z.used, mt_free: z.cached, mt_countlimit: z.max, mt_failures: z.fails, mt_sleeps: 0 });
  }
  const maxmbufmem = nmbclusters * MCLBYTES * 4;
  const empty = (name: string, size: number, limit: number): memstat_zone => ({
    mt_name: name,
    mt_size: size,
    mt_count: 0,
    mt_free: 0,
    mt_countlimit: limit,
    mt_failures: 0,
    mt_sleeps: 0,
  });
  zones.push(empty("mbuf_packet", MSIZE, 0));
  zones.push(empty("mbuf_jumbo_page", MJUMPAGESIZE, Math.floor(maxmbufmem / MJUMPAGESIZE / 4)));
  zones.push(empty("mbuf_jumbo_9k", MJUM9BYTES, Math.floor(Math.floor(maxmbufmem / MJUM9BYTES) / 6)));
  zones.push(empty("mbuf_jumbo_16k", MJUM16BYTES, Math.floor(Math.floor(maxmbufmem / MJUM16BYTES) / 6)));
  return { zones, mb_denied: { ...mb_denied }, sfstat: new Array<number>(12).fill(0) };
}

// ---------------------------------------------------------------------------
// The ARP table as arp(8) sees it through netlink (RTM_GETNEIGH,
// RTM_NEWNEIGH, RTM_DELNEIGH) and the route lookup it makes to find the
// interface of an address (RTM_GETROUTE / RTM_GETNEXTHOP).

export interface neigh_entry {
  /** IPv4 address, host order. */
  addr: number;
  /** The link-level address, or null while incomplete. */
  lladdr: Uint8Array | null;
  ifindex: number;
  ifname: string;
  iftype: number;
  /** Seconds until the entry expires (may be <= 0: expired); null = permanent. */
  expire_in: number | null;
  /** NTF_PROXY: a published entry. */
  published: boolean;
  /** One of our own addresses (RTF_PINNED in the route-socket dump). */
  pinned: boolean;
}

/** RTM_GETNEIGH dump for AF_INET, limited to ifindex unless 0. */
export function sys_arp_dump(p: proc, ifindex: number): neigh_entry[] {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "rtnl_handle_getneigh");
  try {
    const now = time_uptime();
    const out: neigh_entry[] = [];
    for (const e of lltable_sysctl_dumparp(AF_INET)) {
      if (ifindex !== 0 && e.ifindex !== ifindex) continue;
      const ifp = ifnet_byindex(e.ifindex);
      out.push({
        addr: e.addr,
        lladdr: e.lladdr,
        ifindex: e.ifindex,
        ifname: e.ifname,
        iftype: ifp !== null ? ifp.if_type : 0,
        expire_in: e.expire === 0 ? null : e.expire - now,
        published: (e.flags & RTF_ANNOUNCE) !== 0,
        pinned: (e.flags & RTF_PINNED) !== 0,
      });
    }
    return out;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** The interface index arp(8) would use for addr: the interface of a
 *  directly connected route in the process's fib (the address interface of
 *  a loopback route to one of our own addresses), or 0. */
export function sys_arp_guess_ifindex(p: proc, addr: number): number {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "rtnl_handle_getroute");
  try {
    // rib_lookup, as netlink's RTM_GETROUTE does: no link-state check.
    const rnd = new route_nhop_data();
    if (fib4_lookup_rt(p.p_fibnum, addr >>> 0, 0, NHR_NONE, rnd) === null) return 0;
    const nh = rnd.rnd_nhop;
    if (nh === null || (nh.nh_flags & NHF_GATEWAY) !== 0) return 0;
    if (arp_valid_type(nh.nh_ifp.if_type)) return nh.nh_ifp.if_index;
    return nh.nh_aifp.if_index;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

function arp_valid_type(t: number): boolean {
  return t === IFT_ETHER || t === IFT_L2VLAN || t === IFT_BRIDGE;
}

/** The interface index of a name in the caller's vnet (if_nametoindex), 0 if none. */
export function sys_if_nametoindex(p: proc, name: string): number {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "if_nametoindex");
  try {
    return ifunit(name)?.if_index ?? 0;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/**
 * RTM_NEWNEIGH: add or replace an entry on interface ifindex.  expire_s 0
 * makes it permanent; otherwise it lives that many seconds.  pub publishes
 * it (proxy ARP).  Needs PRIV_NET_ROUTE.
 */
export function sys_arp_set(p: proc, ifindex: number, addr: number, lladdr: Uint8Array, expire_s: number, pub: boolean): number {
  const error = priv_check_cred(p.p_ucred, PRIV_NET_ROUTE);
  if (error !== 0) return error;
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "rtnl_handle_newneigh");
  try {
    const ifp = ifnet_byindex(ifindex);
    if (ifp === null) return EINVAL;
    // NLM_F_REPLACE never replaces the entry of one of our own addresses.
    if (lla_dump(ifp).some((e) => e.addr === addr >>> 0 && (e.la_flags & LLE_IFADDR) !== 0)) return EPERM;
    if (expire_s === 0) return lla_add_static(ifp, addr, lladdr, pub);
    const rtm = new rt_msghdr();
    rtm.rtm_type = RTM_ADD;
    rtm.rtm_flags = RTF_HOST | RTF_LLDATA | (pub ? RTF_ANNOUNCE : 0);
    rtm.rtm_rmx.rmx_expire = time_uptime() + expire_s;
    const info = new rt_addrinfo();
    info.rti_info[RTAX_DST] = new sockaddr_in(addr >>> 0);
    info.rti_info[RTAX_GATEWAY] = new sockaddr_dl(ifp.if_index, ifp.if_type, "", lladdr.slice());
    return lla_rt_output(rtm, info);
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** RTM_DELNEIGH: remove the entry for addr on ifindex.  Needs PRIV_NET_ROUTE. */
export function sys_arp_delete(p: proc, ifindex: number, addr: number): number {
  const error = priv_check_cred(p.p_ucred, PRIV_NET_ROUTE);
  if (error !== 0) return error;
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "rtnl_handle_delneigh");
  try {
    const ifp = ifnet_byindex(ifindex);
    if (ifp === null) return EINVAL;
    return lla_delete(ifp, addr);
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** The rtstat counters of the caller's vnet and rttrash (netstat -rs reads
 *  them from kernel memory). */
export function sys_rtstat(p: proc): { rtstat: number[]; rttrash: number } {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "kvm_read");
  try {
    return { rtstat: rtstat_fetch(), rttrash: 0 };
  } finally {
    CURVNET_RESTORE(saved);
  }
}

// ---------------------------------------------------------------------------
// net.inet.udp.pcblist / net.inet.raw.pcblist: the PCBs netstat lists.

export interface xinpcb {
  /** xso_protocol: IPPROTO_UDP, or the raw socket's protocol. */
  xso_protocol: number;
  inp_vflag: number;
  inp_flags: number;
  inp_laddr: number;
  inp_lport: number;
  inp_faddr: number;
  inp_fport: number;
  /** so_rcv.sb_cc and so_snd.sb_cc. */
  so_rcv_cc: number;
  so_snd_cc: number;
}

function xinpcb_of(inp: inpcb, proto: number): xinpcb {
  const so = inp.inp_socket;
  return {
    xso_protocol: proto,
    inp_vflag: inp.inp_vflag,
    inp_flags: inp.inp_flags,
    inp_laddr: inp.inp_laddr,
    inp_lport: inp.inp_lport,
    inp_faddr: inp.inp_faddr,
    inp_fport: inp.inp_fport,
    so_rcv_cc: so === null ? 0 : so.so_rcv.sb_ccc,
    so_snd_cc: so === null ? 0 : so.so_snd.sb_ccc,
  };
}

/** The PCB list of "udp" or "raw", in the caller's vnet, newest first as
 *  FreeBSD's lists run. */
export function sys_pcblist(p: proc, which: "udp" | "raw"): xinpcb[] {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "in_pcblist");
  try {
    if (which === "udp") return V_udbinfo().ipi_listhead.map((inp) => xinpcb_of(inp, IPPROTO_UDP));
    return V_ripcb().map((inp) => xinpcb_of(inp, inp.inp_ip_p));
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** getfib(2). */
export function sys_getfib(p: proc): number {
  return p.p_fibnum;
}
