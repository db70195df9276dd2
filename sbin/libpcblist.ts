// sys/netinet/in_pcb.h struct xinpgen and xinpcb, sys/netinet/tcp_var.h
// struct xtcpcb: the records of the net.inet.{tcp,udp,raw}.pcblist sysctls
// as userland reads them.  usr.bin/netstat/inet.c (protopr) and
// usr.bin/sockstat/sockstat.c (gather_inet) each walk these records; here
// the walk is written once for both.
//
// Departure: FreeBSD has no such library (each program casts the sysctl
// buffer to the structs); the records here are word arrays laid out at the
// XI_ (in_pcb.ts) and XT_ (tcp_var.ts) offsets.

import type { uproc } from "./libc.ts";
import { XINPCB_LEN, XINPGEN_LEN, XI_FADDR, XI_FADDR6, XI_FLAGS, XI_FPORT, XI_LADDR, XI_LADDR6, XI_LPORT, XI_PROTOCOL, XI_RCV_CC, XI_SND_CC, XI_SO, XI_VFLAG } from "../netinet/in_pcb.ts";
import { XTCPCB_EXTRA } from "../netinet/tcp_var.ts";
import { sysctlbyname } from "./libc_sysctl.ts";

/** One struct xinpcb (with TCP's xtcpcb words when the list is TCP's). */
export interface xinpcb {
  /** xi_socket: the socket's generation number, sockstat's key into kern.file. */
  xi_socket: number;
  xso_protocol: number;
  inp_vflag: number;
  inp_flags: number;
  /** IPv4 addresses, host order. */
  inp_laddr: number;
  inp_lport: number;
  inp_faddr: number;
  inp_fport: number;
  so_rcv_cc: number;
  so_snd_cc: number;
  in6p_laddr: Uint8Array;
  in6p_faddr: Uint8Array;
  /** The xtcpcb words after the xinpcb (XT_ offsets), or null outside TCP. */
  xt: readonly number[] | null;
}

/** Four network-order words as the 16 bytes of an in6_addr. */
function words6(w: readonly number[], o: number): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = w[o + i] >>> 0;
    b[4 * i] = v >>> 24;
    b[4 * i + 1] = (v >>> 16) & 0xff;
    b[4 * i + 2] = (v >>> 8) & 0xff;
    b[4 * i + 3] = v & 0xff;
  }
  return b;
}

function xinpcb_at(w: readonly number[], o: number, tcp: boolean): xinpcb {
  return {
    xi_socket: w[o + XI_SO],
    xso_protocol: w[o + XI_PROTOCOL],
    inp_vflag: w[o + XI_VFLAG],
    inp_flags: w[o + XI_FLAGS],
    inp_laddr: w[o + XI_LADDR],
    inp_lport: w[o + XI_LPORT],
    inp_faddr: w[o + XI_FADDR],
    inp_fport: w[o + XI_FPORT],
    so_rcv_cc: w[o + XI_RCV_CC],
    so_snd_cc: w[o + XI_SND_CC],
    in6p_laddr: words6(w, o + XI_LADDR6),
    in6p_faddr: words6(w, o + XI_FADDR6),
    xt: tcp ? w.slice(o + XINPCB_LEN, o + XINPCB_LEN + XTCPCB_EXTRA) : null,
  };
}

/**
 * pcblist_get(kp, mibvar): the records of one pcblist sysctl, after its
 * xinpgen header; net.inet.tcp.pcblist's carry their xtcpcb part.  error
 * is sysctlbyname's (ENOENT: the protocol is not in this kernel).
 */
export function pcblist_get(kp: uproc, mibvar: string): { error: number; list: xinpcb[] } {
  const list: xinpcb[] = [];
  const r = sysctlbyname(kp, mibvar);
  if (r.error !== 0) return { error: r.error, list };
  if (!Array.isArray(r.value)) return { error: 0, list };
  const w = r.value as readonly number[];
  const tcp = mibvar === "net.inet.tcp.pcblist";
  const len = tcp ? XINPCB_LEN + XTCPCB_EXTRA : XINPCB_LEN;
  for (let o = XINPGEN_LEN; o + len <= w.length; o += len) list.push(xinpcb_at(w, o, tcp));
  return { error: 0, list };
}
