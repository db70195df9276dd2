// STAND-IN, removed when the in6 and nd6 owners' pieces are merged: the
// net.inet6.ip6 knobs the packet path reads (in6_proto.c's), their
// IPV6CTL_* numbers (in6.h's) and IN6_LINKMTU (nd6.h's), here so that the
// ip6 files build before in6_proto.ts and nd6.ts exist.  Not exported
// from index.ts (their owners export the real ones).

import { VNET_DEFINE_INT } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { ND_IFINFO } from "./nd6.ts";

export const ip6_forwarding = VNET_DEFINE_INT("ip6_forwarding", 0);
export const ip6_sendredirects = VNET_DEFINE_INT("ip6_sendredirects", 1);
export const ip6_defmcasthlim = VNET_DEFINE_INT("ip6_defmcasthlim", 1);
export const ip6_hdrnestlimit = VNET_DEFINE_INT("ip6_hdrnestlimit", 15);
export const ip6_use_defzone = VNET_DEFINE_INT("ip6_use_defzone", 0);

export const IPV6CTL_MAXFRAGPACKETS = 9;
export const IPV6CTL_MAXFRAGS = 41;
export const IPV6CTL_INTRQMAXLEN = 51;
export const IPV6CTL_MAXFRAGSPERPACKET = 53;
export const IPV6CTL_MAXFRAGBUCKETSIZE = 54;

/** IN6_LINKMTU(ifp): the link MTU ND learnt, capped by the interface's. */
export function IN6_LINKMTU(ifp: ifnet): number {
  const nd = ND_IFINFO(ifp);
  if (nd.linkmtu !== 0 && nd.linkmtu < ifp.if_mtu) return nd.linkmtu;
  if (nd.maxmtu !== 0 && nd.maxmtu < ifp.if_mtu) return nd.maxmtu;
  return ifp.if_mtu;
}
