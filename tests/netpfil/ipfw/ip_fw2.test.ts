// ipfw_chk (netpfil/ipfw/ip_fw2.ts) on real packets: two vnet jails joined by
// an epair, rules sent through IP_FW3 by the "fw" test program, pings and
// their verdicts, per-rule counters, per-vnet rulesets.
import test from "ava";
import { loadKernelUnbooted, type Kernel } from "../../helpers/builds.ts";
import * as F from "../../../netinet/ip_fw.ts";
import { I, IPADDR, IPMASK, LOG, RANGES, U32, IFNAME, install_fw, rule_body, xadd } from "./ipfw_helpers.ts";

interface run {
  k: Kernel;
  out: string;
  err: string;
  status: number;
}

async function run_with(rules: Map<string, Uint8Array>, script: string): Promise<run> {
  const k = await loadKernelUnbooted("vimage");
  install_fw(k, rules);
  const r: run = { k, out: "", err: "", status: 0 };
  r.status = await k.virtnet_run_script(script, {
    seed: 1,
    pcapdir: null,
    name: "ipfw",
    stdout: { write: (d: string) => void (r.out += d) },
    stderr: { write: (d: string) => void (r.err += d) },
    cwd: process.cwd(),
  });
  return r;
}

const PAIR = `
kldload ipfw
jail -c name=a persist vnet
jail -c name=b persist vnet
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
`;

function rules_of(...list: [string, Uint8Array][]): Map<string, Uint8Array> {
  return new Map(list.map(([n, b]) => [n, xadd(b)]));
}

/** "NNNNN pkts bytes" lines of a "fw show" between two markers. */
function shown(out: string, label: string): string[] {
  const i = out.indexOf(`== ${label}\n`);
  if (i < 0) return [];
  const rest = out.slice(i + label.length + 4);
  const j = rest.indexOf("== ");
  return (j < 0 ? rest : rest.slice(0, j)).trim().split("\n").filter((l) => /^\d{5} /.test(l));
}

