// kern/kern_linker.ts, kern/kern_module.ts: the kernel's linker file with
// its built-in modules, loadable files declared by a subsystem, and the
// kld*/mod* system calls with FreeBSD's errors and privileges.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

function root(k: Kernel) {
  return { p_ucred: k.cred0 };
}

/** Every module name, in modnext order. */
function modules(k: Kernel): string[] {
  const names: string[] = [];
  for (let id = k.sys_modnext(root(k), 0).id; id > 0; id = k.sys_modnext(root(k), id).id) {
    const st = k.sys_modstat(root(k), id).stat;
    if (st !== null) names.push(st.name);
  }
  return names;
}

for (const build of BOTH) {
  test(`${build}: file 1 is the kernel, holding ether, netgraph, the netgraph node types, if_epair, bridgestp, vlan, tun/tap, gif, if_bridge, ng_socket and if_lo`, async (t) => {
    const k = await loadKernel(build);
    const p = root(k);
    t.deepEqual(k.sys_kldnext(p, 0), { error: 0, fileid: 1 });
    t.deepEqual(k.sys_kldnext(p, 1), { error: 0, fileid: 0 });
    t.is(k.sys_kldnext(p, 42).error, k.ENOENT);
    const st = k.sys_kldstat(p, 1).stat;
    t.is(st?.name, "kernel");
    t.is(st?.pathname, "/boot/kernel/kernel");
    t.is(st?.refs, 1);
    t.is(st?.address, 0xffffffff80200000n);
    t.deepEqual(modules(k), ["ether", "netgraph", "ng_hub", "ng_eiface", "ng_ksocket", "ng_bridge", "ng_pipe", "if_epair", "bridgestp", "if_vlan", "if_tuntap", "if_tun", "if_tap", "if_gif", "if_bridge", "ng_socket", "if_lo"]);
    // Module ids in registration (SYSINIT) order; all in the kernel file.
    const first = k.sys_kldfirstmod(p, 1).modid;
    t.is(first, k.sys_modfind(p, "ether").id);
    t.is(k.sys_modfnext(p, first).id, k.sys_modfind(p, "netgraph").id);
    t.is(k.sys_modfind(p, "if_lagg").error, k.ENOENT);
    t.is(k.sys_modstat(p, 99).error, k.ENOENT);
    // kldfind names files, not modules: "kernel" and "kernel.ko" match.
    t.deepEqual(k.sys_kldfind(p, "kernel"), { error: 0, fileid: 1 });
    t.deepEqual(k.sys_kldfind(p, "/boot/kernel/kernel"), { error: 0, fileid: 1 });
    t.is(k.sys_kldfind(p, "if_epair").error, k.ENOENT);
  });

  test(`${build}: kldload of what is built in is EEXIST, of what is missing ENOENT; the kernel cannot be unloaded`, async (t) => {
    const k = await loadKernel(build);
    const p = root(k);
    t.is(k.sys_kldload(p, "if_epair").error, k.EEXIST);
    t.is(k.sys_kldload(p, "kernel").error, k.EEXIST);
    t.is(k.sys_kldload(p, "if_bridge").error, k.EEXIST);
    t.is(k.sys_kldload(p, "if_lagg").error, k.ENOENT);
    t.is(k.sys_kldload(p, "if_lagg.ko").error, k.ENOENT);
    k.msgbuf_clear();
    t.is(k.sys_kldunloadf(p, 1, k.LINKER_UNLOAD_NORMAL), k.EBUSY);
    t.is(k.sys_kldunloadf(p, 1, k.LINKER_UNLOAD_FORCE), k.EBUSY);
    t.is(k.msgbuf_read(), "kldunload: attempt to unload file that was loaded by the kernel\n".repeat(2));
    t.is(k.sys_kldunload(p, 7), k.ENOENT);
  });

  test(`${build}: a loadable file: load by module or file name, MOD_LOAD/QUIESCE/UNLOAD, refusal, force`, async (t) => {
    const k = await loadKernel(build);
    const p = root(k);
    const events: string[] = [];
    let busy = false;
    const evh = (mod: { name: string }, what: number) => {
      events.push(`${mod.name}:${what}`);
      if (what === k.MOD_QUIESCE && busy) return k.EBUSY;
      return 0;
    };
    k.DECLARE_MODULE({ name: "if_test", evhand: evh, priv: null }, k.SI_SUB_PSEUDO, k.SI_ORDER_ANY, "if_test.ko");
    k.DECLARE_MODULE({ name: "test_helper", evhand: null, priv: null }, k.SI_SUB_PSEUDO, k.SI_ORDER_FIRST, "if_test.ko");
    t.is(k.sys_modfind(p, "if_test").error, k.ENOENT, "declared, not loaded");
    const l = k.sys_kldload(p, "if_test");
    t.deepEqual(l, { error: 0, fileid: 2 });
    // The file's modules register in (subsystem, order) order.
    t.deepEqual(modules(k).slice(-2), ["test_helper", "if_test"]);
    t.deepEqual(events, [`if_test:${k.MOD_LOAD}`]);
    t.is(k.sys_kldstat(p, 2).stat?.name, "if_test.ko");
    t.is(k.sys_kldstat(p, 1).stat?.refs, 2, "the .ko depends on the kernel");
    t.is(k.sys_kldload(p, "if_test.ko").error, k.EEXIST);
    t.is(k.sys_kldload(p, "/boot/kernel/if_test.ko").error, k.EEXIST);
    // Only MODULE_VERSION names count as loaded for kldload; test_helper has
    // none, and no test_helper.ko exists.
    t.is(k.sys_kldload(p, "test_helper").error, k.ENOENT);
    t.deepEqual(k.sys_kldfind(p, "if_test"), { error: 0, fileid: 2 });
    // A module that will not quiesce keeps its file.
    busy = true;
    t.is(k.sys_kldunload(p, 2), k.EBUSY);
    t.is(k.sys_kldstat(p, 2).stat?.name, "if_test.ko");
    // Forced: no MOD_QUIESCE, straight to MOD_UNLOAD.
    events.length = 0;
    t.is(k.sys_kldunloadf(p, 2, k.LINKER_UNLOAD_FORCE), 0);
    t.deepEqual(events, [`if_test:${k.MOD_UNLOAD}`]);
    t.is(k.sys_kldstat(p, 2).error, k.ENOENT);
    t.is(k.sys_modfind(p, "if_test").error, k.ENOENT);
    t.is(k.sys_kldstat(p, 1).stat?.refs, 1);
    // Loaded again by its file name: a new file id.
    busy = false;
    t.deepEqual(k.sys_kldload(p, "if_test.ko"), { error: 0, fileid: 3 });
    events.length = 0;
    t.is(k.sys_kldunload(p, 3), 0);
    t.deepEqual(events, [`if_test:${k.MOD_QUIESCE}`, `if_test:${k.MOD_UNLOAD}`]);
  });

  test(`${build}: a module that refuses MOD_LOAD is not registered; a duplicate name is EEXIST`, async (t) => {
    const k = await loadKernel(build);
    const p = root(k);
    k.DECLARE_MODULE({ name: "refuser", evhand: (_m: unknown, what: number) => (what === k.MOD_LOAD ? k.ENXIO : 0), priv: null }, k.SI_SUB_PSEUDO, k.SI_ORDER_ANY, "refuser.ko");
    k.msgbuf_clear();
    const r = k.sys_kldload(p, "refuser");
    t.is(r.error, 0, "the file itself loads, as in FreeBSD");
    t.is(k.sys_modfind(p, "refuser").error, k.ENOENT);
    t.regex(k.msgbuf_read(), /^module_register_init: MOD_LOAD \(refuser, handler, 0\) error 6\n$/);
    // A file providing a version the kernel has already: EEXIST.
    k.DECLARE_MODULE({ name: "if_epair", evhand: null, priv: null }, k.SI_SUB_PSEUDO, k.SI_ORDER_ANY, "if_epair2.ko");
    k.MODULE_VERSION("if_epair", 3, "if_epair2.ko");
    t.is(k.sys_kldload(p, "if_epair2.ko").error, k.EEXIST);
    // Without a version, the file loads but its module cannot register.
    k.DECLARE_MODULE({ name: "if_epair", evhand: null, priv: null }, k.SI_SUB_PSEUDO, k.SI_ORDER_ANY, "if_epair3.ko");
    k.msgbuf_clear();
    t.is(k.sys_kldload(p, "if_epair3.ko").error, 0);
    t.is(k.msgbuf_read(), "module_register: cannot register if_epair from if_epair3.ko; already loaded from kernel\n");
    t.is(k.sys_modstat(p, k.sys_modfind(p, "if_epair").id).stat?.refs, 1);
  });
}

test("vimage: a jail may look but not load or unload (EPERM)", async (t) => {
  const k = await loadKernel("vimage");
  const j = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: true }, k.JAIL_CREATE);
  const cr = k.sys_jail_attach(k.cred0, j.jid);
  if (typeof cr === "number") return t.fail();
  const p = { p_ucred: cr };
  t.is(k.sys_modfind(p, "if_epair").error, 0);
  t.is(k.sys_kldnext(p, 0).fileid, 1);
  t.is(k.sys_kldload(p, "if_epair").error, k.EPERM);
  t.is(k.sys_kldload(p, "if_bridge").error, k.EPERM);
  t.is(k.sys_kldunload(p, 1), k.EPERM);
  // A non-root user on the host neither.
  const u = { p_ucred: k.crget(1001, k.prison0) };
  t.is(k.sys_kldload(u, "if_bridge").error, k.EPERM);
});
