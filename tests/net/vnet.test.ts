// net/vnet: data region, VNET_SYSINIT/SYSUNINIT, CURVNET_SET nesting and
// VNET_DEBUG recursion logging, 1,000 vnets with independent sysctls, and
// the baseline build collapsing it all to one stack.
import test from "ava";
import { readFileSync } from "node:fs";
import { loadKernel, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

function attachCred(k: Kernel, jid: number) {
  const cr = k.sys_jail_attach(k.cred0, jid);
  if (typeof cr === "number") throw new Error(`jail_attach: ${k.strerror(cr)}`);
  return cr;
}

test("vimage: a new vnet starts as a copy of the master region", async (t) => {
  const k = await loadKernel("vimage");
  const x = k.VNET_DEFINE_INT("test_x", 42);
  const v = k.vnet_alloc();
  let saved = k.CURVNET_SET(v, "test");
  t.is(k.VNET_I32(x), 42);
  k.VNET_I32_SET(x, 7);
  k.CURVNET_RESTORE(saved);
  saved = k.CURVNET_SET(k.vnet0, "test");
  t.is(k.VNET_I32(x), 42, "vnet0 keeps its own copy");
  k.CURVNET_RESTORE(saved);
  t.is(k.VNET_VNET_I32(v, x), 7);
  t.is(v.vnet_magic_n, k.VNET_MAGIC_N);
  k.vnet_destroy(v);
  t.is(v.vnet_magic_n >>> 0, 0xdeadbeef);
  t.false(k.vnet_head.includes(v));
});

test("vimage: VNET_SYSINIT constructors run in order on new vnets; destructors in reverse", async (t) => {
  const k = await loadKernel("vimage");
  const log: string[] = [];
  const mk = (name: string, sub: number, order: number) => {
    k.VNET_SYSINIT(name, sub, order, () => log.push(`+${name}`));
    k.VNET_SYSUNINIT(name, sub, order, () => log.push(`-${name}`));
  };
  // Registered after boot: each runs on every existing vnet at once (vnet0 here).
  mk("b_proto", k.SI_SUB_PROTO_DOMAIN, k.SI_ORDER_FIRST);
  mk("a_initif", k.SI_SUB_INIT_IF, k.SI_ORDER_SECOND);
  t.deepEqual(log, ["+b_proto", "+a_initif"], "late registration runs on vnet0");
  log.length = 0;
  const v = k.vnet_alloc();
  t.deepEqual(log, ["+a_initif", "+b_proto"]);
  t.is(v.vnet_state, k.SI_SUB_VNET_DONE, "vnet_state reaches SI_SUB_VNET_DONE");
  log.length = 0;
  k.vnet_destroy(v);
  t.deepEqual(log, ["-b_proto", "-a_initif"]);
});

test("vimage: constructors see the new vnet as curvnet; states follow SI_SUB", async (t) => {
  const k = await loadKernel("vimage");
  const seen: { cur: unknown; state: number }[] = [];
  k.VNET_SYSINIT("probe", k.SI_SUB_PSEUDO, k.SI_ORDER_ANY, () => seen.push({ cur: k.curvnet, state: (k.curvnet as { vnet_state: number }).vnet_state }));
  seen.length = 0;
  const v = k.vnet_alloc();
  t.is(seen.length, 1);
  t.is(seen[0].cur, v);
  t.is(seen[0].state, k.SI_SUB_PSEUDO);
  t.is(k.curvnet, null, "restored after vnet_alloc");
  k.vnet_destroy(v);
});

test("vimage: CURVNET_SET/RESTORE nest strictly", async (t) => {
  const k = await loadKernel("vimage");
  const a = k.vnet_alloc();
  const b = k.vnet_alloc();
  t.is(k.curvnet, null);
  const s1 = k.CURVNET_SET(a, "outer");
  t.is(k.curvnet, a);
  const s2 = k.CURVNET_SET_QUIET(b, "inner");
  t.is(k.curvnet, b);
  const s3 = k.CURVNET_SET(a, "innermost");
  t.is(k.curvnet, a);
  k.CURVNET_RESTORE(s3);
  t.is(k.curvnet, b);
  k.CURVNET_RESTORE(s2);
  t.is(k.curvnet, a);
  k.CURVNET_RESTORE(s1);
  t.is(k.curvnet, null);
  // A destroyed vnet cannot be made current.
  k.vnet_destroy(b);
  t.throws(() => k.CURVNET_SET(b, "dead"), { message: /bad vnet magic/ });
  k.vnet_destroy(a);
});

test("vimage-debug: CURVNET_SET recursion is logged once per site, as VNET_DEBUG does", async (t) => {
  const k = await loadKernel("vimage-debug");
  t.true(k.KERNCONF.VNET_DEBUG);
  const a = k.vnet_alloc();
  const b = k.vnet_alloc();
  k.msgbuf_clear();
  const s1 = k.CURVNET_SET(a, "ether_input", 10);
  const s2 = k.CURVNET_SET(b, "epair_tx", 20); // recursion into another vnet
  k.CURVNET_RESTORE(s2);
  const s3 = k.CURVNET_SET(b, "epair_tx", 20); // same site again: not logged twice
  k.CURVNET_RESTORE(s3);
  const s4 = k.CURVNET_SET(a, "epair_tx", 20); // same site, but now same vnet: a new entry
  k.CURVNET_RESTORE(s4);
  const s5 = k.CURVNET_SET_QUIET(b, "quiet"); // QUIET never logs
  k.CURVNET_RESTORE(s5);
  k.CURVNET_RESTORE(s1);
  t.is(k.vnet_recursions.length, 2);
  const [same, other] = k.vnet_recursions; // newest first
  t.is(other.prev_fn, "ether_input");
  t.is(other.where_fn, "epair_tx");
  t.is(other.where_line, 20);
  t.is(other.old_vnet, a);
  t.is(other.new_vnet, b);
  t.is(same.old_vnet, same.new_vnet);
  const msg = k.msgbuf_read();
  t.regex(msg, /^CURVNET_SET\(\) recursion in epair_tx\(\) line 20, prev in ether_input\(\)\n {4}\S+ -> \S+\n/);
  t.regex(k.db_show_vnetrcrs(), /epair_tx\(\) line 20, prev in ether_input\(\), /);
  // Restoring out of order is caught.
  const o1 = k.CURVNET_SET(a, "x");
  k.CURVNET_SET(b, "y");
  t.throws(() => k.CURVNET_RESTORE(o1 === null ? null : o1), { message: /not nested|bad/ });
  k.vnet_destroy(a);
  k.vnet_destroy(b);
});

test("vimage-debug: a recursion report names the kernel's CURVNET_SET site: function, file and line", async (t) => {
  const k = await loadKernel("vimage-debug");
  // The line of the CURVNET_SET in kern_sysctl(), read from the source so the
  // test follows the file as it changes.
  const src = readFileSync(new URL("../../kern/kern_sysctl.ts", import.meta.url), "utf8").split("\n");
  const line = src.findIndex((l) => l.includes('CURVNET_SET(CRED_TO_VNET(cred), "userland_sysctl")')) + 1;
  t.true(line > 0);
  const r = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: "new" }, k.JAIL_CREATE);
  t.is(r.error, 0);
  const cred = attachCred(k, r.jid);
  k.msgbuf_clear();
  // A caller already in vnet0 enters the jail's vnet through the syscall.
  const saved = k.CURVNET_SET(k.vnet0, "test_caller");
  t.is(k.kernel_sysctlbyname(cred, "net.inet.ip.forwarding").error, 0);
  k.CURVNET_RESTORE(saved);
  const vnr = k.vnet_recursions.find((x) => x.where_fn === "userland_sysctl");
  if (vnr === undefined) return t.fail("no recursion recorded");
  t.is(vnr.prev_fn, "test_caller");
  t.is(vnr.where_file, "kern/kern_sysctl.ts");
  t.is(vnr.where_line, line);
  t.is(vnr.old_vnet, k.vnet0);
  t.regex(k.msgbuf_read(), new RegExp(`CURVNET_SET\\(\\) recursion in userland_sysctl\\(\\) line ${line} of kern/kern_sysctl\\.ts, prev in test_caller\\(\\)\\n`));
  t.regex(k.db_show_vnetrcrs(), new RegExp(`userland_sysctl\\(\\) line ${line} of kern/kern_sysctl\\.ts, prev in test_caller\\(\\), `));
});

