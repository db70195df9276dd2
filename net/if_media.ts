// sys/net/if_media.h: the media words a driver reports through SIOCGIFMEDIA
// (struct ifmediareq) to the kernel's own callers: bridgestp reads the link
// status (IFM_ACTIVE) and the duplex (IFM_FDX) of a bridge member from it.
//
// Departure: ifconfig's SIOCGIFMEDIA goes through if_media_hook (net/if.ts)
// and gets text; struct ifmediareq is what in-kernel callers hand straight
// to a driver's if_ioctl, as bstp_ifupdstatus and vlan's ioctl do.

import type { ifreq } from "./if.ts";

// The network type and the status bits of ifm_status.
export const IFM_ETHER = 0x00000020;
export const IFM_AVALID = 0x00000001;
export const IFM_ACTIVE = 0x00000002;

// Ethernet subtypes (the few drivers here report).
export const IFM_AUTO = 0;
export const IFM_MANUAL = 1;
export const IFM_NONE = 2;
export const IFM_1000_T = 16;
export const IFM_10G_T = 40;

// Shared options.
export const IFM_FDX = 0x00100000;
export const IFM_HDX = 0x00200000;

export const IFM_NMASK = 0x000000e0;
export const IFM_TMASK = 0x0000001f;
export const IFM_GMASK = 0x0ff00000;

/** struct ifmediareq: ifm_name first, as an ifreq's ifr_name, so it travels
 *  through if_ioctl as one. */
export interface ifmediareq extends ifreq {
  ifm_current: number;
  ifm_mask: number;
  ifm_status: number;
  ifm_active: number;
  ifm_count: number;
}

/** A zeroed ifmediareq (bzero(&ifmr, sizeof(ifmr))). */
export function ifmediareq_zero(name: string): ifmediareq {
  return { ifr_name: name, ifm_current: 0, ifm_mask: 0, ifm_status: 0, ifm_active: 0, ifm_count: 0 };
}
