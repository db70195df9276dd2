// netinet6/mld6 and in6_mcast: joining a group sends MLDv2 state-change
// reports (CHANGE_TO_EXCLUDE {}, robustness-many, at the next 200 ms tick
// and again within the unsolicited report interval) with hop limit 1 and
// a router alert; leaving sends BLOCK_OLD {} (FreeBSD's use_allow); an
// MLDv1 query moves the link to MLDv1 and its reports; a query without the
// router alert is not heard; the link layer joins 33:33:xx; a group joined
// again while its leave is pending stays joined; and tshark
// decodes the reports of two jails with good checksums.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BOTH } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";
import { icmp6_cksum, icmp6_setup, icmp6msg, ip6pkt, moved, ntop, parse6, type icmp6_env } from "./icmp6_helpers.ts";

const GROUP = "ff02::1:ff00:42";
/** A hop-by-hop header carrying a router alert for MLD (then PadN). */
const RA_HBH = Uint8Array.from([58, 0, 5, 2, 0, 0, 1, 0]);

function mld_reports(e: icmp6_env): { type: number; recs: { type: number; nsrc: number; group: string }[]; raw: ReturnType<typeof parse6> }[] {
  return e.sent
    .map((s) => parse6(s.bytes))
    .filter((p) => p.ulp === 58 && (p.msg[0] === 143 || p.msg[0] === 131 || p.msg[0] === 132))
    .map((p) => {
      const recs: { type: number; nsrc: number; group: string }[] = [];
      if (p.msg[0] === 143) {
        const n = (p.msg[6] << 8) | p.msg[7];
        let off = 8;
        for (let i = 0; i < n; i++) {
          const nsrc = (p.msg[off + 2] << 8) | p.msg[off + 3];
          recs.push({ type: p.msg[off], nsrc, group: ntop(e.k, p.msg.subarray(off + 4, off + 20)) });
          off += 20 + 16 * nsrc + p.msg[off + 1] * 4;
        }
      } else recs.push({ type: p.msg[0], nsrc: 0, group: ntop(e.k, p.msg.subarray(8, 24)) });
      return { type: p.msg[0], recs, raw: p };
    });
}

