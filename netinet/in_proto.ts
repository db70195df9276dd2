// sys/netinet/in_proto.c: the Internet domain's protocol switch, which
// (type, protocol) pairs socket(2) can make in PF_INET: SOCK_STREAM with
// protocol 0 or IPPROTO_TCP is TCP; SOCK_DGRAM with protocol 0 or
// IPPROTO_UDP is UDP; SOCK_RAW with any protocol is raw IP.  Anything else
// is refused by socreate (EPROTONOSUPPORT).  FreeBSD lists TCP, UDP, SCTP
// and UDP-Lite before raw IP; the three that exist here are listed in the
// same order.

import { PF_INET } from "../kern/socket.ts";
import { pf_proto_register, type protosw } from "../kern/uipc_socket.ts";
import { tcp_protosw } from "./tcp_usrreq.ts";
import { udp_protosw } from "./udp_usrreq.ts";
import { rip_protosw } from "./raw_ip.ts";

export const inetsw: readonly protosw[] = [tcp_protosw, udp_protosw, rip_protosw];

for (const pr of inetsw) pf_proto_register(PF_INET, pr);
