// Bad `ipfw nat` command lines (sbin/ipfw/nat.c's checks), run from the
// topology's host, where ipfw is not loaded: none reaches the kernel, or
// the kernel answers ENOPROTOOPT.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const U = "ipfw: Please specify action. Available: config,log\n";
const rows: badcmd_row[] = [
  { argv: ["ipfw", "nat", "1", "show"], status: 64, err: U },
  { argv: ["ipfw", "nat", "show"], status: 64, err: U },
  { argv: ["ipfw", "nat", "0", "config", "ip", "1.2.3.4"], status: 65, err: "ipfw: illegal nat id: 0\n" },
  { argv: ["ipfw", "nat", "1", "config"], status: 65, err: "ipfw: missing option\n" },
  { argv: ["ipfw", "nat", "1", "config", "ip", "300.1.1.1"], status: 65, err: "ipfw: bad ip address ``300.1.1.1''\n" },
  { argv: ["ipfw", "nat", "1", "config", "ip", "1.2.3.4"], status: 1, err: "ipfw: setsockopt(IP_FW_NAT44_XCONFIG): Protocol not available\n" },
  { argv: ["ipfw", "nat", "1", "config", "if", "nosuch0"], status: 1, err: "ipfw: unknown interface name nosuch0\n" },
  { argv: ["ipfw", "nat", "1", "config", "redirect_port", "tcp", "10.0.0.5", "80"], status: 65, err: "ipfw: 10.0.0.5 is missing port number\n" },
  { argv: ["ipfw", "nat", "1", "config", "redirect_port", "tcp", "10.0.0.5:80-81", "80"], status: 65, err: "ipfw: redirect_port: port ranges must be equal in size\n" },
  { argv: ["ipfw", "nat", "1", "config", "redirect_port", "icmp", "10.0.0.5:80", "80"], status: 65, err: "ipfw: unknown protocol icmp. Expected sctp, tcp or udp\n" },
  { argv: ["ipfw", "nat", "1", "config", "redirect_port", "tcp", "10.0.0.5:81-80", "80"], status: 65, err: "ipfw: invalid port range 81-80\n" },
  { argv: ["ipfw", "nat", "1", "config", "redirect_addr", "10.0.0.5"], status: 65, err: "ipfw: redirect_addr: not enough arguments\n" },
  { argv: ["ipfw", "nat", "1", "config", "redirect_proto", "nosuchproto", "10.0.0.5"], status: 65, err: "ipfw: redirect_proto: unknown protocol nosuchproto\n" },
  { argv: ["ipfw", "nat", "1", "config", "port_range", "100-200"], status: 65, err: "ipfw: You need a range of port(s) from 1024 <= x < 65536\n" },
];
for (const bad of ["bogus", "nat", "redirect", "ports"]) rows.push({ argv: ["ipfw", "nat", "1", "config", bad], status: 65, err: `ipfw: unrecognised option \`\`${bad}''\n` });
for (const id of ["-1", "1x", "0x"]) rows.push({ argv: ["ipfw", "nat", "config", id, "log"], status: 65, err: `ipfw: illegal nat id: ${id}\n` });

register_badcmds("ipfw", rows);
