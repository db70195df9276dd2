// Malformed and edge-case command lines for the programs under sbin/, with
// the message and exit status FreeBSD's program gives (sbin/ifconfig,
// sbin/route, sbin/ping, usr.sbin/arp, usr.bin/netstat, sbin/sysctl,
// usr.sbin/jail, usr.sbin/jls, usr.sbin/jexec, usr.sbin/setfib,
// usr.bin/killall, sbin/dmesg, sbin/kldstat, sbin/kldload, sbin/kldunload,
// bin/sleep, bin/sh, tcpdump, usr.sbin/ngctl, usr.sbin/ip6addrctl,
// usr.sbin/traceroute, usr.sbin/traceroute6, iperf3).  Rows marked `known` are where VirtNet's
// program still says something else than FreeBSD's: the suite reports them
// apart and does not fail on them.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const LONG = "x".repeat(300);
const UNI = "ünï©ødé→名前";
const NUL_LIKE = "\u0001\u007f";

/** The first lines of a program's usage message, for rows that end in it. */
const usage = (first: string): RegExp => new RegExp(`^${first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
const illegal = (prog: string, opt: string, first: string): RegExp => new RegExp(`^${prog}: illegal option -- ${opt}\n${first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

// --- ifconfig ---------------------------------------------------------------
const IFC_USAGE = "usage: ifconfig [-j jail] [-f type:format] [-L] [-C] [-g groupname] interface address_family";
const ifconfig: badcmd_row[] = [];
for (const opt of ["Z", "y", "Q", "X"]) ifconfig.push({ argv: ["ifconfig", `-${opt}`], status: 1, err: usage(IFC_USAGE) });
for (const name of ["nosuch0", "em0", "epair9a", "lo1", "bridge0", "vlan5", "tap0", "lo0.5", "-", NUL_LIKE]) {
  for (const act of [[], ["up"], ["down"], ["inet", "10.0.0.1/24"], ["mtu", "1500"], ["destroy"]]) {
    ifconfig.push({ argv: ["ifconfig", name, ...act], status: 1, err: `ifconfig: interface ${name} does not exist\n` });
  }
}
// IFNAMSIZ counts bytes: UNI is 11 characters but 21 bytes of UTF-8.
for (const name of [LONG, "x".repeat(16), "averyveryverylongname0", UNI]) {
  for (const act of [[], ["up"], ["inet", "10.0.0.1/24"], ["destroy"], ["create"]]) {
    ifconfig.push({ argv: ["ifconfig", name, ...act], status: 1, err: `ifconfig: interface name '${name}' too long\n` });
  }
}
for (const bad of ["300.1.1.1", "abc", "1.2.3.4.5", "256.256.256.256", "nosuchhost.example", UNI, "1..2.3", "-1.2.3.4"]) {
  ifconfig.push({ argv: ["ifconfig", "lo0", "inet", bad], status: 1, err: `ifconfig: ${bad}: bad value\n` });
  ifconfig.push({ argv: ["ifconfig", "lo0", "inet", "127.0.0.2", "netmask", bad], status: 1, err: `ifconfig: ${bad}: bad value\n` });
}
for (const [bad, why] of [
  ["1.2.3.4/33", "too large"],
  ["1.2.3.4/99", "too large"],
  ["1.2.3.4/abc", "invalid"],
  ["1.2.3.4/", "invalid"],
  ["1.2.3.4/-1", "invalid"],
  ["1.2.3.4/1x", "invalid"],
  ["1.2.3.4/99999999999999999999", "too large"],
  ["300.1.1.1/33", "too large"],
  ["1.2.3.4/24/", "invalid"],
]) {
  ifconfig.push({ argv: ["ifconfig", "lo0", "inet", bad], status: 1, err: `ifconfig: ${bad}: bad value (width ${why})\n` });
}
for (const bad of ["abc", "-1", "1.5", "", "0x", UNI]) ifconfig.push({ argv: ["ifconfig", "lo0", "mtu", bad], status: 1, err: `ifconfig: ${bad}: invalid mtu\n` });
for (const bad of ["abc", "x1"]) ifconfig.push({ argv: ["ifconfig", "lo0", "fib", bad], status: 1, err: `ifconfig: ${bad}: invalid fib\n` });
for (const p of ["metric", "mtu", "description", "fib", "netmask", "broadcast", "vnet", "-vnet", "name"]) {
  ifconfig.push({ argv: ["ifconfig", "lo0", p], status: 1, err: `ifconfig: missing argument for ${p}\n` });
}
ifconfig.push(
  { argv: ["ifconfig", "lo0", "mtu", "99999999"], status: 1, err: "ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n" },
  { argv: ["ifconfig", "lo0", "fib", "99"], status: 1, err: "ifconfig: ioctl (SIOCSIFFIB): Invalid argument\n" },
  { argv: ["ifconfig", "lo0", "vnet", "nosuchjail"], status: 1, err: 'ifconfig: jail "nosuchjail" not found\n' },
  { argv: ["ifconfig", "lo0", "vnet", LONG], status: 1, err: `ifconfig: jail "${LONG}" not found\n` },
  { argv: ["ifconfig", "foo", "create"], status: 1, err: "ifconfig: SIOCIFCREATE2 (foo): Invalid argument\n" },
  { argv: ["ifconfig", "lo0", "inet", "127.0.0.2", "broadcast", "x"], status: 1, err: "ifconfig: x: bad value\n" },
  { argv: ["ifconfig", "lo0", "bogusparam"], status: 1, err: "ifconfig: bogusparam: bad value\n" },
);

// --- route ------------------------------------------------------------------
// route.c's usage() is warnx("bad keyword") then errx(EX_USAGE, "usage: ..."),
// so both lines carry the program's name; getaddr() fails with EX_NOHOST,
// cutting a destination at its '/'; newroute() names the fib of each failure.
const RT_USAGE = "route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n";
const RT_NODST = `route: destination parameter required\n${RT_USAGE}`;
const route: badcmd_row[] = [
  { argv: ["route"], status: 64, err: RT_USAGE },
  { argv: ["route", "add"], status: 64, err: RT_NODST },
  { argv: ["route", "delete"], status: 64, err: RT_NODST },
  { argv: ["route", "get"], status: 64, err: RT_NODST },
  { argv: ["route", "change"], status: 64, err: RT_NODST },
  { argv: ["route", "add", "default"], status: 1, out: "add net default fib 0: Invalid argument\n", err: "route: writing to routing socket: Invalid argument\n" },
];
for (const kw of ["bogus", "ad", "ADD", UNI, "monitorx"]) route.push({ argv: ["route", kw], status: 64, err: `route: bad keyword: ${kw}\n${RT_USAGE}` });
for (const opt of ["Z", "F"]) route.push({ argv: ["route", `-${opt}`], status: 64, err: `route: illegal option -- ${opt}\n${RT_USAGE}` });
for (const bad of ["300.0.0.0/8", "10.0.0.0/33", "x.y.z", "nosuchhost", UNI, LONG, "1.2.3.4.5"]) {
  const slash = bad.indexOf("/");
  const dsterr = slash < 0 ? `route: bad address: ${bad}\n` : bad === "10.0.0.0/33" ? "route: bad mask length: 33\n" : `route: bad address: ${bad.slice(0, slash)}\n`;
  route.push({ argv: ["route", "add", "-net", bad, "10.1.1.1"], status: 68, err: dsterr });
  route.push({ argv: ["route", "get", bad], status: 68, err: dsterr });
  route.push({ argv: ["route", "add", "9.9.9.0/24", bad], status: 68, err: `route: bad address: ${bad}\n` });
}
for (const dst of ["9.9.9.9", "8.8.8.8", "192.0.2.1"]) route.push({ argv: ["route", "delete", dst], status: 1, out: `delete host ${dst} fib 0: not in table\n`, err: "route: route has not been found\n" });
route.push(
  { argv: ["route", "add", "-net", "10.0.0.0", "-netmask", "bad", "1.1.1.1"], status: 68, err: "route: bad address: bad\n" },
  { argv: ["route", "change", "9.9.9.0/24", "1.1.1.1"], status: 1, out: "change net 9.9.9.0/24: gateway 1.1.1.1 fib 0: not in table\n", err: "route: route has not been found\n" },
  { argv: ["route", "add", "-net", "10.5.0.0/16", "10.9.9.9"], status: 1, out: "add net 10.5.0.0/16: gateway 10.9.9.9 fib 0: Network is unreachable\n", err: "route: writing to routing socket: Network is unreachable\n" },
);

// --- ping -------------------------------------------------------------------
const PING_USAGE = "usage:\n\tping [-4AaDdfHnoQqRrv] [-C pcp] [-c count] [-G sweepmaxsize]";
const ping: badcmd_row[] = [
  { argv: ["ping"], status: 1, err: usage(PING_USAGE) },
  // main.c picks the family from the last operand: an extra operand
  // after the target is "Unknown host"; before it, ping.c's usage.
  { argv: ["ping", "-c", "1", "1.1.1.1", "extra"], status: 1, err: "ping: Unknown host\n" },
  { argv: ["ping", "-c", "1", "extra", "1.1.1.1"], status: 1, err: usage(PING_USAGE) },
];
for (const o of ["Z", "Y", "k"]) ping.push({ argv: ["ping", `-${o}`, "1.1.1.1"], status: 1, err: new RegExp(`^ping: illegal option -- ${o}\nusage:\n\tping `) });
for (const v of ["0", "abc", "-1", "1x", UNI]) ping.push({ argv: ["ping", "-c", v, "1.1.1.1"], status: 64, err: `ping: invalid count of packets to transmit: \`${v}'\n` });
for (const v of ["abc", "1x", UNI]) ping.push({ argv: ["ping", "-i", v, "1.1.1.1"], status: 64, err: `ping: invalid timing interval: \`${v}'\n` });
for (const v of ["0", "abc", "-5"]) ping.push({ argv: ["ping", "-t", v, "1.1.1.1"], status: 64, err: `ping: invalid timeout: \`${v}'\n` });
for (const v of ["300", "256", "abc", "-1"]) ping.push({ argv: ["ping", "-m", v, "1.1.1.1"], status: 64, err: `ping: invalid TTL: \`${v}'\n` });
for (const v of ["300", "abc"]) ping.push({ argv: ["ping", "-z", v, "1.1.1.1"], status: 64, err: `ping: invalid TOS: \`${v}'\n` });
for (const v of ["300", "abc"]) ping.push({ argv: ["ping", "-T", v, "224.0.0.1"], status: 64, err: `ping: invalid multicast TTL: \`${v}'\n` });
for (const v of ["-5", "abc"]) ping.push({ argv: ["ping", "-s", v, "1.1.1.1"], status: 64, err: `ping: invalid packet size: \`${v}'\n` });
for (const v of ["99999", "65508"]) ping.push({ argv: ["ping", "-s", v, "1.1.1.1"], status: 64, err: `ping: packet size too large: ${v} > 65507\n` });
for (const v of ["zz", "xyz", UNI]) ping.push({ argv: ["ping", "-p", v, "1.1.1.1"], status: 64, err: "ping: patterns must be specified as hex digits\n" });
// A target no family resolves stops in main.c (FreeBSD 14 with INET6).
for (const h of ["nosuchhost", "x.y.z", LONG, UNI, "300.1.1.1"]) ping.push({ argv: ["ping", "-c", "1", h], status: 1, err: "ping: Unknown host\n" });
ping.push({ argv: ["ping", "-S", "9.9.9.9", "-c", "1", "127.0.0.1"], status: 1, err: "ping: bind: Can't assign requested address\n" });

// --- arp --------------------------------------------------------------------
const ARP_USAGE = "usage: arp [-n] [-i interface] hostname\n";
const arp: badcmd_row[] = [
  { argv: ["arp"], status: 1, err: usage(ARP_USAGE) },
  { argv: ["arp", "-s", "1.2.3.4"], status: 1, err: usage(ARP_USAGE) },
  { argv: ["arp", "-s", "10.1.1.5", "00:11:22:33:44:55", "bogus"], status: 1, err: usage(`arp: Invalid parameter 'bogus'\n${ARP_USAGE}`) },
];
for (const o of ["Z", "y"]) arp.push({ argv: ["arp", `-${o}`], status: 1, err: illegal("arp", o, ARP_USAGE) });
for (const h of ["nosuchhost", "x.y.z", UNI, LONG, "300.1.1.1"]) {
  arp.push({ argv: ["arp", h], status: 1, err: `arp: ${h}: Unknown host\n` });
  arp.push({ argv: ["arp", "-d", h], status: 1, err: `arp: ${h}: Unknown host\n` });
  arp.push({ argv: ["arp", "-s", h, "00:11:22:33:44:55"], status: 1, err: `arp: ${h}: Unknown host\n` });
}
for (const mac of ["zz:zz:zz", "00:11:22:33:44", "0011.2233.4455x", UNI, "g0:11:22:33:44:55", "00:11:22:33:44:", "0x:11:22:33:44:55"]) {
  arp.push({ argv: ["arp", "-s", "1.2.3.4", mac], status: 1, err: `arp: invalid Ethernet address '${mac}'\n` });
}
// libc's ether_aton is sscanf("%x:%x:%x:%x:%x:%x"): what follows the sixth
// number is not looked at, so these are addresses, and arp goes on to find
// no interface for 1.2.3.4.
for (const mac of ["00:11:22:33:44:55:66", "0:1:2:3:4:5junk", "-1:+2:0x3:004:5:6"]) {
  arp.push({ argv: ["arp", "-s", "1.2.3.4", mac], status: 0, err: "arp: delete: cannot locate 1.2.3.4\n" });
}
for (const ifn of ["nosuch0", "em0", UNI]) arp.push({ argv: ["arp", "-i", ifn, "-a"], status: 1, err: `arp: interface ${ifn} does not exist\n` });
for (const h of ["1.2.3.4", "10.99.0.1"]) {
  arp.push({ argv: ["arp", h], status: 1, out: `${h} (${h}) -- no entry\n`, err: "" });
  arp.push({ argv: ["arp", "-d", h], status: 0, err: `arp: delete: cannot locate ${h}\n` });
}

// --- netstat ----------------------------------------------------------------
const NS_USAGE = "usage: netstat [-46AaCcLnRSTWx] [-f protocol_family | -p protocol]\n";
const netstat: badcmd_row[] = [];
for (const o of ["Z", "y", "E", "X"]) netstat.push({ argv: ["netstat", `-${o}`], status: 1, err: illegal("netstat", o, NS_USAGE) });
for (const f of ["bogus", "inet7", UNI, "ipx", "divert"]) netstat.push({ argv: ["netstat", "-f", f], status: 1, err: `netstat: ${f}: unknown address family\n` });
for (const p of ["bogus", "tcp6x", UNI, "div"]) {
  netstat.push({ argv: ["netstat", "-p", p], status: 1, err: `netstat: ${p}: unknown or uninstrumented protocol\n` });
  netstat.push({ argv: ["netstat", "-s", "-p", p], status: 1, err: `netstat: ${p}: unknown or uninstrumented protocol\n` });
}
for (const f of ["abc", "1x"]) netstat.push({ argv: ["netstat", "-F", f, "-rn"], status: 1, err: `netstat: ${f}: invalid fib\n` });
for (const f of ["99", "5"]) netstat.push({ argv: ["netstat", "-F", f, "-rn"], status: 64, err: `netstat: ${f}: invalid fib\n` });

// --- sysctl -----------------------------------------------------------------
const SC_USAGE = "usage: sysctl [-bdehiNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...\n";
const sysctl: badcmd_row[] = [];
for (const o of ["Z", "y", "Q"]) sysctl.push({ argv: ["sysctl", `-${o}`], status: 1, err: illegal("sysctl", o, SC_USAGE) });
for (const n of ["no.such.name", "net.inet.ip.nosuch", "kern.nosuch", "net..inet", ".net", LONG, UNI, "net.inet.ip.forwarding.x", "", "=", "a=b", NUL_LIKE]) {
  const name = n.includes("=") ? n.slice(0, n.indexOf("=")) : n;
  sysctl.push({ argv: ["sysctl", n], status: 1, err: `sysctl: unknown oid '${name}'\n` });
  if (!n.includes("=")) sysctl.push({ argv: ["sysctl", "-n", n], status: 1, err: `sysctl: unknown oid '${name}'\n` });
}
for (const v of ["abc", "", "1x", "0x", UNI, "--1"]) sysctl.push({ argv: ["sysctl", `net.inet.ip.forwarding=${v}`], status: 1, err: `sysctl: invalid integer '${v}'\n` });
for (const v of ["99999999999", "-99999999999"]) sysctl.push({ argv: ["sysctl", `net.inet.ip.forwarding=${v}`], status: 1, err: `sysctl: net.inet.ip.forwarding=${v}: Invalid argument\n` });
// CTLFLAG_RDTUN oids: kern.hz (kern_clock.c), net.isr.maxthreads and friends (netisr.c).
for (const n of ["kern.hz", "net.isr.maxthreads", "net.isr.bindthreads", "net.isr.maxqlimit"]) {
  for (const v of ["1", "0", "abc"]) {
    sysctl.push({ argv: ["sysctl", `${n}=${v}`], status: 1, err: `sysctl: oid '${n}' is a read only tunable\nsysctl: Tunable values are set in /boot/loader.conf\n` });
  }
}
for (const n of ["kern.ostype", "kern.osrelease"]) sysctl.push({ argv: ["sysctl", `${n}=x`], status: 1, err: `sysctl: oid '${n}' is read only\n` });
sysctl.push(
  { argv: ["sysctl", "kern.ipc.nmbclusters=1"], status: 1, err: "sysctl: kern.ipc.nmbclusters=1: Invalid argument\n" },
  { argv: ["sysctl", "kern.ipc.nmbufs=1"], status: 1, err: "sysctl: kern.ipc.nmbufs=1: Invalid argument\n" },
  { argv: ["sysctl", "net.inet.ip.stats=5"], status: 1, err: "sysctl: oid 'net.inet.ip.stats' is type 5, cannot set that\n" },
);

// --- jail, jls, jexec -------------------------------------------------------
const JAIL_USAGE = "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n";
const jail: badcmd_row[] = [
  { argv: ["jail"], status: 1, err: usage(JAIL_USAGE) },
  { argv: ["jail", "-r"], status: 1, err: usage(JAIL_USAGE) },
  { argv: ["jail", "-c"], status: 1, err: "jail: /etc/jail.conf: No such file or directory\n" },
  { argv: ["jail", "-c", "name=fa", "persist"], status: 1, err: 'jail: "fa" already exists\n' },
  { argv: ["jail", "-c", "name=zz", "vnet=bogus", "persist"], status: 1, err: 'jail: zz: vnet: invalid value "bogus"\n' },
  { argv: ["jail", "-c", "name=zz", "jid=abc", "persist"], status: 1, err: "jail: zz: jid abc is out of range\n" },
];
for (const o of ["Z", "y", "X"]) jail.push({ argv: ["jail", `-${o}`], status: 1, err: illegal("jail", o, JAIL_USAGE) });
for (const j of ["nosuchjail", UNI, "99999", "c999"]) {
  jail.push({ argv: ["jail", "-r", j], status: 1, err: `jail: "${j}" not found\n` });
  jail.push({ argv: ["jail", "-m", `name=${j}`, "persist"], status: 1, err: `jail: "${j}" not found\n` });
}
for (const p of ["bogusparam", "foo.bar", "nosuch"]) jail.push({ argv: ["jail", "-c", `${p}=1`, "persist"], status: 1, err: `jail: unknown parameter: ${p}\n` });
// kern_jail_set: name and host.hostname over MAXHOSTNAMELEN bytes with the
// NUL, path over MAXPATHLEN: ENAMETOOLONG, with libjail's "jail_set: %s".
for (const n of [LONG, "x".repeat(256), "é".repeat(128)]) jail.push({ argv: ["jail", "-c", `name=${n}`, "persist"], status: 1, err: `jail: ${n}: jail_set: File name too long\n` });
jail.push(
  { argv: ["jail", "-c", "name=zz", `host.hostname=${"h".repeat(256)}`, "persist"], status: 1, err: "jail: zz: jail_set: File name too long\n" },
  { argv: ["jail", "-c", "name=zz", `path=/${"p".repeat(1023)}`, "persist"], status: 1, err: "jail: zz: jail_set: File name too long\n" },
);
for (const n of ["a.b", "x.y.z"]) jail.push({ argv: ["jail", "-c", `name=${n}`, "persist"], status: 1, err: `jail: ${n}: name cannot contain a dot: ${n}\n` });

const jls: badcmd_row[] = [];
for (const o of ["Z", "y"]) jls.push({ argv: ["jls", `-${o}`], status: 1, err: `jls: illegal option -- ${o}\njls: usage: jls [-dhNnqv] [-j jail] [param ...]\n` });
for (const p of ["bogusparam", "foo.bar"]) jls.push({ argv: ["jls", p], status: 1, err: `jls: unknown parameter: ${p}\n` });
for (const j of ["nosuchjail", UNI, ""]) jls.push({ argv: ["jls", "-j", j], status: 1, out: "   JID  IP Address      Hostname                      Path\n", err: `jls: jail "${j}" not found\n` });
for (const j of ["99999", "12345"]) jls.push({ argv: ["jls", "-n", "-j", j], status: 1, err: `jls: jail ${j} not found\n` });

const JEXEC_USAGE = "usage: jexec [-l] [-u username | -U username] jail [command ...]\n";
const jexec: badcmd_row[] = [{ argv: ["jexec"], status: 1, err: JEXEC_USAGE }];
for (const o of ["Z", "y"]) jexec.push({ argv: ["jexec", `-${o}`], status: 1, err: `jexec: illegal option -- ${o}\n${JEXEC_USAGE}` });
for (const j of ["nosuchjail", UNI, LONG]) jexec.push({ argv: ["jexec", j, "ifconfig"], status: 1, err: `jexec: jail "${j}" not found\n` });
for (const j of ["99999", "4242"]) jexec.push({ argv: ["jexec", j, "ifconfig"], status: 1, err: `jexec: jail ${j} not found\n` });
for (const u of ["nosuchuser", UNI]) jexec.push({ argv: ["jexec", "-u", u, "fa", "ifconfig"], status: 1, err: `jexec: ${u}: no such user\n` });
jexec.push(
  { argv: ["jexec", "fa", "nosuchprog"], status: 1, err: "jexec: execvp: nosuchprog: No such file or directory\n" },
  { argv: ["jexec", "fa", "/nonexistent/prog", "x"], status: 1, err: "jexec: execvp: /nonexistent/prog: No such file or directory\n" },
);

// --- setfib -----------------------------------------------------------------
const SETFIB_USAGE = "usage: setfib [-[F]]value command\n";
const setfib: badcmd_row[] = [
  { argv: ["setfib"], status: 1, err: SETFIB_USAGE },
  { argv: ["setfib", "0"], status: 1, err: SETFIB_USAGE },
  { argv: ["setfib", "-Z", "0", "ifconfig"], status: 1, err: `setfib: illegal option -- Z\n${SETFIB_USAGE}` },
  { argv: ["setfib", "abc", "ifconfig"], status: 127, err: "setfib: abc: No such file or directory\n" },
  { argv: ["setfib", "0", "nosuchprog"], status: 127, err: "setfib: nosuchprog: No such file or directory\n" },
];
for (const f of ["99", "1", "-1", "-F", "-F5", "-Fx"]) {
  const v = f === "-F" ? null : f.startsWith("-F") ? f.slice(2) : f.replace(/^-/, "");
  if (v === null) setfib.push({ argv: ["setfib", f], status: 1, err: `setfib: option requires an argument -- F\n${SETFIB_USAGE}` });
  else setfib.push({ argv: ["setfib", f, "ifconfig"], status: 1, err: `setfib: ${v}: invalid FIB (max 0)\n` });
}

// --- tcpdump ----------------------------------------------------------------
const tcpdump: badcmd_row[] = [
  { argv: ["tcpdump", "-i", "nosuch0", "-c", "1"], status: 1, err: "tcpdump: nosuch0: No such device exists\n(BIOCSETIF failed: Device not configured)\n" },
  { argv: ["tcpdump", "-i", "lo0", "-c", "1", "bogus", "filter", "(("], status: 1, err: "tcpdump: can't parse filter expression: syntax error\n" },
  { argv: ["tcpdump", "-r", "/nonexistent/file"], status: 1, err: "tcpdump: /nonexistent/file: No such file or directory\n" },
];
for (const v of ["abc", "1x", UNI]) tcpdump.push({ argv: ["tcpdump", "-c", v], status: 1, err: `tcpdump: invalid packet count ${v}\n` });
for (const v of ["abc", UNI]) tcpdump.push({ argv: ["tcpdump", "-s", v], status: 1, err: `tcpdump: invalid snaplen ${v}\n` });
for (const o of ["w", "c", "i", "r", "s"]) tcpdump.push({ argv: ["tcpdump", `-${o}`], status: 1, err: new RegExp(`^tcpdump: option requires an argument -- ${o}\ntcpdump version `) });

// --- killall, dmesg, kld*, sleep, sh ----------------------------------------
const killall: badcmd_row[] = [
  { argv: ["killall"], status: 1, err: usage("usage: killall [-delmsqvz] [-help] [-I] [-j jail]\n") },
  { argv: ["killall", "nosuchproc"], status: 1, err: "No matching processes were found\n" },
];
killall.push({ argv: ["killall", "-99x", "x"], status: 1, err: "killall: illegal signal number: 99x\n" });
for (const s of ["Z", "BOGUS", "SIGFOO"]) killall.push({ argv: ["killall", `-${s}`, "x"], status: 1, err: new RegExp(`^killall: unknown signal ${s}; valid signals:\nHUP INT QUIT`) });
for (const j of ["nosuchjail", UNI]) killall.push({ argv: ["killall", "-j", j, "x"], status: 1, err: `killall: jail "${j}" not found\n` });

const DMESG_USAGE = "usage: dmesg [-ac] [-M core [-N system]]\n";
const dmesg: badcmd_row[] = [
  { argv: ["dmesg", "extra"], status: 1, err: DMESG_USAGE },
  { argv: ["dmesg", "a", "b"], status: 1, err: DMESG_USAGE },
];
for (const o of ["Z", "y"]) dmesg.push({ argv: ["dmesg", `-${o}`], status: 1, err: `dmesg: illegal option -- ${o}\n${DMESG_USAGE}` });
// -M: kvm_open(3) on a crash dump, its errors as _kvm_syserr prints them.
for (const core of ["x", "/nonexistent/vmcore.0", UNI]) {
  dmesg.push({ argv: ["dmesg", "-M", core], status: 1, err: `dmesg: ${core}: No such file or directory\n` });
  dmesg.push({ argv: ["dmesg", "-M", core, "-N", "/nonexistent/kernel"], status: 1, err: `dmesg: ${core}: No such file or directory\n` });
}
dmesg.push({ argv: ["dmesg", "-M"], status: 1, err: `dmesg: option requires an argument -- M\n${DMESG_USAGE}` });

const KLDSTAT_USAGE = "usage: kldstat [-dhqv] [-i id] [-n filename]\n       kldstat [-dq] [-m modname]\n";
const kldstat: badcmd_row[] = [
  { argv: ["kldstat", "extra"], status: 1, err: KLDSTAT_USAGE },
  { argv: ["kldstat", "-i", "abc"], status: 1, err: KLDSTAT_USAGE },
];
for (const o of ["Z", "y"]) kldstat.push({ argv: ["kldstat", `-${o}`], status: 1, err: `kldstat: illegal option -- ${o}\n${KLDSTAT_USAGE}` });
for (const n of ["nosuch", UNI, "x.ko"]) {
  kldstat.push({ argv: ["kldstat", "-n", n], status: 1, err: `kldstat: can't find file ${n}: No such file or directory\n` });
  kldstat.push({ argv: ["kldstat", "-m", n], status: 1, err: `kldstat: can't find module ${n}: No such file or directory\n` });
}

const KLDLOAD_USAGE = "usage: kldload [-nqv] file ...\n";
const kldload: badcmd_row[] = [{ argv: ["kldload"], status: 1, err: KLDLOAD_USAGE }];
for (const o of ["Z", "y"]) kldload.push({ argv: ["kldload", `-${o}`], status: 1, err: `kldload: illegal option -- ${o}\n${KLDLOAD_USAGE}` });
for (const f of ["nosuchmod", LONG, UNI, "/nonexistent/x.ko"]) kldload.push({ argv: ["kldload", f], status: 1, err: `kldload: can't load ${f}: No such file or directory\n` });

const KLDUNLOAD_USAGE = "usage: kldunload [-fv] -i id ...\n       kldunload [-fv] [-n] name ...\n";
const kldunload: badcmd_row[] = [
  { argv: ["kldunload"], status: 64, err: KLDUNLOAD_USAGE },
  { argv: ["kldunload", "kernel"], status: 1, err: "kldunload: can't unload file: Device busy\n" },
];
for (const o of ["Z", "y"]) kldunload.push({ argv: ["kldunload", `-${o}`], status: 64, err: `kldunload: illegal option -- ${o}\n${KLDUNLOAD_USAGE}` });
for (const f of ["nosuchmod", UNI]) kldunload.push({ argv: ["kldunload", f], status: 1, err: `kldunload: can't find file ${f}\n` });
for (const i of ["9999", "abc"]) kldunload.push({ argv: ["kldunload", "-i", i], status: 1, err: "kldunload: can't unload file: No such file or directory\n" });

const SLEEP_USAGE = "usage: sleep number[unit] [...]\n";
const sleep: badcmd_row[] = [
  { argv: ["sleep"], status: 1, err: SLEEP_USAGE },
  { argv: ["sleep", "--"], status: 1, err: SLEEP_USAGE },
];
for (const v of ["abc", "-1", "1x", UNI, "1.2.3", "0x"]) sleep.push({ argv: ["sleep", v], status: 1, err: `sleep: invalid time interval: ${v}\n` });
sleep.push({ argv: ["sleep", "0", "0", "3x"], status: 1, err: "sleep: invalid time interval: 3x\n" });

const sh: badcmd_row[] = [
  { argv: ["sh", "-c"], status: 2, err: "sh: -c: option requires an argument\n" },
  { argv: ["sh", "-Z"], status: 2, err: "sh: Illegal option -Z\n" },
  { argv: ["sh", "-o", "bogus"], status: 2, err: "sh: bogus: Illegal option -o\n" },
  { argv: ["sh", "-c", "nosuchcmd"], status: 127, err: "sh: nosuchcmd: not found\n" },
  { argv: ["sh", "-c", "if then"], status: 2, err: 'sh: Syntax error: "then" unexpected\n' },
  { argv: ["sh", "-c", "fi"], status: 2, err: 'sh: Syntax error: "fi" unexpected\n' },
  { argv: ["sh", "-c", "echo ${"], status: 2, err: "sh: Syntax error: Missing '}'\n" },
  { argv: ["sh", "-c", "(("], status: 2, err: 'sh: Syntax error: end of file unexpected (expecting ")")\n' },
  { argv: ["sh", "-c", "case"], status: 2, err: "sh: Syntax error: end of file unexpected (expecting word)\n" },
  { argv: ["sh", "-c", "f() {"], status: 2, err: 'sh: Syntax error: end of file unexpected (expecting "}")\n' },
  { argv: ["sh", "-c", "exit 300"], status: 44, err: "" },
  { argv: ["sh", "-c", "echo $((1/0))"], status: 2, err: 'sh: arithmetic expression: division by zero: "1/0"\n' },
  { argv: ["sh", "/nonexistent/script"], status: 127, err: "sh: cannot open /nonexistent/script: No such file or directory\n" },
];

const NGCTL_USAGE = "usage: ngctl [-d] [-f file] [-n name] [command ...]\n";
const NG_ENOENT = "ngctl: send msg: No such file or directory\n";
const ngctl: badcmd_row[] = [
  { argv: ["ngctl"], status: 64, err: `ngctl: no command specified\n${NGCTL_USAGE}` },
  { argv: ["ngctl", "-f"], status: 64, err: `ngctl: option requires an argument -- f\n${NGCTL_USAGE}` },
  { argv: ["ngctl", "-n"], status: 64, err: `ngctl: option requires an argument -- n\n${NGCTL_USAGE}` },
  { argv: ["ngctl", "-f", "/nonexistent/cmds"], status: 66, err: "ngctl: /nonexistent/cmds: No such file or directory\n" },
  { argv: ["ngctl", "-n", "a:b", "list"], status: 71, err: "ngctl: can't create node: Invalid argument\n" },
  { argv: ["ngctl", "-n", "[1f]", "list"], status: 71, err: "ngctl: can't create node: Invalid argument\n" },
  { argv: ["ngctl", "bogus"], status: 71, err: 'ngctl: "bogus": unknown command\n' },
  { argv: ["ngctl", UNI], status: 71, err: `ngctl: "${UNI}": unknown command\n` },
  { argv: ["ngctl", "s"], status: 71, err: 'ngctl: "s": ambiguous command\n' },
  { argv: ["ngctl", "help", "bogus"], status: 0, err: 'ngctl: "bogus": unknown command\n' },
  { argv: ["ngctl", "mkpeer"], status: 64, err: "ngctl: usage: mkpeer [path] <type> <hook> <peerhook>\n" },
  { argv: ["ngctl", "mkpeer", "nosuchtype", "a", "b"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "mkpeer", LONG, "a", "b"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "mkpeer", "nosuch:", "hub", "a", "b"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "connect", "nosuch:", "a", "b"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "connect", "a", "b"], status: 64, err: "ngctl: usage: connect [path] <relpath> <hook> <peerhook>\n" },
  { argv: ["ngctl", "name", ".", "a:b"], status: 71, err: "ngctl: send msg: Invalid argument\n" },
  { argv: ["ngctl", "name", ".", "[12]"], status: 71, err: "ngctl: send msg: Invalid argument\n" },
  { argv: ["ngctl", "name", "nosuch:", "x"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "rmhook"], status: 64, err: "ngctl: usage: rmhook [path] <hook>\n" },
  { argv: ["ngctl", "rmhook", "nosuch:", "h"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "show"], status: 64, err: "ngctl: usage: show [-n] <path>\n" },
  { argv: ["ngctl", "show", "-x", "."], status: 64, err: "ngctl: illegal option -- x\nngctl: usage: show [-n] <path>\n" },
  { argv: ["ngctl", "list", "extra"], status: 64, err: "ngctl: usage: list [-ln]\n" },
  { argv: ["ngctl", "types", "x"], status: 64, err: "ngctl: usage: types\n" },
  { argv: ["ngctl", "shutdown", "nosuch:"], status: 71, err: "ngctl: shutdown: No such file or directory\n" },
  { argv: ["ngctl", "status", "nosuch:"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "msg", "nosuch:", "foo"], status: 71, err: NG_ENOENT },
  { argv: ["ngctl", "msg", "."], status: 64, err: "ngctl: usage: msg path command [args ... ]\n" },
  { argv: ["ngctl", "write", "nohook", "1"], status: 71, err: 'ngctl: writing to hook "nohook": No route to host\n' },
  { argv: ["ngctl", "write", "h"], status: 64, err: "ngctl: usage: write hook < -f file | byte ... >\n" },
  { argv: ["ngctl", "debug", "-5"], status: 64, err: "ngctl: usage: debug [level]\n" },
  { argv: ["ngctl", "read", "/nonexistent/cmds"], status: 71, err: "ngctl: /nonexistent/cmds: No such file or directory\n" },
  { argv: ["ngctl", "dot", "/nonexistent/dir/g.dot"], status: 71, err: "ngctl: Could not open /nonexistent/dir/g.dot for writing: No such file or directory\n" },
];
for (const o of ["Z", "y"]) ngctl.push({ argv: ["ngctl", `-${o}`], status: 64, err: `ngctl: illegal option -- ${o}\n${NGCTL_USAGE}` });
for (const p of ["nosuch:", "[999]:", UNI, "a.b.c", LONG]) ngctl.push({ argv: ["ngctl", "show", p], status: 71, err: NG_ENOENT });
for (const b of ["999", "-129", "abc", UNI]) ngctl.push({ argv: ["ngctl", "write", "h", b], status: 71, err: `ngctl: invalid byte "${b}"\n` });

// --- ip6addrctl ---------------------------------------------------------------
// usage() is five lines on stderr and exit 1; a prefix that is not
// "address/length" is errx(1, "bad prefix"), after getaddrinfo's or the
// length's warning where ip6addrctl.c gives one.
const I6_USAGE = "usage: ip6addrctl [show]\n       ip6addrctl add <prefix> <precedence> <label>\n       ip6addrctl delete <prefix>\n       ip6addrctl flush\n       ip6addrctl install <configfile>\n";
const ip6addrctl: badcmd_row[] = [
  { argv: ["ip6addrctl", "add"], status: 1, err: I6_USAGE },
  { argv: ["ip6addrctl", "add", "::/0", "1"], status: 1, err: I6_USAGE },
  { argv: ["ip6addrctl", "delete"], status: 1, err: I6_USAGE },
  { argv: ["ip6addrctl", "install"], status: 1, err: I6_USAGE },
  { argv: ["ip6addrctl", "-n"], status: 1, err: I6_USAGE },
  { argv: ["ip6addrctl", LONG], status: 1, err: I6_USAGE },
  { argv: ["ip6addrctl", "install", "/nonexistent/policy.conf"], status: 1, err: "ip6addrctl: fopen: /nonexistent/policy.conf: No such file or directory\n" },
  { argv: ["ip6addrctl", "delete", "::/0"], status: 1, err: "ip6addrctl: ioctl(SIOCDADDRCTL_POLICY): No such process\n" },
];
for (const bad of ["::1", "", NUL_LIKE]) {
  ip6addrctl.push({ argv: ["ip6addrctl", "add", bad, "1", "1"], status: 1, err: `ip6addrctl: bad prefix: ${bad}\n` });
  ip6addrctl.push({ argv: ["ip6addrctl", "delete", bad], status: 1, err: `ip6addrctl: bad prefix: ${bad}\n` });
}
for (const host of ["", "10.0.0.1", "zz::", UNI, LONG, "fe80::1%nosuch0"]) {
  ip6addrctl.push({ argv: ["ip6addrctl", "add", `${host}/64`, "1", "1"], status: 1, err: new RegExp(`^ip6addrctl: getaddrinfo failed for .*\nip6addrctl: bad prefix: `) });
}
for (const plen of ["129", "-1", "99999999999"]) {
  ip6addrctl.push({ argv: ["ip6addrctl", "add", `::/${plen}`, "1", "1"], status: 1, err: new RegExp(`^ip6addrctl: invalid prefix length: -?[0-9]+\nip6addrctl: bad prefix: ::/${plen}\n$`) });
}

// --- traceroute ----------------------------------------------------------------
// contrib/traceroute: getopt with opterr = 0, so a bad option or a missing
// argument is only usage() ("Version", then "Usage:"), exit 1; str2val's
// and gethostinfo's messages, exit 1.
const TR_USAGE =
  "Version 1.4a12+FreeBSD\n" +
  "Usage: traceroute [-adDeFInrSvx] [-f first_ttl] [-g gateway] [-i iface]\n" +
  "\t[-m max_ttl] [-p port] [-P proto] [-q nqueries] [-s src_addr]\n" +
  "\t[-t tos] [-w waittime] [-A as_server] [-z pausemsecs] host [packetlen]\n";
const traceroute: badcmd_row[] = [
  { argv: ["traceroute"], status: 1, err: TR_USAGE },
  { argv: ["traceroute", "-m"], status: 1, err: TR_USAGE },
  { argv: ["traceroute", "10.0.0.1", "40", "extra"], status: 1, err: TR_USAGE },
  { argv: ["traceroute", "-m", "0", "10.0.0.1"], status: 1, err: "traceroute: max ttl must be > 0\n" },
  { argv: ["traceroute", "-m", "256", "10.0.0.1"], status: 1, err: "traceroute: max ttl must be <= 255\n" },
  { argv: ["traceroute", "-f", "0", "10.0.0.1"], status: 1, err: "traceroute: first ttl must be > 0\n" },
  { argv: ["traceroute", "-f", "9", "-m", "3", "10.0.0.1"], status: 1, err: "traceroute: first ttl (9) may not be greater than max ttl (3)\n" },
  { argv: ["traceroute", "-q", "0", "10.0.0.1"], status: 1, err: "traceroute: nprobes must be > 0\n" },
  { argv: ["traceroute", "-w", "86401", "10.0.0.1"], status: 1, err: "traceroute: wait time must be <= 86400\n" },
  { argv: ["traceroute", "-p", "0", "10.0.0.1"], status: 1, err: "traceroute: port must be > 0\n" },
  { argv: ["traceroute", "-t", "-1", "10.0.0.1"], status: 1, err: "traceroute: tos must be >= 0\n" },
  { argv: ["traceroute", "-z", "3600001", "10.0.0.1"], status: 1, err: "traceroute: pause msecs must be <= 3600000\n" },
  { argv: ["traceroute", "-P", "999", "10.0.0.1"], status: 1, err: "traceroute: proto number must be <= 255\n" },
  { argv: ["traceroute", "10.0.0.1", "27"], status: 1, err: "traceroute: packet length must be > 27\n" },
  { argv: ["traceroute", "-P", "sctp", "10.0.0.1", "42"], status: 1, err: "traceroute: packet length must be a multiple of 4\n" },
  { argv: ["traceroute", LONG], status: 1, err: `traceroute: hostname "${LONG.slice(0, 32)}..." is too long\n` },
  { argv: ["traceroute", "-g", "nosuchgw", "10.0.0.1"], status: 1, err: "traceroute: unknown host nosuchgw\n" },
];
for (const o of ["Z", "Y", "k"]) traceroute.push({ argv: ["traceroute", `-${o}`, "10.0.0.1"], status: 1, err: TR_USAGE });
for (const v of ["abc", "1x", "", UNI, NUL_LIKE]) traceroute.push({ argv: ["traceroute", "-m", v, "10.0.0.1"], status: 1, err: v === "" ? "traceroute: max ttl must be > 0\n" : `traceroute: "${v}" bad value for max ttl \n` });
for (const h of ["nosuchhost", UNI, "10.0.0.256", ""]) traceroute.push({ argv: ["traceroute", h], status: 1, err: `traceroute: unknown host ${h}\n` });

// --- traceroute6 ---------------------------------------------------------------
// usr.sbin/traceroute6: getopt's own messages before usage(), exit 1; its
// value checks print "traceroute6: invalid ...", exit 1; a target the
// resolver does not know is gai_strerror's text.
const TR6_USAGE =
  "usage: traceroute6 [-adIlnNrSTUv] [-A as_server] [-f firsthop] [-g gateway]\n" +
  "       [-m hoplimit] [-p port] [-q probes] [-s src] [-w waittime] target\n" +
  "       [datalen]\n";
const traceroute6: badcmd_row[] = [
  { argv: ["traceroute6"], status: 1, err: TR6_USAGE },
  { argv: ["traceroute6", "::1", "20", "extra"], status: 1, err: TR6_USAGE },
  { argv: ["traceroute6", "-m"], status: 1, err: `traceroute6: option requires an argument -- m\n${TR6_USAGE}` },
  { argv: ["traceroute6", "-f", "9", "-m", "3", "::1"], status: 1, err: "traceroute6: max hoplimit must be larger than first hoplimit.\n" },
  { argv: ["traceroute6", "-p", "0", "::1"], status: 1, err: "traceroute6: port out of range.\n" },
  { argv: ["traceroute6", "-p", "65536", "::1"], status: 1, err: "traceroute6: port out of range.\n" },
  { argv: ["traceroute6", "-q", "0", "::1"], status: 1, err: "traceroute6: nprobes must be >0.\n" },
  { argv: ["traceroute6", "-w", "0", "::1"], status: 1, err: "traceroute6: wait must be >= 1 sec.\n" },
  { argv: ["traceroute6", "::1", "65535"], status: 1, err: "traceroute6: packet size must be 8 <= s < 65535.\n" },
  { argv: ["traceroute6", "-S", "::1", "30"], status: 1, err: "traceroute6: packet size must be a multiple of 4.\n" },
  { argv: ["traceroute6", "-g", "nosuchgw", "::1"], status: 1, err: "traceroute6: unknown host nosuchgw\n" },
];
for (const o of ["Z", "Y", "k"]) traceroute6.push({ argv: ["traceroute6", `-${o}`, "::1"], status: 1, err: `traceroute6: illegal option -- ${o}\n${TR6_USAGE}` });
for (const v of ["abc", "1x", "", "256", "-1", UNI]) {
  traceroute6.push({ argv: ["traceroute6", "-m", v, "::1"], status: 1, err: "traceroute6: invalid max hoplimit.\n" });
  traceroute6.push({ argv: ["traceroute6", "-f", v, "::1"], status: 1, err: "traceroute6: invalid min hoplimit.\n" });
  traceroute6.push({ argv: ["traceroute6", "-t", v, "::1"], status: 1, err: "traceroute6: invalid traffic class.\n" });
}
for (const v of ["abc", "1x", "", UNI]) {
  traceroute6.push({ argv: ["traceroute6", "-p", v, "::1"], status: 1, err: "traceroute6: invalid port.\n" });
  traceroute6.push({ argv: ["traceroute6", "-q", v, "::1"], status: 1, err: "traceroute6: invalid nprobes.\n" });
  traceroute6.push({ argv: ["traceroute6", "-w", v, "::1"], status: 1, err: "traceroute6: invalid wait time.\n" });
}
for (const h of ["nosuchhost", UNI, LONG, "10.0.0.1", "fe80::1%nosuch0"]) traceroute6.push({ argv: ["traceroute6", h], status: 1, err: "traceroute6: hostname nor servname provided, or not known\n" });
for (const v of ["12x", UNI]) traceroute6.push({ argv: ["traceroute6", "::1", v], status: 1, err: "traceroute6: invalid packet length.\n" });

// --- iperf3 (esnet/iperf's main.c: "parameter error - ", then the short usage) ---
const IPERF3_USAGE = "\nUsage: iperf3 [-s|-c host] [options]\nTry `iperf3 --help' for more information.\n";
const iperf3_param = (msg: string): string => `iperf3: parameter error - ${msg}\n${IPERF3_USAGE}`;
const iperf3: badcmd_row[] = [
  { argv: ["iperf3"], status: 1, err: iperf3_param("must either be a client (-c) or server (-s)") },
  { argv: ["iperf3", "-c"], status: 1, err: `iperf3: option requires an argument -- c\n${IPERF3_USAGE}` },
  { argv: ["iperf3", "-Q"], status: 1, err: `iperf3: illegal option -- Q\n${IPERF3_USAGE}` },
  { argv: ["iperf3", "--bogus"], status: 1, err: `iperf3: unknown option -- bogus\n${IPERF3_USAGE}` },
  { argv: ["iperf3", "-s", "-p", LONG], status: 1, err: iperf3_param("port number must be between 1 and 65535 inclusive") },
  { argv: ["iperf3", "-s", "-P", UNI], status: 1, err: iperf3_param("invalid number of parallel streams (min = 1, max = 128)") },
  { argv: ["iperf3", "-c", "h", "-l", LONG], status: 1, err: iperf3_param(`invalid unit value or suffix: '${LONG}'`) },
  { argv: ["iperf3", "-c", "h", "-b", NUL_LIKE], status: 1, err: iperf3_param(`invalid unit value or suffix: '${NUL_LIKE}'`) },
  { argv: ["iperf3", "-c", "h", "-i", "-1"], status: 1, err: iperf3_param("invalid report interval (min = 0.1, max = 60 seconds)") },
  { argv: ["iperf3", "-c", "h", "-u", "-l", "70000"], status: 1, err: iperf3_param("block size invalid (minimum = 16 bytes, maximum = 65507 bytes)") },
  { argv: ["iperf3", "-c", UNI, "-s"], status: 1, err: iperf3_param("cannot be both server and client") },
];

for (const [prog, rows] of Object.entries({ ifconfig, route, ping, arp, netstat, sysctl, jail, jls, jexec, setfib, tcpdump, killall, dmesg, kldstat, kldload, kldunload, sleep, sh, ngctl, ip6addrctl, traceroute, traceroute6, iperf3 })) register_badcmds(prog, rows);