for (const build of BOTH) {
  test.serial(`${build}: a join sends two MLDv2 TO_EX {} reports with a router alert, a leave two BLOCK_OLD {}`, async (t) => {
    const e = await icmp6_setup(build);
    const k = e.k;
    const cap0 = e.mkif("cap0", "2001:db8::1");
    e.advance(10000);
    e.sent.length = 0;
    const g = e.run(() => {
      const a = k.inet_pton6(GROUP) ?? new k.in6_addr();
      k.in6_setscope(a, cap0, null);
      return a;
    });
    const pinm: { inm: InstanceType<typeof k.in6_multi> | null } = { inm: null };
    t.is(
      e.run(() => k.in6_joingroup(cap0, g, null, pinm, 0)),
      0,
    );
    t.truthy(pinm.inm);
    t.truthy(cap0.if_multiaddrs.find((m) => m.ifma_addr.join(":") === [0x33, 0x33, 0xff, 0, 0, 0x42].join(":")), "33:33:ff:00:00:42 joined");
    t.is(e.sent.length, 0, "nothing before the fast tick");
    e.advance(200);
    let reps = mld_reports(e);
    t.is(reps.length, 1);
    const r = reps[0].raw;
    t.is(r.nxt, 0, "a hop-by-hop header first");
    t.deepEqual(Array.from(r.chain), [0]);
    t.is(r.hlim, 1);
    t.is(ntop(k, r.dst), "ff02::16");
    t.true(ntop(k, r.src).startsWith("fe80::"), ntop(k, r.src));
    const p = e.sent[0].bytes;
    t.deepEqual(Array.from(p.subarray(40, 48)), [58, 0, 1, 0, 5, 2, 0, 0], "PadN, router alert MLD");
    t.is(icmp6_cksum(r.src, r.dst, r.msg), 0, "checksum good");
    t.deepEqual(reps[0].recs, [{ type: k.MLD_CHANGE_TO_EXCLUDE_MODE, nsrc: 0, group: GROUP }]);
    e.advance(3000);
    reps = mld_reports(e);
    t.is(reps.length, 2, "the robustness variable: two copies");
    e.advance(10000);
    t.is(mld_reports(e).length, 2, "and no more");

    e.sent.length = 0;
    t.is(
      e.run(() => k.in6_leavegroup(pinm.inm as InstanceType<typeof k.in6_multi>, null)),
      0,
    );
    e.advance(5000);
    reps = mld_reports(e);
    t.is(reps.length, 2);
    t.deepEqual(reps[0].recs, [{ type: k.MLD_BLOCK_OLD_SOURCES, nsrc: 0, group: GROUP }]);
    t.falsy(cap0.if_multiaddrs.find((m) => m.ifma_addr.join(":") === [0x33, 0x33, 0xff, 0, 0, 0x42].join(":")), "the link group is left");
    t.is(e.run(() => k.in6m_lookup(cap0, g)), null);
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a group joined again while its MLDv2 leave is pending stays joined, before or after the leave's first report`, async (t) => {
    const e = await icmp6_setup(build);
    const k = e.k;
    const cap0 = e.mkif("cap0", "2001:db8::1");
    e.advance(10000);
    const g = e.run(() => {
      const a = k.inet_pton6(GROUP) ?? new k.in6_addr();
      k.in6_setscope(a, cap0, null);
      return a;
    });
    const lladdr = [0x33, 0x33, 0xff, 0, 0, 0x42].join(":");
    const linked = () => cap0.if_multiaddrs.some((m) => m.ifma_addr.join(":") === lladdr);
    type inm_t = InstanceType<typeof k.in6_multi>;
    const join = (): inm_t => {
      const pinm: { inm: inm_t | null } = { inm: null };
      t.is(e.run(() => k.in6_joingroup(cap0, g, null, pinm, 0)), 0);
      return pinm.inm as inm_t;
    };
    const leave = (inm: inm_t) => t.is(e.run(() => k.in6_leavegroup(inm, null)), 0);
    e.sent.length = 0;
    let inm = join();
    e.advance(10000);
    t.is(mld_reports(e).length, 2);

    // Left and joined again within one fast tick (an address deleted and
    // added back): nothing changed on the wire, so nothing is sent, and
    // the group outlives the leave's retransmission timer.
    e.sent.length = 0;
    leave(inm);
    inm = join();
    e.advance(20000);
    t.is(mld_reports(e).length, 0, "no report: the routers never heard of the leave");
    t.is(e.run(() => k.in6m_lookup(cap0, g)), inm, "still a member");
    t.is(inm.in6m_state, k.MLD_REPORTING_MEMBER);
    t.is(inm.in6m_refcount, 1, "the leave's reference is gone");
    t.true(linked());

    // Joined again after the leave's first report: a new initial join.
    e.sent.length = 0;
    leave(inm);
    e.advance(200);
    t.deepEqual(mld_reports(e).map((r) => r.recs[0].type), [k.MLD_BLOCK_OLD_SOURCES]);
    inm = join();
    e.advance(20000);
    t.deepEqual(mld_reports(e).map((r) => r.recs[0].type), [k.MLD_BLOCK_OLD_SOURCES, k.MLD_CHANGE_TO_EXCLUDE_MODE, k.MLD_CHANGE_TO_EXCLUDE_MODE]);
    t.is(e.run(() => k.in6m_lookup(cap0, g)), inm);
    t.is(inm.in6m_refcount, 1);

    // The last leave still ends the group and its link-layer group.
    e.sent.length = 0;
    leave(inm);
    e.advance(20000);
    t.deepEqual(mld_reports(e).map((r) => r.recs[0].type), [k.MLD_BLOCK_OLD_SOURCES, k.MLD_BLOCK_OLD_SOURCES]);
    t.is(e.run(() => k.in6m_lookup(cap0, g)), null);
    t.false(linked());
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an MLDv1 query puts the link in MLDv1 mode: v1 reports, not for all-nodes; no router alert, not heard`, async (t) => {
    const e = await icmp6_setup(build);
    const k = e.k;
    const cap0 = e.mkif("cap0", "2001:db8::1");
    e.advance(5000);
    e.sent.length = 0;
    const rtr = e.addr("fe80::1");
    const allnodes = e.addr("ff02::1");
    const q = new Uint8Array(20);
    new DataView(q.buffer).setUint16(0, 1000); // maximum response delay, ms
    const query = icmp6msg(rtr, allnodes, 130, 0, q);
    let before = e.icmp6stat();
    // Without the router alert the query is dropped.
    e.input(cap0, ip6pkt({ src: rtr, dst: allnodes, hlim: 1 }, query), k.M_MCAST);
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_inhist + 130]: 1 });
    e.advance(2000);
    t.is(mld_reports(e).length, 0);
    before = e.icmp6stat();
    e.input(cap0, ip6pkt({ src: rtr, dst: allnodes, hlim: 1, nxt: 0, ext: RA_HBH }, query), k.M_MCAST);
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_inhist + 130]: 1 });
    t.is(e.run(() => k.MLD_IFINFO(cap0)?.mli_version), 1);
    e.advance(1200);
    const reps = mld_reports(e);
    t.true(reps.length >= 2, "the solicited-node groups of both addresses");
    for (const r of reps) {
      t.is(r.type, 131);
      t.is(r.raw.hlim, 1);
      t.is(ntop(k, r.raw.dst), r.recs[0].group, "sent to the group itself");
      t.not(r.recs[0].group, "ff02::1");
      t.is(icmp6_cksum(r.raw.src, r.raw.dst, r.raw.msg), 0);
    }
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

const tshark = needs("tshark");

tshark.serial("tshark decodes the MLDv2 reports of two jails with good checksums and a router alert", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-mld-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const k = (await import("../helpers/builds.ts")).loadKernelUnbooted;
  const kk = await k("vimage");
  let err = "";
  const status = await kk.virtnet_run_script(
    `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 5
`,
    { seed: 1, pcapdir: dir, name: "mld", stdout: { write: () => {} }, stderr: { write: (s: string) => void (err += s) }, cwd: dir },
  );
  t.is(status, 0, err);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".pcap"));
  t.true(files.length > 0);
  let reports = 0;
  for (const f of files) {
    const { stdout } = await promisify(execFile)("tshark", [
      "-r",
      path.join(dir, f),
      "-Y",
      "icmpv6.type == 143",
      "-T",
      "fields",
      "-E",
      "separator=/t",
      "-e",
      "icmpv6.checksum.status",
      "-e",
      "ipv6.hlim",
      "-e",
      "ipv6.dst",
      "-e",
      "ipv6.opt.router_alert",
      "-e",
      "icmpv6.mldr.mar.record_type",
    ]);
    for (const line of stdout.split("\n").filter((l) => l !== "")) {
      const [cks, hlim, dst, ra, rt] = line.split("\t");
      t.is(cks, "1", `good checksum: ${line}`);
      t.is(hlim, "1");
      t.is(dst, "ff02::16");
      t.is(ra, "0", "router alert: MLD");
      t.regex(rt, /^(4|6)(,4|,6)*$/);
      reports++;
    }
  }
  t.true(reports >= 4, `${reports} MLDv2 reports`);
  t.deepEqual(kk.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
