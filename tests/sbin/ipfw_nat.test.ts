// sbin/ipfw_nat.ts (sbin/ipfw/nat.c): `ipfw nat N config|show|delete`:
// what the parser refuses (FreeBSD 14's messages and exit codes), and
// what the kernel says without ipfw (ENOPROTOOPT) or without ipfw_nat.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

test("ipfw nat: the parser's errors and exit statuses", async (t) => {
  const r = await run_script(`ipfw nat 1 show; echo s=$?
ipfw nat show; echo s2=$?
ipfw nat show 1 2 config; echo s3=$?
ipfw nat 0 config ip 1.2.3.4; echo c0=$?
ipfw nat x config ip 1.2.3.4; echo cx=$?
ipfw nat 1 config; echo c1=$?
ipfw nat 1 config bogus; echo c2=$?
ipfw nat 1 config ip 1.2.3; echo c3=$?
ipfw nat 1 config ip 300.1.1.1; echo c4=$?
ipfw nat 1 config redirect_port tcp 10.0.0.5 80; echo c5=$?
ipfw nat 1 config redirect_port tcp 10.0.0.5:80-81 80; echo c6=$?
ipfw nat 1 config redirect_port icmp 10.0.0.5:80 80; echo c7=$?
ipfw nat 1 config redirect_port tcp 10.0.0.5:81-80 80; echo c8=$?
ipfw nat 1 config redirect_port tcp 10.0.0.5:80 8080 1.2.3.4:1-2; echo c9=$?
ipfw nat 1 config redirect_port tcp 10.0.0.5:80; echo c10=$?
ipfw nat 1 config redirect_addr 10.0.0.5; echo c11=$?
ipfw nat 1 config redirect_proto nosuchproto 10.0.0.5; echo c12=$?
ipfw nat 1 config redirect_addr nosuchhost 1.2.3.4; echo c13=$?
ipfw nat 1 config if nosuch0; echo c14=$?
ipfw nat 1 config port_range 100-200; echo c15=$?
ipfw nat 1 config port_range 3000-2000; echo c16=$?
ipfw nat 1 config redirect_port tcp 10.0.0.5:nosuchservice 80; echo c17=$?
`);
  t.is(
    r.out,
    "s=64\ns2=64\ns3=64\nc0=65\ncx=64\nc1=65\nc2=65\nc3=1\nc4=65\nc5=65\nc6=65\nc7=65\nc8=65\nc9=65\nc10=65\nc11=65\nc12=65\nc13=1\nc14=1\nc15=65\nc16=65\nc17=65\n",
  );
  t.is(
    r.err,
    [
      "ipfw: Please specify action. Available: config,log",
      "ipfw: Please specify action. Available: config,log",
      "ipfw: only one instance name may be specified: No error: 0",
      "ipfw: illegal nat id: 0",
      "ipfw: bad command `x'",
      "ipfw: missing option",
      "ipfw: unrecognised option ``bogus''",
      "ipfw: setsockopt(IP_FW_NAT44_XCONFIG): Protocol not available",
      "ipfw: bad ip address ``300.1.1.1''",
      "ipfw: 10.0.0.5 is missing port number",
      "ipfw: redirect_port: port ranges must be equal in size",
      "ipfw: unknown protocol icmp. Expected sctp, tcp or udp",
      "ipfw: invalid port range 81-80",
      "ipfw: redirect_port: remote port mustbe 0 or equal to local port range in size",
      "ipfw: redirect_port: not enough arguments",
      "ipfw: redirect_addr: not enough arguments",
      "ipfw: redirect_proto: unknown protocol nosuchproto",
      "ipfw: unknown host nosuchhost",
      "ipfw: unknown interface name nosuch0",
      "ipfw: You need a range of port(s) from 1024 <= x < 65536",
      "ipfw: Must specify a range of ports",
      "ipfw: nosuchservice/tcp: unknown service",
      "",
    ].join("\n"),
  );
});
