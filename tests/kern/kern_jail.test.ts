// kern_jail: create, lookup, attach, persist, remove, vnet ownership.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { run_script, TWO_JAILS } from "../sbin/prog_helpers.ts";

for (const build of BOTH) {
  test(`${build}: create, find by jid and name, errors, remove`, async (t) => {
    const k = await loadKernel(build);
    const a = k.kern_jail_set(k.cred0, { name: "alpha", persist: true }, k.JAIL_CREATE);
    t.deepEqual(a, { error: 0, jid: 1, errmsg: "" });
    const b = k.kern_jail_set(k.cred0, { name: "beta", persist: true }, k.JAIL_CREATE);
    t.is(b.jid, 2);
    t.is(k.prison_find_name("alpha")?.pr_id, 1);
    t.is(k.prison_find_name("2")?.pr_name, "beta");
    t.is(k.prison_find(1)?.pr_parent, k.prison0);
    const dup = k.kern_jail_set(k.cred0, { name: "alpha", persist: true }, k.JAIL_CREATE);
    t.is(dup.error, k.EEXIST);
    t.is(dup.errmsg, 'jail "alpha" already exists');
    const upd = k.kern_jail_set(k.cred0, { name: "nosuch" }, k.JAIL_UPDATE);
    t.is(upd.error, k.ENOENT);
    t.is(upd.errmsg, 'jail "nosuch" not found');
    t.is(k.kern_jail_set(k.cred0, { name: "x.y", persist: true }, k.JAIL_CREATE).error, k.EINVAL);
    t.is(k.kern_jail_set(k.cred0, { name: "z", bogus: 1 }, k.JAIL_CREATE).errmsg, "unknown parameter: bogus");
    // Without persist and without a process, a new jail dies at once.
    const eph = k.kern_jail_set(k.cred0, { name: "ephemeral" }, k.JAIL_CREATE);
    t.is(eph.error, 0);
    t.is(k.prison_find_name("ephemeral"), null);
    // A non-root user may not create jails.
    t.is(k.kern_jail_set(k.crget(1001, k.prison0), { name: "u", persist: true }, k.JAIL_CREATE).error, k.EPERM);
    t.is(k.sys_jail_remove(k.cred0, 1), 0);
    t.is(k.sys_jail_remove(k.cred0, 1), k.EINVAL, "already gone");
    t.is(k.sys_jail_remove(k.cred0, 2), 0);
    t.is(k.allprison.length, 0);
  });

  test(`${build}: string parameters over MAXHOSTNAMELEN / MAXPATHLEN: ENAMETOOLONG, nothing created`, async (t) => {
    const k = await loadKernel(build);
    const n0 = k.allprison.length;
    // Lengths count the NUL, in bytes: 255 bytes fit, 256 do not.
    for (const name of ["x".repeat(256), "x".repeat(300), "é".repeat(128)]) {
      t.deepEqual(k.kern_jail_set(k.cred0, { name, persist: true }, k.JAIL_CREATE), { error: k.ENAMETOOLONG, jid: -1, errmsg: "" });
    }
    t.deepEqual(k.kern_jail_set(k.cred0, { name: "h", "host.hostname": "h".repeat(256), persist: true }, k.JAIL_CREATE), { error: k.ENAMETOOLONG, jid: -1, errmsg: "" });
    t.deepEqual(k.kern_jail_set(k.cred0, { name: "p", path: "/" + "p".repeat(1023), persist: true }, k.JAIL_CREATE), { error: k.ENAMETOOLONG, jid: -1, errmsg: "" });
    t.is(k.allprison.length, n0);
    const ok = k.kern_jail_set(k.cred0, { name: "x".repeat(255), "host.hostname": "h".repeat(255), path: "/" + "p".repeat(1022), persist: true }, k.JAIL_CREATE);
    t.is(ok.error, 0);
    t.is(k.prison_find(ok.jid)?.pr_hostname, "h".repeat(255));
    // An update is checked the same way, and left alone.
    t.is(k.kern_jail_set(k.cred0, { jid: ok.jid, "host.hostname": "h".repeat(256) }, k.JAIL_UPDATE).error, k.ENAMETOOLONG);
    t.is(k.prison_find(ok.jid)?.pr_hostname, "h".repeat(255));
    // An empty name: the jail is named by its jid.
    const e = k.kern_jail_set(k.cred0, { name: "", persist: true }, k.JAIL_CREATE);
    t.is(e.error, 0);
    t.is(k.prison_find(e.jid)?.pr_name, String(e.jid));
    t.is(k.sys_jail_remove(k.cred0, ok.jid), 0);
    t.is(k.sys_jail_remove(k.cred0, e.jid), 0);
  });

  test(`${build}: an attached process keeps a jail alive after jail -r until it leaves`, async (t) => {
    const k = await loadKernel(build);
    const j = k.kern_jail_set(k.cred0, { name: "held", persist: true }, k.JAIL_CREATE);
    const cr = k.sys_jail_attach(k.cred0, j.jid);
    if (typeof cr === "number") return t.fail();
    t.true(k.jailed(cr));
    t.is(cr.cr_prison.pr_name, "held");
    // A jailed process may not remove jails.
    t.is(k.sys_jail_remove(cr, j.jid), k.EPERM);
    t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
    t.is(k.prison_find(j.jid)?.pr_name, "held", "still alive while the process is attached");
    k.jail_detach_proc(cr.cr_prison);
    t.is(k.prison_find(j.jid), null);
  });
}

test("vimage: a vnet jail owns a new stack; vnet cannot be changed later; removal destroys it", async (t) => {
  const k = await loadKernel("vimage");
  const n0 = k.vnet_head.length;
  const j = k.kern_jail_set(k.cred0, { name: "v", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const pr = k.prison_find(j.jid);
  if (pr === null) return t.fail();
  t.not(pr.pr_vnet, k.vnet0);
  t.true((pr.pr_flags & k.PR_VNET) !== 0);
  t.is(k.vnet_head.length, n0 + 1);
  const v = pr.pr_vnet;
  const ch = k.kern_jail_set(k.cred0, { name: "v", vnet: "inherit" }, k.JAIL_UPDATE);
  t.is(ch.error, k.EINVAL);
  t.is(ch.errmsg, "vnet cannot be changed after creation");
  // An inherited-vnet child of the host shares vnet0.
  const i = k.kern_jail_set(k.cred0, { name: "inh", persist: true, vnet: "inherit" }, k.JAIL_CREATE);
  t.is(k.prison_find(i.jid)?.pr_vnet, k.vnet0);
  t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
  t.is(k.sys_jail_remove(k.cred0, i.jid), 0);
  t.is(v.vnet_magic_n >>> 0, 0xdeadbeef);
  t.is(k.vnet_head.length, n0);
});

test("jail -r of a vnet jail whose TCP connection is in TIME_WAIT: the prison stays dying (jls -d) until 2*MSL has passed, then it and its vnet are gone", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a nc -l 1234 > /dev/null &
echo hi | jexec b nc -N 10.0.0.1 1234
wait
jail -r b
jail -r a
jls -d name dying
echo ---
sleep 61
jls -d name dying
echo "jls $?"
`,
  );
  t.is(r.err, "");
  // b closed first, so its end waits in TIME_WAIT; a's end is gone.
  t.is(r.out, "b true\n---\njls 0\n");
  t.is(r.k.allprison.length, 0);
  t.is(r.k.vnet_head.length, 1, "only vnet0 left");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
