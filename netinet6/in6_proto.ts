// sys/netinet6/in6_proto.c: the inet6 domain (what the interface and routing
// layers call back into for IPv6: per-interface data, address requests,
// routing tables) and the per-vnet IPv6 configuration it declares: the
// net.inet6.ip6.* knobs with FreeBSD's names, numbers and defaults
// (auto_linklocal and use_defaultzone are registered beside their variables
// in in6_ifattach.ts and scope6.ts, which load before this file).  The
// counters (ip6stat, icmp6stat) and the knobs of other files (frag6.c's
// maxfragpackets, nd6.c's and icmp6.c's net.inet6.icmp6.*) are declared
// beside their code.

import { AF_INET6 } from "../kern/socket.ts";
import { CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, FEATURE, SYSCTL_INT, SYSCTL_STRING, kvar_of } from "../kern/sysctl.ts";
import { domain_add, type domain } from "../kern/uipc_domain.ts";
import { VNET_DEFINE_INT, VNET_I32 } from "../net/vnet.ts";
import { rt_flushifroutes_af } from "../net/route.ts";
import { _net_inet6_ip6, ip6_auto_flowlabel, ip6_v6only } from "./ip6_var.ts";
import { in6_control, in6_domifattach, in6_domifdetach, in6_localip, in6_purgeaddrs } from "./in6.ts";
import { in6_detachhead, in6_inithead } from "./in6_rmx.ts";
import { IPV6_DEFHLIM } from "../netinet/ip6.ts";
import { PF_INET6 } from "../kern/socket.ts";
import { SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import { pf_proto_register } from "../kern/uipc_socket.ts";
import { IPPROTO_TCP } from "../netinet/in.ts";
import { tcp6_input } from "../netinet/tcp_input.ts";
import { V_tcbinfo, tcp6_ctlinput } from "../netinet/tcp_subr.ts";
import { tcp6_domain_set, tcp6_protosw } from "../netinet/tcp_usrreq.ts";
import { tcp_tw_in6_localip_set } from "../netinet/tcp_timewait.ts";

import { ip6proto_register } from "./ip6_input.ts";
import { in6_pcbpurge_register } from "./in6_pcb.ts";

FEATURE("inet6", "Internet Protocol version 6");

// netinet6/in6.h: the sysctl numbers of net.inet6.ip6.
export const IPV6CTL_FORWARDING = 1;
export const IPV6CTL_SENDREDIRECTS = 2;
export const IPV6CTL_DEFHLIM = 3;
export const IPV6CTL_DEFMTU = 4;
export const IPV6CTL_FORWSRCRT = 5;
export const IPV6CTL_MRTSTATS = 7;
export const IPV6CTL_MRTPROTO = 8;
export const IPV6CTL_MAXFRAGPACKETS = 9;
export const IPV6CTL_SOURCECHECK = 10;
export const IPV6CTL_SOURCECHECK_LOGINT = 11;
export const IPV6CTL_ACCEPT_RTADV = 12;
export const IPV6CTL_LOG_INTERVAL = 14;
export const IPV6CTL_HDRNESTLIMIT = 15;
export const IPV6CTL_DAD_COUNT = 16;
export const IPV6CTL_AUTO_FLOWLABEL = 17;
export const IPV6CTL_DEFMCASTHLIM = 18;
export const IPV6CTL_GIF_HLIM = 19;
export const IPV6CTL_KAME_VERSION = 20;
export const IPV6CTL_USE_DEPRECATED = 21;
export const IPV6CTL_RR_PRUNE = 22;
export const IPV6CTL_V6ONLY = 24;
export const IPV6CTL_USETEMPADDR = 32;
export const IPV6CTL_TEMPPLTIME = 33;
export const IPV6CTL_TEMPVLTIME = 34;
export const IPV6CTL_AUTO_LINKLOCAL = 35;
export const IPV6CTL_RIP6STATS = 36;
export const IPV6CTL_PREFER_TEMPADDR = 37;
export const IPV6CTL_ADDRCTLPOLICY = 38;
export const IPV6CTL_USE_DEFAULTZONE = 39;
export const IPV6CTL_MAXFRAGS = 41;
export const IPV6CTL_MCAST_PMTU = 44;
export const IPV6CTL_STEALTH = 45;
export const ICMPV6CTL_ND6_ONLINKNSRFC4861 = 47;
export const IPV6CTL_NO_RADR = 48;
export const IPV6CTL_NORBIT_RAIF = 49;
export const IPV6CTL_RFC6204W3 = 50;
export const IPV6CTL_INTRQMAXLEN = 51;
export const IPV6CTL_INTRDQMAXLEN = 52;
export const IPV6CTL_MAXFRAGSPERPACKET = 53;
export const IPV6CTL_MAXFRAGBUCKETSIZE = 54;

/** netinet/ip6.h IPV6_DEFHLIM and in6.h IPV6_DEFAULT_MULTICAST_HOPS. */
export const IPV6_DEFAULT_MULTICAST_HOPS = 1;
/** netinet6/in6.h's __KAME_VERSION. */
export const __KAME_VERSION = "FreeBSD";

// The variables (VNET_DEFINE in in6_proto.c); read with VNET_I32, or the
// V_ accessors below.
export const ip6_forwarding = VNET_DEFINE_INT("ip6_forwarding", 0);
export const ip6_sendredirects = VNET_DEFINE_INT("ip6_sendredirects", 1);
export const ip6_defhlim = VNET_DEFINE_INT("ip6_defhlim", IPV6_DEFHLIM);
export const ip6_defmcasthlim = VNET_DEFINE_INT("ip6_defmcasthlim", IPV6_DEFAULT_MULTICAST_HOPS);
export const ip6_accept_rtadv = VNET_DEFINE_INT("ip6_accept_rtadv", 0);
export const ip6_no_radr = VNET_DEFINE_INT("ip6_no_radr", 0);
export const ip6_norbit_raif = VNET_DEFINE_INT("ip6_norbit_raif", 0);
export const ip6_rfc6204w3 = VNET_DEFINE_INT("ip6_rfc6204w3", 0);
export const ip6_log_interval = VNET_DEFINE_INT("ip6_log_interval", 5);
/** How many extension headers ip6_input walks (0: no limit). */
export const ip6_hdrnestlimit = VNET_DEFINE_INT("ip6_hdrnestlimit", 15);
/** DupAddrDetectionTransmits (RFC 4862). */
export const ip6_dad_count = VNET_DEFINE_INT("ip6_dad_count", 1);
/** May deprecated addresses be used (RFC 4862 5.5.4)? */
export const ip6_use_deprecated = VNET_DEFINE_INT("ip6_use_deprecated", 1);
export const ip6_rr_prune = VNET_DEFINE_INT("ip6_rr_prune", 5);
export const ip6_mcast_pmtu = VNET_DEFINE_INT("ip6_mcast_pmtu", 0);
/** When ip6_forward last logged (seconds of uptime), for log_interval. */
export const ip6_log_time = VNET_DEFINE_INT("ip6_log_time", 0);
export const nd6_onlink_ns_rfc4861 = VNET_DEFINE_INT("nd6_onlink_ns_rfc4861", 0);

export function V_ip6_forwarding(): number {
  return VNET_I32(ip6_forwarding);
}
export function V_ip6_sendredirects(): number {
  return VNET_I32(ip6_sendredirects);
}
export function V_ip6_defhlim(): number {
  return VNET_I32(ip6_defhlim);
}
export function V_ip6_defmcasthlim(): number {
  return VNET_I32(ip6_defmcasthlim);
}
export function V_ip6_accept_rtadv(): number {
  return VNET_I32(ip6_accept_rtadv);
}
export function V_ip6_no_radr(): number {
  return VNET_I32(ip6_no_radr);
}
export function V_ip6_norbit_raif(): number {
  return VNET_I32(ip6_norbit_raif);
}
export function V_ip6_rfc6204w3(): number {
  return VNET_I32(ip6_rfc6204w3);
}
export function V_ip6_log_interval(): number {
  return VNET_I32(ip6_log_interval);
}
export function V_ip6_hdrnestlimit(): number {
  return VNET_I32(ip6_hdrnestlimit);
}
export function V_ip6_dad_count(): number {
  return VNET_I32(ip6_dad_count);
}
export function V_ip6_use_deprecated(): number {
  return VNET_I32(ip6_use_deprecated);
}
export function V_ip6_mcast_pmtu(): number {
  return VNET_I32(ip6_mcast_pmtu);
}
export function V_nd6_onlink_ns_rfc4861(): number {
  return VNET_I32(nd6_onlink_ns_rfc4861);
}

const V = CTLFLAG_VNET | CTLFLAG_RW;
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_FORWARDING, "forwarding", V, ip6_forwarding, 0, "Enable forwarding of IPv6 packets between interfaces");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_SENDREDIRECTS, "redirect", V, ip6_sendredirects, 0, "Send ICMPv6 redirects for unforwardable IPv6 packets");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_DEFHLIM, "hlim", V, ip6_defhlim, 0, "Default hop limit to use for outgoing IPv6 packets");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_ACCEPT_RTADV, "accept_rtadv", V, ip6_accept_rtadv, 0, "Default value of per-interface flag for accepting ICMPv6 RA messages");
SYSCTL_INT(
  _net_inet6_ip6,
  IPV6CTL_NO_RADR,
  "no_radr",
  V,
  ip6_no_radr,
  0,
  "Default value of per-interface flag to control whether routers sending ICMPv6 RA messages on that interface are added into the default router list",
);
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_NORBIT_RAIF, "norbit_raif", V, ip6_norbit_raif, 0, "Always set clear the R flag in ICMPv6 NA messages when accepting RA on the interface");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_RFC6204W3, "rfc6204w3", V, ip6_rfc6204w3, 0, "Accept the default router list from ICMPv6 RA messages even when packet forwarding is enabled");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_LOG_INTERVAL, "log_interval", V, ip6_log_interval, 0, "Frequency in seconds at which to log IPv6 forwarding errors");
SYSCTL_INT(
  _net_inet6_ip6,
  IPV6CTL_HDRNESTLIMIT,
  "hdrnestlimit",
  V,
  ip6_hdrnestlimit,
  0,
  "Default maximum number of IPv6 extension headers permitted on incoming IPv6 packets, 0 for no artificial limit",
);
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_DAD_COUNT, "dad_count", V, ip6_dad_count, 0, "Number of ICMPv6 NS messages sent during duplicate address detection");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_AUTO_FLOWLABEL, "auto_flowlabel", V, ip6_auto_flowlabel, 0, "Provide an IPv6 flowlabel in outbound packets");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_DEFMCASTHLIM, "defmcasthlim", V, ip6_defmcasthlim, 0, "Default hop limit for IPv6 multicast packets originating from this node");
SYSCTL_STRING(_net_inet6_ip6, IPV6CTL_KAME_VERSION, "kame_version", CTLFLAG_RD, kvar_of(__KAME_VERSION), 0, "KAME version string");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_USE_DEPRECATED, "use_deprecated", V, ip6_use_deprecated, 0, "Allow the use of addresses whose preferred lifetimes have expired");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_RR_PRUNE, "rr_prune", V, ip6_rr_prune, 0, "");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_V6ONLY, "v6only", V, ip6_v6only, 0, "Restrict AF_INET6 sockets to IPv6 addresses only");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_MCAST_PMTU, "mcast_pmtu", V, ip6_mcast_pmtu, 0, "Enable path MTU discovery for multicast packets");