test("vimage: the builds without VNET_DEBUG call plain CURVNET_SET and log nothing", async (t) => {
  const k = await loadKernel("vimage");
  t.false(k.KERNCONF.VNET_DEBUG);
  const r = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const cred = attachCred(k, r.jid);
  const saved = k.CURVNET_SET(k.vnet0, "test_caller");
  t.is(k.kernel_sysctlbyname(cred, "net.inet.ip.forwarding").error, 0);
  k.CURVNET_RESTORE(saved);
  t.is(k.vnet_recursions.length, 0);
});

test("vimage: 1,000 vnet jails with independent per-vnet sysctl values; vnet0 untouched", async (t) => {
  const k = await loadKernel("vimage");
  // A module loaded after boot: its variable lands in every vnet's module space.
  const knob = k.VNET_DEFINE_INT("test_knob", 5);
  const node = k.SYSCTL_NODE(k._net, k.OID_AUTO, "test", k.CTLFLAG_RW, null, "test");
  k.SYSCTL_INT(node, k.OID_AUTO, "knob", k.CTLFLAG_VNET | k.CTLFLAG_RW, knob, 0, "a per-vnet knob");
  const N = 1000;
  const vnets_before = k.vnet_head.length;
  const jids: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = k.kern_jail_set(k.cred0, { name: `j${i}`, persist: true, vnet: "new" }, k.JAIL_CREATE);
    t.is(r.error, 0, r.errmsg);
    jids.push(r.jid);
  }
  t.is(k.vnet_head.length, vnets_before + N);
  for (let i = 0; i < N; i++) {
    const cr = attachCred(k, jids[i]);
    const r = k.kernel_sysctlbyname(cr, "net.test.knob", 1000 + i);
    t.is(r.error, 0);
    t.is(r.value, 5, "old value is the master's initial value");
    k.jail_detach_proc(cr.cr_prison);
  }
  let ok = 0;
  for (let i = 0; i < N; i++) {
    const cr = attachCred(k, jids[i]);
    if (k.kernel_sysctlbyname(cr, "net.test.knob").value === 1000 + i) ok++;
    k.jail_detach_proc(cr.cr_prison);
  }
  t.is(ok, N);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.test.knob").value, 5, "vnet0 untouched");
  for (const jid of jids) t.is(k.sys_jail_remove(k.cred0, jid), 0);
  t.is(k.vnet_head.length, vnets_before, "every jail's vnet destroyed");
  t.is(k.allprison.length, 0);
});

