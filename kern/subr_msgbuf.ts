// sys/kern/subr_prf.c (sysctl_kern_msgbuf), sys/kern/subr_msgbuf.c: the
// message buffer as dmesg(8) reads it, kern.msgbuf, and kern.msgbuf_clear.
// Kept apart from subr_prf.ts so that printf does not depend on the sysctl
// tree (which itself uses panic).

import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLTYPE_INT, CTLTYPE_STRING, SYSCTL_OUT, SYSCTL_PROC, _kern, type sysctl_handler_t } from "./sysctl.ts";
import { msgbuf_clear, msgbuf_read } from "./subr_prf.ts";
import { EINVAL } from "./errno.ts";

/** security.bsd.unprivileged_read_msgbuf is 1 by default: anyone may read. */
const sysctl_kern_msgbuf: sysctl_handler_t = (_o, _a1, _a2, req) => SYSCTL_OUT(req, msgbuf_read());
SYSCTL_PROC(_kern, 85, "msgbuf", CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, sysctl_kern_msgbuf, "A", "Contents of kernel message buffer");

const sysctl_kern_msgbuf_clear: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const error = SYSCTL_OUT(req, 0);
  if (error !== 0 || req.newval === null) return error;
  if (typeof req.newval !== "number") return EINVAL;
  if (req.newval !== 0) msgbuf_clear();
  return 0;
};
SYSCTL_PROC(_kern, 86, "msgbuf_clear", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_kern_msgbuf_clear, "I", "Clear kernel message buffer");