/**
 * inet6domain: what the interface and routing layers call for IPv6.  FreeBSD
 * 14's domain has no pr_control or dom_purgeaddrs: if.c calls in6_control
 * through the socket's protocol, and if_purgeaddrs and if_detach_internal
 * call in6_purgeifaddr and in6_ifdetach by name; here the domain carries
 * them, as inetdomain does for IPv4 (netinet/in.ts).
 */
export const inet6domain: domain = {
  dom_family: AF_INET6,
  dom_name: "internet6",
  dom_ifattach: (ifp) => in6_domifattach(ifp),
  dom_ifdetach: (ifp, aux) => in6_domifdetach(ifp, aux),
  pr_control: (cmd, data, ifp, cred) => in6_control(cmd, data, ifp, cred),
  dom_purgeaddrs: (ifp) => in6_purgeaddrs(ifp),
  dom_flushroutes: (ifp) => rt_flushifroutes_af(ifp, AF_INET6),
  dom_rtattach: (fibnum) => in6_inithead(fibnum),
  dom_rtdetach: (rh) => in6_detachhead(rh),
};
domain_add(inet6domain);

/** TCP's entries for IPv6 (tcp_init's IP6PROTO_REGISTER in FreeBSD 14) and
 *  PF_INET6 SOCK_STREAM for socket(2). */
function tcp6_init(): void {
  tcp6_domain_set(inet6domain);
  tcp_tw_in6_localip_set(in6_localip);
  ip6proto_register(IPPROTO_TCP, tcp6_input, tcp6_ctlinput);
  pf_proto_register(PF_INET6, tcp6_protosw);
  in6_pcbpurge_register(V_tcbinfo);
}
SYSINIT("tcp6_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, tcp6_init);
