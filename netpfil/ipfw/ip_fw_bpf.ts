// sys/netpfil/ipfw/ip_fw_bpf.c (FreeBSD 14): the ipfw0 interface.  While
// net.inet.ip.fw.verbose is 0, "log" rules hand their packets to the bpf
// listeners of ipfw0 (tcpdump -i ipfw0) instead of the kernel log; the
// interface exists once made (ifconfig ipfw0 create), one per vnet, from a
// cloner ipfw attaches in every vnet it runs in.
//
// Departure: the ipfwlog cloner (DLT_PFLOG headers) is not made; its
// packets would come only from rules that FreeBSD 14's ipfw(8) does not
// write.

import { EEXIST, EINVAL } from "../../kern/errno.ts";
import { m_freem } from "../../kern/kern_mbuf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { DLT_EN10MB, bpf_mtap, bpf_mtap2, bpfattach, bpfdetach } from "../../net/bpf.ts";
import { ETHER_HDR_LEN } from "../../net/ethernet.ts";
import { IFF_MULTICAST, IFF_SIMPLEX, IFF_UP, if_alloc, if_attach, if_detach, if_free, if_initname, type ifnet } from "../../net/if.ts";
import { if_clone_detach, if_clone_simple, type if_clone } from "../../net/if_clone.ts";
import { IFT_PFLOG } from "../../net/if_dl.ts";
import { VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET } from "../../net/vnet.ts";

const log_if = VNET_DEFINE_PTR<ifnet | null>("log_if", null);
const ipfw_cloner = VNET_DEFINE_PTR<if_clone | null>("ipfw_cloner", null);

const ipfwname = "ipfw";

function ipfw_bpf_ioctl(): number {
  return EINVAL;
}

function ipfw_bpf_output(_ifp: ifnet, m: mbuf | null): number {
  if (m !== null) m_freem(m);
  return 0;
}

function ipfw_clone_destroy(ifp: ifnet): void {
  if (ifp.if_hdrlen === ETHER_HDR_LEN) VNET_PTR_SET(log_if, null);
  bpfdetach(ifp);
  if_detach(ifp);
  if_free(ifp);
}

function ipfw_clone_create(_ifc: if_clone, unit: number): number {
  const ifp = if_alloc(IFT_PFLOG);
  if_initname(ifp, ipfwname, unit);
  ifp.if_flags = IFF_UP | IFF_SIMPLEX | IFF_MULTICAST;
  ifp.if_mtu = 65536;
  ifp.if_ioctl = ipfw_bpf_ioctl;
  ifp.if_output = ipfw_bpf_output;
  ifp.if_hdrlen = ETHER_HDR_LEN;
  if_attach(ifp);
  bpfattach(ifp, DLT_EN10MB, ETHER_HDR_LEN);
  if (VNET_PTR(log_if) !== null) {
    bpfdetach(ifp);
    if_detach(ifp);
    if_free(ifp);
    return EEXIST;
  }
  VNET_PTR_SET(log_if, ifp);
  return 0;
}

/** ipfw_bpf_mtap: a layer-2 packet as it is. */
export function ipfw_bpf_mtap(m: mbuf): void {
  const ifp = VNET_PTR(log_if);
  if (ifp !== null) bpf_mtap(ifp, m);
}

/** ipfw_bpf_mtap2: a layer-3 packet behind the 14-byte header given. */
export function ipfw_bpf_mtap2(hdr: Uint8Array, m: mbuf): void {
  const ifp = VNET_PTR(log_if);
  if (ifp !== null) bpf_mtap2(ifp, hdr, m);
}

/** ipfw_bpf_init: at vnet_ipfw_init. */
export function ipfw_bpf_init(_first: number): void {
  VNET_PTR_SET(log_if, null);
  VNET_PTR_SET(ipfw_cloner, if_clone_simple(ipfwname, ipfw_clone_create, ipfw_clone_destroy, 0));
}

/** ipfw_bpf_uninit: at vnet_ipfw_uninit (ipfw0, if made, goes). */
export function ipfw_bpf_uninit(_last: number): void {
  const c = VNET_PTR(ipfw_cloner);
  if (c !== null) if_clone_detach(c);
  VNET_PTR_SET(ipfw_cloner, null);
}
