// SYSINIT/SYSUNINIT ordering (sys/kern/init_main.c).
import test from "ava";
import { BOTH, loadKernel, loadKernelUnbooted } from "../helpers/builds.ts";

for (const build of BOTH) {
  test(`${build}: SYSINITs run in (subsystem, order) order, ties in registration order`, async (t) => {
    const k = await loadKernelUnbooted(build);
    const ran: string[] = [];
    const add = (name: string, sub: number, order: number) => k.SYSINIT(name, sub, order, () => ran.push(name));
    add("proto_any", k.SI_SUB_PROTO_DOMAIN, k.SI_ORDER_ANY);
    add("initif_second", k.SI_SUB_INIT_IF, k.SI_ORDER_SECOND);
    add("proto_first_a", k.SI_SUB_PROTO_DOMAIN, k.SI_ORDER_FIRST);
    add("initif_first", k.SI_SUB_INIT_IF, k.SI_ORDER_FIRST);
    add("proto_first_b", k.SI_SUB_PROTO_DOMAIN, k.SI_ORDER_FIRST);
    add("pseudo_middle", k.SI_SUB_PSEUDO, k.SI_ORDER_MIDDLE);
    k.kern_boot();
    t.deepEqual(ran, ["initif_first", "initif_second", "pseudo_middle", "proto_first_a", "proto_first_b", "proto_any"]);
    // The whole set is sorted.
    const list = k.sysinit_list();
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      t.true(a.subsystem < b.subsystem || (a.subsystem === b.subsystem && a.order <= b.order), `${a.name} before ${b.name}`);
    }
  });

  test(`${build}: a SYSINIT registered after boot runs at once; SYSUNINITs run in reverse`, async (t) => {
    const k = await loadKernelUnbooted(build);
    const ran: string[] = [];
    k.SYSUNINIT("u_a", k.SI_SUB_DRIVERS, k.SI_ORDER_FIRST, () => ran.push("u_a"));
    k.SYSUNINIT("u_b", k.SI_SUB_PROTO_DOMAIN, k.SI_ORDER_FIRST, () => ran.push("u_b"));
    k.SYSUNINIT("u_c", k.SI_SUB_DRIVERS, k.SI_ORDER_SECOND, () => ran.push("u_c"));
    k.kern_boot();
    t.deepEqual(ran, []);
    k.SYSINIT("late", k.SI_SUB_DRIVERS, k.SI_ORDER_ANY, () => ran.push("late"));
    t.deepEqual(ran, ["late"]);
    k.mi_shutdown();
    t.deepEqual(ran, ["late", "u_b", "u_c", "u_a"]);
  });

  test(`${build}: boot leaves no vnet current`, async (t) => {
    const k = await loadKernelUnbooted(build);
    k.kern_boot();
    t.is(k.curvnet, null);
    t.is(k.prison0.pr_vnet, k.vnet0);
    t.true(k.IS_DEFAULT_VNET(k.vnet0));
  });
}

for (const build of BOTH) {
  test(`${build}: every SYSINIT and SYSUNINIT of the kernel has a named body (a search for FreeBSD's name finds it)`, async (t) => {
    const k = await loadKernel(build);
    const anonymous = [...k.sysinit_list(), ...k.sysuninit_list()]
      .filter((si) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(si.func.name))
      .map((si) => si.name);
    t.deepEqual(anonymous, []);
    const names = new Set(k.sysinit_list().map((si) => si.func.name.replace(/\d+$/, "")));
    for (const fn of ["ip_init", "udp_init", "ether_init", "linker_preload", "vnet0_init", "vnet_init_done"]) t.true(names.has(fn), fn);
  });

  test(`${build}: vnet_init_done runs at SI_SUB_VNET_DONE, SI_ORDER_ANY, as in FreeBSD 14's net/vnet.c`, async (t) => {
    const k = await loadKernel(build);
    const si = k.sysinit_list().find((x) => x.name === "vnet_init_done");
    t.truthy(si);
    t.is(si?.subsystem, k.SI_SUB_VNET_DONE);
    t.is(si?.order, k.SI_ORDER_ANY);
  });
}
