// sbin/natd/icmp.c: SendNeedFragIcmp, the "fragmentation needed" error
// natd sends back when a translated packet it wrote back to its divert
// socket was too big (sendto failed with EMSGSIZE).

import { AF_INET } from "../kern/socket.ts";
import { sys_sendto, type proc } from "../kern/uipc_syscalls.ts";
import { IPPROTO_ICMP, sockaddr_in } from "../netinet/in.ts";
import { ICMP_MINLEN, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, IP_HDRLEN, IP_MAXPACKET, IPH_DST, IPH_LEN, IPH_OFF, IPH_P, IPH_SRC, IPH_TOS, IPH_VHL } from "../netinet/ip.ts";
import { LibAliasIn, LibAliasInternetChecksum, type libalias } from "./libalias.ts";

const IP_MF = 0x2000;
const IP_DF = 0x4000;

/** The message is built here, as icmp.c's icmpBuf[IP_MAXPACKET]. */
const icmpBuf = new Uint8Array(IP_MAXPACKET);
const icmpView = new DataView(icmpBuf.buffer);

/**
 * SendNeedFragIcmp: tell the sender of `failed` (an IP datagram at offset
 * 0 of dv) that the path takes only `mtu` bytes.  The error, addressed back
 * to the source, goes through LibAliasIn first so that it reaches the
 * private host, then out of the raw ICMP socket `sock`.  1 when an error
 * was due (sent or not), 0 for a later fragment or an ICMP datagram.
 */
export function SendNeedFragIcmp(kp: proc, la: libalias, sock: number, failed: DataView, mtu: number, warn: (msg: string, errno: number) => void): number {
  // Not for a fragment other than the first one.
  if ((failed.getUint16(IPH_OFF) & ~(IP_MF | IP_DF)) !== 0) return 0;
  // Not about an ICMP message.
  if (failed.getUint8(IPH_P) === IPPROTO_ICMP) return 0;
  const icmp = IP_HDRLEN;
  icmpView.setUint8(icmp, ICMP_UNREACH);
  icmpView.setUint8(icmp + 1, ICMP_UNREACH_NEEDFRAG);
  icmpView.setUint16(icmp + 2, 0);
  icmpView.setUint16(icmp + 4, 0);
  icmpView.setUint16(icmp + 6, mtu & 0xffff);
  // The header and the first 64 bits of the datagram.  (natd reads ip_len
  // without ntohs; so do we, on a little-endian machine's terms.)
  const failHdrLen = (failed.getUint8(IPH_VHL) & 0x0f) << 2;
  const rawLen = failed.getUint16(IPH_LEN, true);
  let failBytes = rawLen - failHdrLen;
  if (failBytes > 8) failBytes = 8;
  failBytes += failHdrLen;
  const icmpLen = ICMP_MINLEN + failBytes;
  icmpBuf.set(new Uint8Array(failed.buffer, failed.byteOffset, Math.min(failBytes, failed.byteLength)), icmp + ICMP_MINLEN);
  icmpView.setUint16(icmp + 2, LibAliasInternetChecksum(la, icmpView, icmp, icmpLen));
  // The IP header: the failed one's, turned round.
  icmpBuf.set(new Uint8Array(failed.buffer, failed.byteOffset, IP_HDRLEN), 0);
  icmpView.setUint8(IPH_VHL, 0x45);
  icmpView.setUint16(IPH_LEN, IP_HDRLEN + icmpLen);
  icmpView.setUint8(IPH_P, IPPROTO_ICMP);
  icmpView.setUint8(IPH_TOS, 0);
  const src = icmpView.getUint32(IPH_SRC);
  icmpView.setUint32(IPH_SRC, icmpView.getUint32(IPH_DST));
  icmpView.setUint32(IPH_DST, src);
  LibAliasIn(la, icmpView, 0, IP_MAXPACKET);
  const addr = new sockaddr_in(icmpView.getUint32(IPH_DST), 0);
  addr.sin_family = AF_INET;
  const r = sys_sendto(kp, sock, icmpBuf.subarray(icmp, icmp + icmpLen), 0, addr);
  if (r.error !== 0 || r.len !== icmpLen) warn("Cannot send ICMP message.", r.error);
  return 1;
}
