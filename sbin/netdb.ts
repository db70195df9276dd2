// lib/libc/net (gethostbyaddr, getnetbyaddr, getservbyport, getnameinfo
// for AF_LINK, ether_ntoa) with FreeBSD's stock /etc/hosts and
// /etc/networks, and the part of /etc/services the simulator's traffic
// and configuration meet (UDP and TCP): the name lookups netstat, arp and tcpdump make when not told -n.
// There is no resolver, so only what those files hold resolves.

import { inet_ntoa } from "../netinet/in.ts";

/** /etc/hosts as FreeBSD installs it. */
const etc_hosts = new Map<number, string>([[0x7f000001, "localhost"]]);

/** /etc/networks as FreeBSD installs it (network numbers, right-aligned). */
const etc_networks = new Map<number, string>([
  [127, "your-net"],
  [0xffffff, "your-netmask"],
  [0x7f0001, "subnet1"],
  [0x7f0002, "subnet2"],
]);

/** gethostbyaddr(3)'s h_name, or null. */
export function gethostbyaddr(addr: number): string | null {
  return etc_hosts.get(addr >>> 0) ?? null;
}

/** getnetbyaddr(3)'s n_name, or null. */
export function getnetbyaddr(net: number): string | null {
  return etc_networks.get(net >>> 0) ?? null;
}

/** An IPv4 address as a host name unless numeric (routename, ipaddr_string). */
export function hostname4(addr: number, numeric: boolean): string {
  if (!numeric) {
    const h = gethostbyaddr(addr);
    if (h !== null) return h;
  }
  return inet_ntoa(addr >>> 0);
}

/** /etc/services: the UDP names the simulator's traffic may meet. */
const etc_services_udp = new Map<number, string>([
  [7, "echo"],
  [9, "discard"],
  [13, "daytime"],
  [19, "chargen"],
  [37, "time"],
  [53, "domain"],
  [67, "bootps"],
  [68, "bootpc"],
  [69, "tftp"],
  [82, "xfer"],
  [111, "sunrpc"],
  [123, "ntp"],
  [161, "snmp"],
  [162, "snmptrap"],
  [514, "syslog"],
  [520, "router"],
]);

/** /etc/services: the TCP names programs (ipfw rules, inetd.conf) use most. */
const etc_services_tcp = new Map<number, string>([
  [7, "echo"], [9, "discard"], [13, "daytime"], [19, "chargen"], [20, "ftp-data"], [21, "ftp"], [22, "ssh"],
  [23, "telnet"], [25, "smtp"], [37, "time"], [43, "whois"], [53, "domain"], [70, "gopher"], [79, "finger"],
  [80, "http"], [82, "xfer"], [88, "kerberos"], [110, "pop3"], [111, "sunrpc"], [113, "auth"], [119, "nntp"], [143, "imap"],
  [179, "bgp"], [389, "ldap"], [443, "https"], [445, "microsoft-ds"], [465, "submissions"], [514, "shell"],
  [587, "submission"], [636, "ldaps"], [873, "rsync"], [993, "imaps"], [995, "pop3s"], [2049, "nfsd"],
  [3306, "mysql"], [5432, "postgresql"], [6000, "x11"], [8080, "http-alt"],
]);
/** Their aliases. */
const etc_services_tcp_aliases = new Map<string, number>([["www", 80], ["www-http", 80], ["nfs", 2049]]);

/** getservbyport(3) for "udp" and "tcp" (other protocols have no ports here). */
export function getservbyport(port: number, proto: string): string | null {
  if (proto === "tcp") return etc_services_tcp.get(port) ?? null;
  if (proto !== "udp") return null;
  return etc_services_udp.get(port) ?? null;
}

/** /etc/services' "divert" entries: the ports natd(8) and ipfw's divert
 *  rules name. */
const etc_services_divert = new Map<string, number>([["natd", 8668]]);

/** getservbyname(3) for "tcp", "udp" and "divert": the port, or null. */
export function getservbyname(name: string, proto: string): number | null {
  if (proto === "divert") return etc_services_divert.get(name) ?? null;
  if (proto === "tcp") {
    for (const [port, n] of etc_services_tcp) if (n === name) return port;
    return etc_services_tcp_aliases.get(name) ?? null;
  }
  if (proto !== "udp") return null;
  for (const [port, n] of etc_services_udp) if (n === name) return port;
  return null;
}

/** ether_ntoa(3): six two-digit lowercase hex bytes. */
export function ether_ntoa(a: Uint8Array): string {
  return Array.from(a.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * ether_aton(3): libc reads the string with sscanf("%x:%x:%x:%x:%x:%x") and
 * keeps the low byte of each number, so blanks before a number, a sign, a
 * 0x prefix, more than two digits and anything after the sixth number are
 * all taken; fewer than six numbers give null.
 */
export function ether_aton(s: string): Uint8Array | null {
  const out = new Uint8Array(6);
  let i = 0;
  for (let n = 0; n < 6; n++) {
    if (n > 0) {
      if (s[i] !== ":") return null;
      i++;
    }
    while (i < s.length && " \t\n\v\f\r".includes(s[i])) i++;
    let neg = false;
    if (s[i] === "+" || s[i] === "-") {
      neg = s[i] === "-";
      i++;
    }
    let v = 0n;
    let digits = 0;
    if (s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X")) {
      // "0x" with no hex digit after it is the number 0 and the x stays.
      i += /^[0-9a-fA-F]$/.test(s[i + 2] ?? "") ? 2 : 1;
      digits = 1;
    }
    for (; i < s.length && /^[0-9a-fA-F]$/.test(s[i]); i++, digits++) {
      v = v * 16n + BigInt(parseInt(s[i], 16));
      if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
    }
    if (digits === 0) return null;
    if (neg) v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
    out[n] = Number(v & 0xffn);
  }
  return out;
}

/** getnameinfo(3) on an AF_LINK address (getnameinfo_link): "link#N" for
 *  an address with neither name nor link address, the name when there is
 *  no link address, else the link address in hex (what every type this
 *  simulator has, Ethernet among them, gets). */
export function link_name(index: number, _type: number, name: string, lladdr: Uint8Array): string {
  if (name.length === 0 && lladdr.length === 0) return `link#${index}`;
  if (name.length > 0 && lladdr.length === 0) return name;
  return Array.from(lladdr, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** printf's %-*.*s / %*.*s: pad to width, cut to precision. */
export function ljust(s: string, width: number, prec = -1): string {
  const t = prec >= 0 ? s.slice(0, prec) : s;
  return t.padEnd(width);
}
export function rjust(s: string, width: number, prec = -1): string {
  const t = prec >= 0 ? s.slice(0, prec) : s;
  return t.padStart(width);
}

/** gethostbyname(3) for IPv4 over /etc/hosts: the address, or null. */
export function gethostbyname4(name: string): number | null {
  for (const [addr, h] of etc_hosts) if (h === name) return addr;
  return null;
}
