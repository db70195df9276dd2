// lib/libutil/kinfo_getallproc.c: the process table through sysctl
// kern.proc.proc, each struct kinfo_proc decoded from its record.

import { COMMLEN, KERN_PROC, KERN_PROC_PROC, KINFO_PROC_LEN, KI_COMM, KI_JID, KI_PID, KI_UID } from "../kern/kern_sig.ts";
import { CTL_KERN } from "../kern/sysctl.ts";
import type { uproc } from "./libc.ts";
import { sysctl } from "./libc_sysctl.ts";

/** struct kinfo_proc: the fields our programs read. */
export interface kinfo_proc {
  ki_pid: number;
  ki_comm: string;
  ki_uid: number;
  ki_jid: number;
}

/** kinfo_getallproc(3): every process the caller can see, or null with
 *  the errno when the sysctl fails. */
export function kinfo_getallproc(p: uproc): { error: number; procs: kinfo_proc[] } {
  const r = sysctl(p, [CTL_KERN, KERN_PROC, KERN_PROC_PROC]);
  if (r.error !== 0 || !Array.isArray(r.value)) return { error: r.error, procs: [] };
  const w = r.value as readonly number[];
  const procs: kinfo_proc[] = [];
  for (let o = 0; o + KINFO_PROC_LEN <= w.length; o += KINFO_PROC_LEN) {
    let comm = "";
    for (let i = 0; i < COMMLEN && w[o + KI_COMM + i] !== 0; i++) comm += String.fromCharCode(w[o + KI_COMM + i]);
    procs.push({ ki_pid: w[o + KI_PID], ki_comm: comm, ki_uid: w[o + KI_UID], ki_jid: w[o + KI_JID] });
  }
  return { error: 0, procs };
}
