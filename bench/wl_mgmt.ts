// Management workloads: Zec's Table 1 (the latency of the operations a
// user performs on instances) and the scale test (time and memory to
// create and destroy many vnets).  Each operation is the system call its
// utility makes, with the host's root credential or a jailed one:
//   jail -c vnet persist   kern_jail_set(JAIL_CREATE)    (jail_set(2))
//   jail -r                sys_jail_remove               (jail_remove(2))
//   ifconfig IF vnet J     SIOCSIFVNET on a socket       (ioctl(2))
//   ifconfig IF -vnet J    SIOCSIFRVNET
//   jexec J                sys_jail_attach_proc          (jail_attach(2))
//   sysctl net.inet.ip.forwarding=1 in J   kernel_sysctlbyname, jailed cred
//   sysctl net.inet.ip.stats in J (netstat -s)
// without the parsing and printing the utilities add.
import {
  JAIL_CREATE,
  SIOCIFDESTROY,
  SIOCSIFRVNET,
  cred0,
  kern_jail_set,
  kernel_sysctlbyname,
  proc_create,
  proc_exit,
  sys_ioctl,
  sys_jail_attach_proc,
  sys_jail_remove,
  vnet_head,
  vnet0,
  type proc,
} from "../index.ts";
import { epair_create, host_node, if_to_jail, must, vnet_jail_node, type node } from "./topo.ts";
import { mem_in_use, now_ns } from "./wl_util.ts";

let serial = 0;

function jail_create(name: string): number {
  // The baseline kernel has no vnet parameter: a plain jail there.
  const params = VIMAGE ? { name, persist: true, vnet: "new" } : { name, persist: true };
  const j = kern_jail_set(cred0, params, JAIL_CREATE);
  must(j.error, `jail -c ${name}: ${j.errmsg}`);
  return j.jid;
}

let host: node | null = null;
function host_get(): node {
  if (host === null) host = host_node();
  return host;
}

/** The jail the single-instance operations act on. */
let target: node | null = null;
function target_get(): node {
  if (target !== null) return target;
  if (VIMAGE) target = vnet_jail_node("t1target");
  else {
    const jid = jail_create("t1target");
    const p = proc_create(cred0, "sh");
    must(sys_jail_attach_proc(p, jid), "jail_attach");
    target = { name: "t1target", jid, fib: 0, p, sfd: -1, rfd: -1, sfd6: -1, v: vnet0 };
  }
  return target;
}

let moving: { a: string; b: string } | null = null;

/** Microseconds per operation, by name. */
export function mgmt_run(what: string, n: number): Record<string, number> {
  switch (what) {
    case "jail": {
      const jids: number[] = [];
      const base = serial;
      serial += n;
      const t0 = now_ns();
      for (let i = 0; i < n; i++) jids.push(jail_create(`t1j${base + i}`));
      const t1 = now_ns();
      for (let i = 0; i < n; i++) must(sys_jail_remove(cred0, jids[i]), "jail -r");
      const t2 = now_ns();
      return { create_us: (t1 - t0) / n / 1e3, remove_us: (t2 - t1) / n / 1e3 };
    }
    case "ifmove": {
      if (!VIMAGE) return { move_us: NaN, reclaim_us: NaN };
      const h = host_get();
      const t = target_get();
      if (moving === null) moving = epair_create(h);
      const ifname = moving.b;
      let tm = 0;
      let tr = 0;
      for (let i = 0; i < n; i++) {
        const t0 = now_ns();
        if_to_jail(h, ifname, t.jid);
        const t1 = now_ns();
        must(sys_ioctl(h.p, h.sfd, SIOCSIFRVNET, { ifr_name: ifname, ifr_jid: t.jid }), `ifconfig ${ifname} -vnet`);
        const t2 = now_ns();
        tm += t1 - t0;
        tr += t2 - t1;
      }
      return { move_us: tm / n / 1e3, reclaim_us: tr / n / 1e3 };
    }
    case "jexec": {
      const t = target_get();
      const ps: proc[] = [];
      for (let i = 0; i < n; i++) ps.push(proc_create(cred0, "jexec"));
      const t0 = now_ns();
      for (let i = 0; i < n; i++) must(sys_jail_attach_proc(ps[i], t.jid), "jail_attach");
      const t1 = now_ns();
      for (const p of ps) proc_exit(p);
      return { attach_us: (t1 - t0) / n / 1e3 };
    }
    case "sysctl_set": {
      // In the jail on VIMAGE (its own net.inet.ip.forwarding); from the
      // host on the baseline, where a jail may not write it.
      const cred = VIMAGE ? target_get().p.p_ucred : cred0;
      const t0 = now_ns();
      for (let i = 0; i < n; i++) must(kernel_sysctlbyname(cred, "net.inet.ip.forwarding", i & 1).error, "sysctl");
      const t1 = now_ns();
      return { us: (t1 - t0) / n / 1e3 };
    }
    case "sysctl_stats": {
      const cred = target_get().p.p_ucred;
      let sum = 0;
      const t0 = now_ns();
      for (let i = 0; i < n; i++) {
        const r = kernel_sysctlbyname(cred, "net.inet.ip.stats");
        must(r.error, "sysctl net.inet.ip.stats");
        if (Array.isArray(r.value)) sum += r.value.length;
      }
      const t1 = now_ns();
      if (sum === 0) throw new Error("no statistics");
      return { us: (t1 - t0) / n / 1e3 };
    }
  }
  throw new Error(`unknown management operation ${what}`);
}

/**
 * N vnet jails, each with its lo0 and one end of an epair (epair k joins
 * jail 2k and jail 2k+1), created and destroyed.  Reports the time per vnet
 * of each half and the memory (JS heap + ArrayBuffers) each vnet holds.
 */
export function scale_run(N: number, with_epair: boolean): Record<string, number> {
  if (!VIMAGE) throw new Error("scale needs the VIMAGE build");
  const h = host_get();
  const base = serial;
  serial += N;
  const m0 = mem_in_use();
  const t0 = now_ns();
  const jids: number[] = [];
  for (let i = 0; i < N; i++) {
    const j = kern_jail_set(cred0, { name: `s${base + i}`, persist: true, vnet: "new" }, JAIL_CREATE);
    if (j.error !== 0) throw new Error(`jail -c s${base + i}: ${j.errmsg}`);
    jids.push(j.jid);
  }
  const t1 = now_ns();
  const epairs: string[] = [];
  if (with_epair) {
    for (let i = 0; i + 1 < N; i += 2) {
      const e = epair_create(h);
      if_to_jail(h, e.a, jids[i]);
      if_to_jail(h, e.b, jids[i + 1]);
      epairs.push(e.a);
    }
  }
  const t2 = now_ns();
  const m1 = mem_in_use();
  const t3 = now_ns();
  for (const jid of jids) must(sys_jail_remove(cred0, jid), "jail -r");
  // The epairs came home when their vnets died: destroy them in the host.
  for (const a of epairs) must(sys_ioctl(h.p, h.sfd, SIOCIFDESTROY, { ifr_name: a }), `ifconfig ${a} destroy`);
  const t4 = now_ns();
  const m2 = mem_in_use();
  return {
    jail_us: (t1 - t0) / N / 1e3,
    epair_us: (t2 - t1) / N / 1e3,
    create_us: (t2 - t0) / N / 1e3,
    destroy_us: (t4 - t3) / N / 1e3,
    bytes_per_vnet: (m1 - m0) / N,
    leak_bytes_per_vnet: (m2 - m0) / N,
    vnets_after: vnet_head.length,
  };
}
