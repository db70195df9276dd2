// kern_sysctl: lookup errors, permissions from the host and from jails,
// CTLFLAG_VNET resolution, kern.features.vimage, the meta-oids.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

function jailCred(k: Kernel, params: Record<string, string | boolean>) {
  const r = k.kern_jail_set(k.cred0, { persist: true, ...params }, k.JAIL_CREATE);
  if (r.error !== 0) throw new Error(r.errmsg);
  const cr = k.sys_jail_attach(k.cred0, r.jid);
  if (typeof cr === "number") throw new Error("attach");
  return { jid: r.jid, cr };
}

for (const build of BOTH) {
  test(`${build}: reading, writing and FreeBSD's errors`, async (t) => {
    const k = await loadKernel(build);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ostype").value, "FreeBSD");
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.hz").value, 1000);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.nosuch").error, k.ENOENT);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc").error, k.ENOENT, "a node without handler is not readable");
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.hz", 100).error, k.EPERM, "read-only oid");
    const { mib } = k.sysctl_name2oid("kern.ostype");
    t.is(k.kern_sysctl(k.cred0, [...mib, 5], null).error, k.ENOTDIR, "a name past a leaf");
    t.is(k.kern_sysctl(k.cred0, [1], null).error, k.EINVAL, "a name shorter than two levels");
    // kern.ipc.nmbclusters may only grow.
    const cur = k.kernel_sysctlbyname(k.cred0, "kern.ipc.nmbclusters").value as number;
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.nmbclusters", cur - 1).error, k.EINVAL);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.nmbclusters", cur + 1).error, 0);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.nmbclusters").value, cur + 1);
    // An int oid refuses a non-integer.
    const node = k.SYSCTL_NODE(k._debug, k.OID_AUTO, "t", k.CTLFLAG_RW, null, "");
    const v = k.kvar_of(1);
    k.SYSCTL_INT(node, k.OID_AUTO, "i", k.CTLFLAG_RW, v, 0, "");
    t.is(k.kernel_sysctlbyname(k.cred0, "debug.t.i", 1.5).error, k.EINVAL);
    t.is(k.kernel_sysctlbyname(k.cred0, "debug.t.i", "x").error, k.EINVAL);
    t.is(k.kernel_sysctlbyname(k.cred0, "debug.t.i", 9).error, 0);
    t.is(v.v, 9);
    // A non-root user may read but not write.
    const user = k.crget(1001, k.prison0);
    t.is(k.kernel_sysctlbyname(user, "debug.t.i").value, 9);
    t.is(k.kernel_sysctlbyname(user, "debug.t.i", 3).error, k.EPERM);
  });

  test(`${build}: kern.features.vimage is 1 only on the VIMAGE build`, async (t) => {
    const k = await loadKernel(build);
    const r = k.kernel_sysctlbyname(k.cred0, "kern.features.vimage");
    if (build === "vimage") t.deepEqual(r, { error: 0, value: 1 });
    else t.is(r.error, k.ENOENT);
  });

  test(`${build}: sysctl.next walks every leaf in order`, async (t) => {
    const k = await loadKernel(build);
    const names: string[] = [];
    for (let mib = k.sysctl_next([]); mib !== null; mib = k.sysctl_next(mib)) names.push(k.sysctl_oidname(mib).name);
    t.true(names.includes("kern.ostype"));
    t.true(names.includes("kern.ipc.nmbclusters"));
    t.false(names.some((n) => n.startsWith("sysctl.")), "CTLFLAG_SKIP nodes are not listed");
    t.is(new Set(names).size, names.length);
    const fmt = k.sysctl_oidfmt(k.sysctl_name2oid("kern.hz").mib);
    t.is(fmt.fmt, "I");
    t.is(fmt.kind & k.CTLTYPE, k.CTLTYPE_INT);
  });

  test(`${build}: a jail cannot write global knobs`, async (t) => {
    const k = await loadKernel(build);
    const { cr, jid } = jailCred(k, { name: "plain" });
    const cur = k.kernel_sysctlbyname(cr, "kern.ipc.nmbclusters").value as number;
    t.is(k.kernel_sysctlbyname(cr, "kern.ipc.nmbclusters", cur + 10).error, k.EPERM);
    t.is(k.kernel_sysctlbyname(cr, "security.jail.jailed").value, 1);
    t.is(k.kernel_sysctlbyname(k.cred0, "security.jail.jailed").value, 0);
    // CTLFLAG_PRISON oids are writable from a jail.
    t.is(k.kernel_sysctlbyname(cr, "kern.hostname", "inside").error, 0);
    t.is(k.kernel_sysctlbyname(cr, "kern.hostname").value, "inside");
    t.not(k.kernel_sysctlbyname(k.cred0, "kern.hostname").value, "inside");
    k.jail_detach_proc(cr.cr_prison);
    t.is(k.sys_jail_remove(k.cred0, jid), 0);
  });
}

test("vimage: VNET oids are writable from a vnet jail, not from a plain jail", async (t) => {
  const k = await loadKernel("vimage");
  const knob = k.VNET_DEFINE_INT("vknob", 1);
  const node = k.SYSCTL_NODE(k._net, k.OID_AUTO, "t", k.CTLFLAG_RW, null, "");
  k.SYSCTL_INT(node, k.OID_AUTO, "vknob", k.CTLFLAG_VNET | k.CTLFLAG_RW, knob, 0, "");
  const vj = jailCred(k, { name: "vj", vnet: "new" });
  const pj = jailCred(k, { name: "pj" });
  t.is(k.kernel_sysctlbyname(vj.cr, "security.jail.vnet").value, 1);
  t.is(k.kernel_sysctlbyname(pj.cr, "security.jail.vnet").value, 0);
  t.is(k.kernel_sysctlbyname(vj.cr, "net.t.vknob", 2).error, 0);
  t.is(k.kernel_sysctlbyname(pj.cr, "net.t.vknob", 3).error, k.EPERM, "a plain jail shares the host stack and may not change it");
  t.is(k.kernel_sysctlbyname(vj.cr, "net.t.vknob").value, 2);
  t.is(k.kernel_sysctlbyname(pj.cr, "net.t.vknob").value, 1, "the plain jail sees vnet0's value");
  t.is(k.kernel_sysctlbyname(k.cred0, "net.t.vknob").value, 1);
  for (const j of [vj, pj]) {
    k.jail_detach_proc(j.cr.cr_prison);
    t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
  }
});
