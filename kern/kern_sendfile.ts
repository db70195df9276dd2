// sys/kern/kern_sendfile.c: only its statistics, kern.ipc.sfstat (struct
// sfstat), which netstat -m prints.  The simulator has no files and no
// sendfile(2), so every counter stays at zero; a write zeroes them, as
// sfstat_sysctl does.

import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_OUT, SYSCTL_PROC, _kern_ipc, type sysctl_handler_t } from "./sysctl.ts";

// struct sfstat, one number per field.
export const SF_SYSCALLS = 0;
export const SF_NOIOCNT = 1;
export const SF_IOCNT = 2;
export const SF_PAGES_READ = 3;
export const SF_PAGES_VALID = 4;
export const SF_PAGES_BOGUS = 5;
export const SF_RHPAGES_REQUESTED = 6;
export const SF_RHPAGES_READ = 7;
export const SF_BUSY = 8;
export const SF_ALLOCFAIL = 9;
export const SF_ALLOCWAIT = 10;
export const SFSTAT_NFIELDS = 11;

const sfstat: number[] = new Array<number>(SFSTAT_NFIELDS).fill(0);

const sfstat_sysctl: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const error = SYSCTL_OUT(req, sfstat.slice());
  if (error !== 0 || req.newval === null) return error;
  sfstat.fill(0);
  return 0;
};

SYSCTL_PROC(_kern_ipc, OID_AUTO, "sfstat", CTLTYPE_OPAQUE | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sfstat_sysctl, "I", "sendfile statistics");