test("default deny after kldload; an accept rule lets pings through and counts them", async (t) => {
  const rules = rules_of(["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])]);
  const r = await run_with(
    rules,
    PAIR +
      `
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null 2>&1; echo "before $?"
echo "== a0"; jexec a fw show
jexec a fw add allow
jexec b fw add allow
jexec a ping -c 3 10.0.0.2 >/dev/null; echo "after $?"
echo "== a1"; jexec a fw show
echo "== b1"; jexec b fw show
kldstat -q -m ipfw; echo "kldstat $?"
`,
  );
  t.is(r.err, "");
  t.regex(r.out, /before 2/);
  t.deepEqual(shown(r.out, "a0"), ["65535 1 84"], "the default rule denied the one echo request");
  t.regex(r.out, /added 100\nadded 100\n/);
  t.regex(r.out, /after 0/);
  // a: 3 requests out, 3 replies in; b: 3 in, 3 out (ARP is not IP).
  t.deepEqual(shown(r.out, "a1"), ["00100 6 504", "65535 1 84"]);
  t.deepEqual(shown(r.out, "b1"), ["00100 6 504", "65535 0 0"]);
  t.regex(r.out, /kldstat 0/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("rules are per vnet: a rule in one jail does not touch the other", async (t) => {
  const rules = rules_of(["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])], ["deny_icmp", rule_body(50, 0, [I(F.O_PROTO, 1)], [I(F.O_DENY)])]);
  const r = await run_with(
    rules,
    PAIR +
      `
jexec a fw add allow
jexec b fw add allow
jexec b fw add deny_icmp
jexec a ping -c 2 -t 3 10.0.0.2 >/dev/null 2>&1; echo "ping $?"
echo "== a"; jexec a fw show
echo "== b"; jexec b fw show
echo "== host"; fw show; echo "host $?"
`,
  );
  t.regex(r.out, /ping 2/);
  t.deepEqual(shown(r.out, "a"), ["00100 2 168", "65535 0 0"], "a let its requests out");
  t.deepEqual(shown(r.out, "b"), ["00050 2 168", "00100 0 0", "65535 0 0"], "b denied them at rule 50");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("matches: addresses, masks, ports, icmptypes, in/out, interface names, not/or", async (t) => {
  const rules = rules_of(
    // 10: count icmp echo requests (icmptypes 8) from 10.0.0.1
    ["c10", rule_body(10, 0, [IPADDR(F.O_IP_SRC, "10.0.0.1"), U32(F.O_ICMPTYPE, [1 << 8])], [I(F.O_COUNT)])],
    // 20: count anything to 10.0.0.0/24 received on epair0b
    ["c20", rule_body(20, 0, [IPMASK(F.O_IP_DST_MASK, [["10.0.0.0", "255.255.255.0"]]), I(F.O_IN), IFNAME(F.O_RECV, "epair*")], [I(F.O_COUNT)])],
    // 30: count out packets that are not icmp (F_NOT)
    ["c30", rule_body(30, 0, [I(F.O_IN, 0, F.F_NOT), I(F.O_PROTO, 1, F.F_NOT)], [I(F.O_COUNT)])],
    // 40: count udp to port 7 or tcp (an or-block)
    ["c40", rule_body(40, 0, [I(F.O_PROTO, 17, F.F_OR), I(F.O_PROTO, 6)], [I(F.O_COUNT)])],
    // 50: count echo replies (icmptypes 0), via epair0b, ttl 64
    ["c50", rule_body(50, 0, [U32(F.O_ICMPTYPE, [1 << 0]), IFNAME(F.O_VIA, "epair0b"), RANGES(F.O_IPTTL, [[64, 64]])], [I(F.O_COUNT)])],
    ["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])],
  );
  const r = await run_with(
    rules,
    PAIR +
      `
jexec a fw add allow
for n in c10 c20 c30 c40 c50 allow; do jexec b fw add $n >/dev/null; done
jexec a ping -c 2 10.0.0.2 >/dev/null; echo "ping $?"
echo "== b"; jexec b fw show
`,
  );
  t.regex(r.out, /ping 0/);
  t.deepEqual(shown(r.out, "b"), ["00010 2 168", "00020 2 168", "00030 0 0", "00040 0 0", "00050 2 168", "00100 4 336", "65535 0 0"]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("skipto jumps forward; call and return come back after the call", async (t) => {
  const rules = rules_of(
    ["s10", rule_body(10, 0, [], [I(F.O_SKIPTO, 30)])],
    ["d20", rule_body(20, 0, [], [I(F.O_DENY)])],
    ["c30", rule_body(30, 0, [], [I(F.O_CALLRETURN, 1000)])],
    ["a40", rule_body(40, 0, [], [I(F.O_ACCEPT)])],
    ["c1000", rule_body(1000, 0, [], [I(F.O_COUNT)])],
    ["r1010", rule_body(1010, 0, [], [I(F.O_CALLRETURN, 0, F.F_NOT)])],
    ["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])],
  );
  const r = await run_with(
    rules,
    PAIR +
      `
jexec a fw add allow
for n in s10 d20 c30 a40 c1000 r1010; do jexec b fw add $n >/dev/null; done
jexec a ping -c 2 10.0.0.2 >/dev/null; echo "ping $?"
echo "== b"; jexec b fw show
`,
  );
  t.regex(r.out, /ping 0/);
  t.deepEqual(shown(r.out, "b"), ["00010 4 336", "00020 0 0", "00030 4 336", "00040 4 336", "01000 4 336", "01010 4 336", "65535 0 0"]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("reject sends ICMP unreachable; log writes FreeBSD's line to the kernel log", async (t) => {
  const rules = rules_of(
    ["rej", rule_body(200, 0, [I(F.O_IN), I(F.O_PROTO, 1)], [LOG(5), I(F.O_REJECT, 1)])],
    ["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])],
    ["allow300", rule_body(300, 0, [], [I(F.O_ACCEPT)])],
  );
  const r = await run_with(
    rules,
    PAIR +
      `
jexec a fw add allow
jexec b sysctl net.inet.ip.fw.verbose=1 >/dev/null
jexec b fw add rej
jexec b fw add allow300
jexec a ping -c 1 -t 2 10.0.0.2; echo "ping $?"
dmesg | grep '^ipfw: 200'
echo "== b"; jexec b fw show
`,
  );
  t.regex(r.out, /ping 2/);
  t.regex(r.out, /Destination Host Unreachable/);
  t.regex(r.out, /ipfw: 200 Reject ICMP:8\.0 10\.0\.0\.1 10\.0\.0\.2 in via epair0b\n/);
  t.deepEqual(shown(r.out, "b"), ["00200 1 84", "00300 1 112", "65535 0 0"], "the unreach went out through rule 300");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
