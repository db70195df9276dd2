// sys/sys/ucred.h, sys/sys/proc.h, sys/kern/kern_prot.c: credentials and the
// thread that carries them.  A system call runs on behalf of a thread whose
// credential names its prison; CRED_TO_VNET/TD_TO_VNET derive the stack.

import type { prison } from "./kern_jail.ts";

export class ucred {
  constructor(
    public cr_uid: number,
    public cr_prison: prison,
  ) {}
}

/** struct thread, reduced to what the network stack consults. */
export class thread {
  constructor(
    public td_ucred: ucred,
    public td_tid: number,
    /** The process name, for messages (p_comm). */
    public td_name: string,
  ) {}
}

export function crget(uid: number, pr: prison): ucred {
  return new ucred(uid, pr);
}

/** crcopy + change of prison: what jail_attach does to a process. */
export function crsetprison(cr: ucred, pr: prison): ucred {
  return new ucred(cr.cr_uid, pr);
}
