// sys/kern/sys_generic.c: the descriptor calls that are not socket calls
// (read, write, ioctl, select/poll).  poll(2) itself is in uipc_syscalls.ts
// beside the descriptor table; here is the one-descriptor wait programs use.

import { POLLIN, sys_poll, type proc } from "./uipc_syscalls.ts";

/** poll(2) on one descriptor for input: resolves when it is readable or
 *  timo_ns of virtual time passed. */
export async function sys_wait_readable(p: proc, fd: number, timo_ns: number): Promise<boolean> {
  const r = await sys_poll(p, [{ fd, events: POLLIN, revents: 0 }], timo_ns);
  return r.error === 0 && r.n > 0;
}