test("novimage: one stack, no switching, and vnet jails are refused", async (t) => {
  const k = await loadKernel("novimage");
  t.false(k.KERNCONF.VIMAGE);
  t.is(k.curvnet, null);
  t.is(k.CURVNET_SET(k.vnet0, "x"), null);
  t.is(k.curvnet, null, "CURVNET_SET is a no-op");
  const x = k.VNET_DEFINE_INT("base_x", 3);
  t.is(k.VNET_I32(x), 3, "V_ access needs no curvnet");
  k.VNET_I32_SET(x, 4);
  t.is(k.VNET_VNET_I32(k.vnet0, x), 4);
  let n = 0;
  k.VNET_FOREACH(() => n++);
  t.is(n, 1, "VNET_FOREACH runs its body once");
  t.true(k.IS_DEFAULT_VNET(null));
  t.throws(() => k.vnet_alloc(), { message: /without VIMAGE/ });
  const r = k.kern_jail_set(k.cred0, { name: "v", persist: true, vnet: "new" }, k.JAIL_CREATE);
  t.is(r.error, k.ENOENT);
  t.is(r.errmsg, "unknown parameter: vnet");
  // A jail without vnet shares the one stack.
  const r2 = k.kern_jail_set(k.cred0, { name: "plain", persist: true }, k.JAIL_CREATE);
  t.is(r2.error, 0);
  const pr = k.prison_find(r2.jid);
  t.is(pr?.pr_vnet, k.vnet0);
  t.is(k.sys_jail_remove(k.cred0, r2.jid), 0);
});

test("novimage: VNET_SYSINIT is a plain SYSINIT", async (t) => {
  const k = await loadKernelUnbooted("novimage");
  const ran: string[] = [];
  k.VNET_SYSINIT("c", k.SI_SUB_PROTO_DOMAIN, k.SI_ORDER_ANY, () => ran.push("c"));
  k.VNET_SYSINIT("a", k.SI_SUB_INIT_IF, k.SI_ORDER_FIRST, () => ran.push("a"));
  k.kern_boot();
  t.deepEqual(ran, ["a", "c"]);
});

test("vimage: every VNET_SYSINIT and VNET_SYSUNINIT of the kernel has a named body", async (t) => {
  const k = await loadKernel("vimage");
  const all = [...k.vnet_constructor_list(), ...k.vnet_destructor_list()];
  t.deepEqual(
    all.filter((vs) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(vs.func.name)).map((vs) => vs.name),
    [],
  );
  const names = new Set(all.map((vs) => vs.func.name.replace(/\d+$/, "")));
  for (const fn of ["ip_vnet_init", "ip_destroy", "vnet_epair_init", "vnet_lltable_init", "vnet_arp_init", "vnet_arp_destroy", "vnet_if_clone_init", "vnet_loif_init", "ipid_sysinit", "icmp_bandlimit_init", "rip_destroy", "vnet_rts_init", "vnet_rtables_init", "rtables_destroy"]) {
    t.true(names.has(fn), fn);
  }
});
