// Bad inetd(8) command lines (usr.sbin/inetd/inetd.c's option checks), run
// from the topology's host.  Each ends before inetd would become a daemon:
// getopt's complaint and the usage line, or an -a address getaddrinfo(3)
// does not take; a bad -R, -c or -C value is logged and the next check
// ends it.  The messages come through syslog's LOG_PERROR, "inetd[pid]: ".
import { register_badcmds, type badcmd_row } from "../registry.ts";

const USAGE = "usage: inetd [-dlwW] [-a address] [-R rate] [-c maximum] [-C rate] [-p pidfile] [conf-file]";
const NONAME = "hostname nor servname provided, or not known";
const rows: badcmd_row[] = [
  { argv: ["inetd", "-x"], status: 64, err: new RegExp(`^inetd: illegal option -- x\\ninetd\\[\\d+\\]: ${USAGE.replace(/[[\]-]/g, "\\$&")}\\n$`) },
  { argv: ["inetd", "-p"], status: 64, err: new RegExp(`^inetd: option requires an argument -- p\\ninetd\\[\\d+\\]: ${USAGE.replace(/[[\]-]/g, "\\$&")}\\n$`) },
  { argv: ["inetd", "-a", "300.1.1.1"], status: 64, err: new RegExp(`^inetd\\[\\d+\\]: -a 300\\.1\\.1\\.1: ${NONAME}\\n$`) },
  { argv: ["inetd", "-a", "nosuchhost", "inetd.conf"], status: 64, err: new RegExp(`^inetd\\[\\d+\\]: -a nosuchhost: ${NONAME}\\n$`) },
  { argv: ["inetd", "-a", ""], status: 64, err: new RegExp(`^inetd\\[\\d+\\]: -a : ${NONAME}\\n$`) },
  {
    argv: ["inetd", "-R", "x", "-c", "-1", "-C", "0x", "-a", "1.2.3.4.5"],
    status: 64,
    err: new RegExp(
      "^inetd\\[\\d+\\]: -R x: bad value for service invocation rate\\n" +
        "inetd\\[\\d+\\]: -c -1: bad value for maximum children\\n" +
        "inetd\\[\\d+\\]: -C 0x: bad value for maximum children/minute\\n" +
        `inetd\\[\\d+\\]: -a 1\\.2\\.3\\.4\\.5: ${NONAME}\\n$`,
    ),
  },
];

register_badcmds("inetd", rows);
