// sbin/natd.ts (sbin/natd/natd.c): natd(8).  What the option parser and
// main's checks refuse, with natd's messages and exit status 1; options
// read from a -f file (comments, blank lines, several words of parameters)
// and a file whose last line has no newline.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script } from "./prog_helpers.ts";

test("natd: the parser's and main's refusals, exit status 1", async (t) => {
  const r = await run_script(`natd; echo s0=$?
natd -a 192.0.2.1 -n epair0a; echo s1=$?
natd -a 192.0.2.1 -m maybe; echo s2=$?
natd -a 192.0.2.1 -in_port 100; echo s3=$?
natd -a 192.0.2.1 -exit_delay 1000000; echo s4=$?
natd -a 192.0.2.1 -redirect_port udp 10.0.0.5:53 53 10.1.1.1:1-2; echo s5=$?
natd -a 192.0.2.1 -redirect_address 10.0.0.5; echo s6=$?
natd -a 192.0.2.1 -proxy_only -instance second; echo s7=$?
natd -a 192.0.2.1 -punch_fw 100:10; echo s8=$?
natd -a 192.0.2.1 -proxy_rule port 80 server 10.0.0.5:80; echo s9=$?
natd -a 192.0.2.1; echo s10=$?
`);
  t.is(r.out, "s0=1\ns1=1\ns2=1\ns3=1\ns4=1\ns5=1\ns6=1\ns7=1\ns8=1\ns9=1\ns10=1\n");
  t.is(
    r.err,
    [
      "natd: instance default: aliasing address not given",
      "natd: both alias address and interface name are not allowed",
      "natd: m needs yes/no parameter",
      "natd: both input and output ports are required",
      "natd: Incorrect exit delay: 1000000",
      "natd: redirect_port: remote port must be 0 or equal to local port range in size",
      "natd: redirect_address: missing public address",
      // The new instance has neither an address nor -proxy_only.
      "natd: instance second: aliasing address not given",
      // No ipfw loaded: natd's warning, then the historical default.
      "natd: Failed to get the default ipfw rule number, using default historical value 65535.  The reason was: No such file or directory",
      "natd: punch_fw: firewall punching is not built into this libalias (NO_FW_PUNCH)",
      "natd: proxy_rule: transparent proxy rules are not built into this libalias",
      // Without ipdivert there is no divert protocol.
      "natd: Unable to create divert socket.: Protocol not supported",
      "",
    ].join("\n"),
  );
});

test("natd: an unknown option prints the option table", async (t) => {
  const r = await run_script("natd -nosuch; echo s=$?\n");
  t.is(r.out, "s=1\n");
  const lines = r.err.split("\n");
  t.is(lines[0], "natd: unknown option nosuch");
  t.is(lines[1], "Recognized options:");
  t.true(lines.includes("-unregistered_only    [yes|no]"));
  t.true(lines.includes("-u                    [yes|no]"));
  t.true(lines.includes("      alias only unregistered addresses"));
  t.true(lines.includes("-exit_delay           ms"));
});

test("natd: -f reads options from a file; its last line must end in a newline", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-natd-"));
  fs.writeFileSync(path.join(dir, "good.conf"), "# natd.conf\n\n  alias_address 192.0.2.1   # the public address\nredirect_port tcp 10.0.0.5:80 8080\nsame_ports no\nexit_delay 50\n");
  fs.writeFileSync(path.join(dir, "bad.conf"), "alias_address 192.0.2.1\nexit_delay 2000000\n");
  fs.writeFileSync(path.join(dir, "nonl.conf"), "alias_address 192.0.2.1");
  fs.writeFileSync(path.join(dir, "word.conf"), "redirect_port tcp\n");
  const r = await run_script("natd -f good.conf; echo g=$?\nnatd -f bad.conf; echo b=$?\nnatd -f nonl.conf; echo n=$?\nnatd -a 192.0.2.1 -f word.conf; echo w=$?\n", { cwd: dir });
  t.is(r.out, "g=1\nb=1\nn=1\nw=1\n");
  t.is(
    r.err,
    [
      // good.conf is taken whole: natd gets as far as the divert socket.
      "natd: Unable to create divert socket.: Protocol not supported",
      "natd: Incorrect exit delay: 2000000",
      "natd: config file format error: last line should end with newline",
      "natd: redirect_port: missing local address",
      "",
    ].join("\n"),
  );
});
