// Bad timeout(1) command lines (usr.bin/timeout/timeout.c's checks), run
// from the topology's host: getopt_long's complaints and the usage line
// (EX_USAGE), durations and signals it refuses (125, and EX_USAGE for a
// unit of more than one letter), a timer setitimer(2) refuses (EX_OSERR),
// and a command that cannot be run (127).
// None of them starts a command or leaves a timer armed.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const USAGE = "Usage: timeout [--signal sig | -s sig] [--preserve-status] [--kill-after time | -k time] [--foreground] <duration> <command> <arg ...>\n";
const rows: badcmd_row[] = [
  { argv: ["timeout"], status: 64, err: USAGE },
  { argv: ["timeout", "1"], status: 64, err: USAGE },
  { argv: ["timeout", "--help"], status: 64, err: USAGE },
  { argv: ["timeout", "-q", "1", "true"], status: 64, err: `timeout: illegal option -- q\n${USAGE}` },
  { argv: ["timeout", "--nosuch", "1", "true"], status: 64, err: `timeout: unknown option -- nosuch\n${USAGE}` },
  // A long option's unique prefix is the option: --kill takes "1" as
  // --kill-after's time, leaving one operand.
  { argv: ["timeout", "--kill", "1", "true"], status: 64, err: USAGE },
  { argv: ["timeout", "--foreground=yes", "1", "true"], status: 64, err: `timeout: option doesn't take an argument -- foreground\n${USAGE}` },
  { argv: ["timeout", "-s"], status: 64, err: `timeout: option requires an argument -- s\n${USAGE}` },
  { argv: ["timeout", "", "true"], status: 125, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "x1", "true"], status: 125, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "1y", "true"], status: 125, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "1ms", "true"], status: 64, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "100000000s", "true"], status: 125, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "-1s", "true"], status: 64, err: `timeout: illegal option -- 1\n${USAGE}` },
  { argv: ["timeout", "--", "-1s", "true"], status: 125, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "-k", "zz", "1", "true"], status: 125, err: "timeout: invalid duration\n" },
  { argv: ["timeout", "-s", "", "1", "true"], status: 125, err: "timeout: invalid signal\n" },
  { argv: ["timeout", "-s", "99999999999999999999", "1", "true"], status: 125, err: "timeout: invalid signal\n" },
  { argv: ["timeout", "-s", "SIG", "1", "true"], status: 125, err: "timeout: invalid signal\n" },
  { argv: ["timeout", "--signal=-9", "1", "true"], status: 125, err: "timeout: invalid signal\n" },
  // No unit, so no range check: setitimer(2) refuses past INT32_MAX / 2 s.
  { argv: ["timeout", "2000000000", "true"], status: 71, err: "timeout: setitimer(): Invalid argument\n" },
  { argv: ["timeout", "1", "no-such-program-here"], status: 127, err: "timeout: exec(no-such-program-here): No such file or directory\n" },
];

register_badcmds("timeout", rows);
