// Bad natd(8) command lines (sbin/natd/natd.c's ParseOption and main
// checks), run from the topology's host: each is refused before natd opens
// a socket, with natd's message and exit status 1; an unknown option or a
// stray word prints the option table after the warning.
import { register_badcmds, type badcmd_row } from "../registry.ts";

const A = ["natd", "-a", "192.0.2.1"];
const usage = (first: string): RegExp => new RegExp(`^natd: ${first}\nRecognized options:\n\n-unregistered_only +\\[yes\\|no\\]\n[^]*-exit_delay +ms\n {6}delay in ms before daemon exit after signal\n\n$`);
const rows: badcmd_row[] = [
  { argv: ["natd"], status: 1, err: "natd: instance default: aliasing address not given\n" },
  { argv: ["natd", "-a", "192.0.2.1", "-n", "epair0a"], status: 1, err: "natd: both alias address and interface name are not allowed\n" },
  { argv: ["natd", "-bogus"], status: 1, err: usage("unknown option bogus") },
  { argv: ["natd", "stray"], status: 1, err: usage("invalid option stray") },
  { argv: ["natd", "-a"], status: 1, err: "natd: a needs address/host parameter\n" },
  { argv: ["natd", "-a", "nosuchhost"], status: 1, err: "natd: unknown host nosuchhost\n" },
  { argv: [...A, "-m", "maybe"], status: 1, err: "natd: m needs yes/no parameter\n" },
  { argv: [...A, "-p"], status: 1, err: "natd: p needs service name or port number parameter\n" },
  { argv: [...A, "-p", "nosuch"], status: 1, err: "natd: nosuch/divert: unknown service\n" },
  { argv: [...A, "-i", "100"], status: 1, err: "natd: both input and output ports are required\n" },
  { argv: [...A, "-exit_delay", "1000000"], status: 1, err: "natd: Incorrect exit delay: 1000000\n" },
  { argv: [...A, "-exit_delay", "-1"], status: 1, err: "natd: exit_delay needs numeric parameter\n" },
  { argv: [...A, "-exit_delay", "x"], status: 1, err: "natd: exit_delay needs numeric parameter\n" },
  { argv: [...A, "-n"], status: 1, err: "natd: n needs parameter\n" },
  { argv: [...A, "-redirect_port"], status: 1, err: "natd: redirect_port needs parameter\n" },
  { argv: [...A, "-redirect_port", "icmp", "10.0.0.5:80", "80"], status: 1, err: "natd: unknown protocol icmp. Expected tcp or udp\n" },
  { argv: [...A, "-redirect_port", "tcp"], status: 1, err: "natd: redirect_port: missing local address\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5:80"], status: 1, err: "natd: redirect_port: missing public port\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5", "80"], status: 1, err: "natd: 10.0.0.5 is missing port number\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5:80-81", "80"], status: 1, err: "natd: redirect_port: port ranges must be equal in size\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5:81-80", "80"], status: 1, err: "natd: invalid port range 81-80\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5:x", "80"], status: 1, err: "natd: x/tcp: unknown service\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5:80", "80", "1.2.3.4:1-2"], status: 1, err: "natd: redirect_port: remote port must be 0 or equal to local port range in size\n" },
  { argv: [...A, "-redirect_port", "tcp", "10.0.0.5:80,10.0.0.6:80-81", "80"], status: 1, err: "natd: redirect_port: local port must be single in this context\n" },
  { argv: [...A, "-redirect_proto", "nosuchproto", "10.0.0.5"], status: 1, err: "natd: redirect_proto: unknown protocol nosuchproto\n" },
  { argv: [...A, "-redirect_proto", "gre"], status: 1, err: "natd: redirect_proto: missing local address\n" },
  { argv: [...A, "-redirect_address", "10.0.0.5"], status: 1, err: "natd: redirect_address: missing public address\n" },
  { argv: [...A, "-log_facility", "bogus"], status: 1, err: "natd: Unknown log facility name: bogus\n" },
  { argv: [...A, "-punch_fw", "10"], status: 1, err: "natd: punch_fw: basenumber:count parameter required\n" },
  { argv: [...A, "-skinny_port", "x"], status: 1, err: "natd: skinny_port: port parameter required\n" },
  { argv: [...A, "-f", "/nonexistent/natd.conf"], status: 1, err: "natd: cannot open config file /nonexistent/natd.conf: No such file or directory\n" },
];

register_badcmds("natd", rows);
