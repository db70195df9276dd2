// Bad ipfw(8) command lines (sbin/ipfw/main.c, ipfw2.c, tables.c checks),
// compiled with -n so that none reaches the kernel: each gives FreeBSD's
// message and exit status and changes nothing.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const rows: badcmd_row[] = [
  { argv: ["ipfw"], status: 64, err: 'ipfw: usage: ipfw [options]\ndo "ipfw -h" or "man ipfw" for details\n' },
  { argv: ["ipfw", "-n"], status: 64, err: "ipfw: bad arguments, for usage summary ``ipfw''\n" },
  { argv: ["ipfw", "-n", "frobnicate"], status: 64, err: "ipfw: bad command `frobnicate'\n" },
  { argv: ["ipfw", "-n", "add", "100"], status: 64, err: "ipfw: missing action\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow"], status: 64, err: "ipfw: missing protocol\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip"], status: 64, err: "ipfw: missing ``from''\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip", "from", "any"], status: 64, err: "ipfw: missing ``to''\n" },
  { argv: ["ipfw", "-n", "add", "100", "foo", "ip", "from", "any", "to", "any"], status: 65, err: "ipfw: invalid action foo\n\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip", "from", "1.2.3.4/33", "to", "any"], status: 65, err: "ipfw: bad width ``33''\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip", "from", "nosuchhost", "to", "any"], status: 68, err: "ipfw: hostname ``nosuchhost'' unknown\n" },
  { argv: ["ipfw", "-n", "add", "100", "skipto", "0", "ip", "from", "any", "to", "any"], status: 65, err: "ipfw: illegal argument for skipto\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip", "from", "any", "to", "any", "icmptypes", "40"], status: 65, err: "ipfw: ICMP type out of range\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip", "from", "any", "to", "any", "tcpflags", "syn,foo"], status: 65, err: "ipfw: invalid flag foo\n" },
  { argv: ["ipfw", "-n", "add", "100", "allow", "ip", "from", "any", "to", "any", "limit", "5"], status: 64, err: "ipfw: limit: missing limit mask\n" },
  { argv: ["ipfw", "-n", "set", "40", "list"], status: 65, err: "ipfw: invalid set number 40\n\n" },
  { argv: ["ipfw", "-n", "table", "all", "add", "1.2.3.4"], status: 64, err: "ipfw: table name required\n" },
  { argv: ["ipfw", "-n", "table", "t", "create", "type", "foo"], status: 64, err: "ipfw: Unknown tabletype: foo. Supported: addr, mac, iface, number, flow\n" },
];
// MAC tables in rules (ipfw2.c's add_srcmac/add_dstmac, fill_table, the
// lookup keys) and the mac type's (absent) suboptions.
const ANY = ["ipfw", "-n", "add", "100", "allow", "ip", "from", "any", "to", "any"];
rows.push(
  { argv: [...ANY, "src-mac", "00:11:22:33:44:55"], status: 65, err: "ipfw: only mac table lookup is supported 00:11:22:33:44:55\n" },
  { argv: [...ANY, "dst-mac", "any"], status: 65, err: "ipfw: only mac table lookup is supported any\n" },
  { argv: [...ANY, "dst-mac", "TABLE(m)"], status: 65, err: "ipfw: only mac table lookup is supported TABLE(m)\n" },
  { argv: [...ANY, "src-mac"], status: 64, err: "ipfw: missing source MAC\n" },
  { argv: [...ANY, "dst-mac"], status: 64, err: "ipfw: missing destination MAC\n" },
  { argv: [...ANY, "dst-mac", "table("], status: 65, err: "ipfw: forgotten parenthesis: 'table('\n" },
  { argv: [...ANY, "src-mac", "table()"], status: 65, err: "ipfw: Invalid table name: \n" },
  { argv: [...ANY, "src-mac", "table(,5)"], status: 65, err: "ipfw: Invalid table name: \n" },
  { argv: [...ANY, "src-mac", `table(${"m".repeat(70)})`], status: 65, err: `ipfw: Invalid table name: ${"m".repeat(70)}\n` },
  { argv: [...ANY, "src-mac", "table(b$d)"], status: 65, err: "ipfw: Invalid table name: b$d\n" },
  { argv: [...ANY, "lookup", "src-mac"], status: 64, err: "ipfw: format: lookup argument tablenum\n" },
  { argv: [...ANY, "lookup", "mac", "m"], status: 64, err: "ipfw: format: cannot lookup on mac\n" },
  { argv: [...ANY, "lookup", "dst-mac", "b$d"], status: 65, err: "ipfw: Invalid table name: b$d\n" },
  { argv: ["ipfw", "-n", "table", "t", "create", "type", "mac:src-ip"], status: 64, err: "ipfw: Unsupported suboptions: src-ip\n" },
);
// dummynet.c's process_extra_parms: codel's words (NEW_AQM).
rows.push(
  { argv: ["ipfw", "-n", "pipe", "4", "config", "codel", "target"], status: 65, err: "ipfw: target needs time\n\n" },
  { argv: ["ipfw", "-n", "pipe", "4", "config", "codel", "interval", "5x"], status: 65, err: "ipfw: interval needs time\n\n" },
  { argv: ["ipfw", "-n", "pipe", "4", "config", "codel", "quantum", "5"], status: 65, err: "ipfw: quantum is not for codel\n\n" },
  { argv: ["ipfw", "-n", "pipe", "4", "config", "codel", "flows", "5"], status: 65, err: "ipfw: flows is not for codel\n\n" },
  { argv: ["ipfw", "-n", "pipe", "4", "config", "pie", "tupdate"], status: 65, err: "ipfw: tupdate needs time\n\n" },
  { argv: ["ipfw", "-n", "pipe", "4", "config", "pie", "beta", "1.2.3"], status: 65, err: "ipfw: beta needs number\n\n" },
  { argv: ["ipfw", "-n", "sched", "4", "config", "type", "fq_codel", "limit", "x"], status: 65, err: "ipfw: limit needs number\n\n" },
);
for (const w of ["-x", "-Z", "-1"]) rows.push({ argv: ["ipfw", w, "list"], status: 64, err: `ipfw: illegal option -- ${w[1]}\nipfw: usage: ipfw [options]\ndo "ipfw -h" or "man ipfw" for details\n` });

register_badcmds("ipfw", rows);
