// sys/kern/sys_generic.c and the sysctl/ioctl entry points userland uses
// that do not fit a socket call: waiting for a descriptor, reading the
// routing table (NET_RT_DUMP), and opening a bpf capture (/dev/bpf +
// BIOCSETIF).  Each runs in the caller's vnet, as the syscall would.

import { ENXIO } from "./errno.ts";
import { CRED_TO_VNET } from "./kern_jail.ts";
import { PRIV_NET_BPF, priv_check_cred } from "./kern_priv.ts";
import { POLLIN, sys_poll, type proc } from "./uipc_syscalls.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../net/vnet.ts";
import { ifunit } from "../net/if.ts";
import { rt_dump, type rt_dump_entry } from "../net/route.ts";
import { bpf_close_capture, bpf_open_capture, type bpf_capture_opts, type bpf_d } from "../net/bpf.ts";

/** poll(2) on one descriptor for input: resolves when it is readable or
 *  timo_ns of virtual time passed. */
export async function sys_wait_readable(p: proc, fd: number, timo_ns: number): Promise<boolean> {
  const r = await sys_poll(p, [{ fd, events: POLLIN, revents: 0 }], timo_ns);
  return r.error === 0 && r.n > 0;
}

/** sysctl net.route.0.AF_INET.NET_RT_DUMP.0.fib: the routes of one fib. */
export function sys_rtdump(p: proc, fibnum: number): { error: number; entries: rt_dump_entry[] } {
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "sysctl_rtsock");
  try {
    return rt_dump(fibnum);
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** open("/dev/bpf") + BIOCSETIF: a capture on the named interface of the
 *  caller's vnet.  PRIV_NET_BPF is needed (root, or a vnet jail's root). */
export function sys_bpf_open(p: proc, ifname: string, opts: bpf_capture_opts = {}): { error: number; d: bpf_d | null } {
  const error = priv_check_cred(p.p_ucred, PRIV_NET_BPF);
  if (error !== 0) return { error, d: null };
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "bpf_setif");
  try {
    const ifp = ifunit(ifname);
    if (ifp === null) return { error: ENXIO, d: null };
    const d = bpf_open_capture(ifp, opts);
    return d === null ? { error: ENXIO, d: null } : { error: 0, d };
  } finally {
    CURVNET_RESTORE(saved);
  }
}

export function sys_bpf_close(d: bpf_d): void {
  bpf_close_capture(d);
}
