// sys/kern/kern_priv.c, sys/sys/priv.h: privilege checks.  Root on the host
// holds every privilege; root in a jail only those prison_priv_check grants;
// other users none of the ones used here.

import { EPERM } from "./errno.ts";
import type { ucred } from "./kern_prot.ts";
import { jailed, prison_priv_check } from "./kern_jail.ts";

export const PRIV_SYSCTL_DEBUG = 240;
export const PRIV_SYSCTL_WRITE = 241;
export const PRIV_SYSCTL_WRITEJAIL = 242;
export const PRIV_JAIL_ATTACH = 110;
export const PRIV_KLD_LOAD = 190;
export const PRIV_KLD_UNLOAD = 191;
export const PRIV_JAIL_SET = 111;
export const PRIV_JAIL_REMOVE = 112;
export const PRIV_NET_BRIDGE = 390;
export const PRIV_NET_GRE = 391;
export const PRIV_NET_BPF = 392;
export const PRIV_NET_RAW = 393;
export const PRIV_NET_ROUTE = 394;
export const PRIV_NET_TAP = 395;
export const PRIV_NET_SETIFMTU = 396;
export const PRIV_NET_SETIFFLAGS = 397;
export const PRIV_NET_SETIFCAP = 398;
export const PRIV_NET_SETIFNAME = 399;
export const PRIV_NET_SETIFMETRIC = 400;
export const PRIV_NET_SETIFPHYS = 401;
export const PRIV_NET_SETIFMAC = 402;
export const PRIV_NET_ADDMULTI = 403;
export const PRIV_NET_DELMULTI = 404;
export const PRIV_NET_HWIOCTL = 405;
export const PRIV_NET_SETLLADDR = 406;
export const PRIV_NET_ADDIFGROUP = 407;
export const PRIV_NET_DELIFGROUP = 408;
export const PRIV_NET_IFCREATE = 409;
export const PRIV_NET_IFDESTROY = 410;
export const PRIV_NET_ADDIFADDR = 411;
export const PRIV_NET_DELIFADDR = 412;
export const PRIV_NET_LAGG = 413;
export const PRIV_NET_GIF = 414;
export const PRIV_NET_SETIFVNET = 417;
export const PRIV_NET_SETIFDESCR = 418;
export const PRIV_NET_SETIFFIB = 419;
export const PRIV_NET_VXLAN = 420;
export const PRIV_NET_SETLANPCP = 421;
export const PRIV_NET_SETVLANPCP = PRIV_NET_SETLANPCP;
export const PRIV_NETINET_RESERVEDPORT = 490;
export const PRIV_NETINET_IPFW = 491;
export const PRIV_NETINET_DIVERT = 492;
export const PRIV_NETINET_PF = 493;
export const PRIV_NETINET_DUMMYNET = 494;
export const PRIV_NETINET_RAW = 497;
/** IPv6 administration: the source address selection policy table,
 *  neighbor discovery, scope zones, address lifetimes. */
export const PRIV_NETINET_ADDRCTRL6 = 499;
export const PRIV_NETINET_ND6 = 500;
export const PRIV_NETINET_SCOPE6 = 501;
export const PRIV_NETINET_ALIFETIME6 = 502;
export const PRIV_NETGRAPH_CONTROL = 560;

export function priv_check_cred(cred: ucred, priv: number): number {
  if (jailed(cred)) {
    const error = prison_priv_check(cred, priv);
    if (error !== 0) return error;
  }
  return cred.cr_uid === 0 ? 0 : EPERM;
}
