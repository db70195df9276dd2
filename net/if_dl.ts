// sys/net/if_dl.h, sys/net/if_types.h: link-level socket addresses and
// interface types.

import { AF_LINK } from "../kern/socket.ts";

export const IFT_OTHER = 0x1;
export const IFT_ETHER = 0x6;
export const IFT_PPP = 0x17;
export const IFT_LOOP = 0x18;
export const IFT_BRIDGE = 0xd1;
export const IFT_GIF = 0xf0;
export const IFT_L2VLAN = 0x87;
// More of if_types.h, for the link types IPv6 tells apart (in6_if2idlen,
// in6_get_hw_ifid, in6_domifattach).
export const IFT_FRELAY = 0x20;
export const IFT_ATM = 0x25;
export const IFT_PROPVIRTUAL = 0x35;
export const IFT_IEEE1394 = 0x90;
export const IFT_USB = 0xa0;
export const IFT_INFINIBAND = 0xc7;
export const IFT_STF = 0xd7;
export const IFT_PFLOG = 0xf6;
export const IFT_PFSYNC = 0xf7;

/** struct sockaddr_dl: the AF_LINK address every ifnet carries first in
 *  its address list (name, index, type and hardware address). */
export class sockaddr_dl {
  sdl_len = 0;
  sdl_family = AF_LINK;
  sdl_slen = 0;
  constructor(
    public sdl_index: number,
    public sdl_type: number,
    /** The interface name (sdl_data's first sdl_nlen bytes). */
    public sdl_data: string,
    /** The link-level address (LLADDR(sdl)), sdl_alen bytes. */
    public sdl_lladdr: Uint8Array,
  ) {
    this.sdl_len = 8 + Math.max(12, sdl_data.length + sdl_lladdr.length);
  }
  get sdl_nlen(): number {
    return this.sdl_data.length;
  }
  get sdl_alen(): number {
    return this.sdl_lladdr.length;
  }
}

/** "a:b:c:d:e:f" as link_ntoa/ether_ntoa print it (two hex digits each). */
export function ether_ntoa(a: Uint8Array): string {
  let s = "";
  for (let i = 0; i < a.length; i++) s += (i ? ":" : "") + a[i].toString(16).padStart(2, "0");
  return s;
}

export function ether_aton(s: string): Uint8Array | null {
  const p = s.split(":");
  if (p.length !== 6) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p[i])) return null;
    out[i] = parseInt(p[i], 16);
  }
  return out;
}
