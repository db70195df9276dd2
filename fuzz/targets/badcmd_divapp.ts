// Bad divapp command lines (tests/sys/netpfil/common/divapp.c, the divert
// test helper), run from the topology's host, where ipdivert is not
// loaded: the usage line, a port that is 0 once cut to 16 bits, and a
// socket the kernel cannot make.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const rows: badcmd_row[] = [
  { argv: ["divapp"], status: 64, err: "divapp: Usage: divapp <divert-port> [expect-single-pkt] [divert-back]\n" },
  { argv: ["divapp", "0"], status: 64, err: "divapp: divert port is not defined.\n" },
  { argv: ["divapp", "port"], status: 64, err: "divapp: divert port is not defined.\n" },
  { argv: ["divapp", "65536", "divert-back"], status: 64, err: "divapp: divert port is not defined.\n" },
  { argv: ["divapp", "-1", "expect-single-pkt"], status: 71, err: "divapp: init: Cannot create divert socket.\n" },
  { argv: ["divapp", "99999999999999999999999"], status: 71, err: "divapp: init: Cannot create divert socket.\n" },
];

register_badcmds("divapp", rows);
