// Bad ifconfig command lines for vlan(4) and 802.1p priorities (ifvlan.c's
// checks, ifconfig.c's pcp, and what the kernel refuses), run from the host
// of the topology, where only lo0 is: none of them changes anything.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const rows: badcmd_row[] = [
  { argv: ["ifconfig", "vlan", "create", "vlan", "5"], status: 1, err: "ifconfig: must specify a parent device for vlan create\n" },
  { argv: ["ifconfig", "vlan", "create", "vlandev", "lo0"], status: 1, err: "ifconfig: must specify a tag for vlan create\n" },
  { argv: ["ifconfig", "lo0.5", "create", "vlan", "5"], status: 1, err: "ifconfig: ambiguous vlan specification\n" },
  { argv: ["ifconfig", "lo0.5", "create", "vlandev", "lo0"], status: 1, err: "ifconfig: ambiguous vlan specification\n" },
  { argv: ["ifconfig", "lo0.5", "create"], status: 1, err: "ifconfig: SIOCIFCREATE2 (lo0.5): Protocol not supported\n" },
  { argv: ["ifconfig", "vlan", "create", "vlan", "5", "vlandev", "nosuch0"], status: 1, err: "ifconfig: SIOCIFCREATE2 (vlan): Device not configured\n" },
  { argv: ["ifconfig", "vlan", "create", "vlan", "5", "vlandev", "lo0"], status: 1, err: "ifconfig: SIOCIFCREATE2 (vlan): Protocol not supported\n" },
  { argv: ["ifconfig", "lo0", "vlan", "5"], status: 1, err: "ifconfig: both vlan and vlandev must be specified\n" },
  { argv: ["ifconfig", "lo0", "vlandev", "lo0"], status: 1, err: "ifconfig: both vlan and vlandev must be specified\n" },
  { argv: ["ifconfig", "lo0", "-vlandev"], status: 1, err: "ifconfig: SIOCGETVLAN: Invalid argument\n" },
  { argv: ["ifconfig", "lo0", "vlanpcp", "3"], status: 1, err: "ifconfig: SIOCSVLANPCP: Invalid argument\n" },
  { argv: ["ifconfig", "lo0", "pcp", "3"], status: 1, err: "ifconfig: SIOCSLANPCP: Invalid argument\n" },
  { argv: ["ifconfig", "lo0", "-pcp"], status: 1, err: "ifconfig: SIOCSLANPCP: Invalid argument\n" },
];
for (const name of ["lo0.0", "lo0.05", "lo0.4096", "lo0.5x", "lo0.", "lo0.-1"]) rows.push({ argv: ["ifconfig", name, "create"], status: 1, err: "ifconfig: invalid vlan tag\n" });
for (const bad of ["5x", "x", "1.5", "0x"]) rows.push({ argv: ["ifconfig", "vlan", "create", "vlan", bad, "vlandev", "lo0"], status: 1, err: "ifconfig: invalid value for vlan\n" });
for (const big of ["65536", "99999999999999999999", "-1"]) rows.push({ argv: ["ifconfig", "vlan", "create", "vlan", big, "vlandev", "lo0"], status: 1, err: "ifconfig: value for vlan out of range\n" });
for (const bad of ["802.1x", "8021q", "", "q"]) rows.push({ argv: ["ifconfig", "vlan", "create", "vlanproto", bad], status: 1, err: "ifconfig: invalid value for vlanproto\n" });
for (const [p, what] of [
  ["vlanpcp", "vlanpcp"],
  ["pcp", "pcp"],
]) {
  for (const bad of ["x", "3x", "1.0"]) rows.push({ argv: ["ifconfig", "lo0", p, bad], status: 1, err: `ifconfig: invalid value for ${what}\n` });
  for (const big of ["8", "255", "-1", "0x10"]) rows.push({ argv: ["ifconfig", "lo0", p, big], status: 1, err: `ifconfig: value for ${what} out of range\n` });
}
for (const p of ["vlan", "vlandev", "vlanproto", "vlanpcp", "pcp"]) rows.push({ argv: ["ifconfig", "lo0", p], status: 1, err: `ifconfig: '${p}' requires argument\n` });

register_badcmds("ifconfig", rows);
