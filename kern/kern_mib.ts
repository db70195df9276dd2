// sys/kern/kern_mib.c: the kern.* identity oids, and FEATURE(vimage), which
// FreeBSD declares in sys/net/vnet.c (here it lives beside the other kern.*
// oids so that vnet.ts need not depend on the sysctl tree).

import { CTLFLAG_RD, CTLFLAG_PRISON, CTLFLAG_RW, CTLFLAG_MPSAFE, CTLTYPE_STRING, FEATURE, SYSCTL_INT, SYSCTL_OUT, SYSCTL_PROC, SYSCTL_STRING, _kern, kvar_of, type sysctl_handler_t } from "./sysctl.ts";
import { EINVAL } from "./errno.ts";
import type { ucred } from "./kern_prot.ts";
import { HOSTUUIDLEN, prison0, validate_uuid } from "./kern_jail.ts";

export const ostype = "FreeBSD";
export const osrelease = "14.3-RELEASE";
export const osreldate = 1403000;

SYSCTL_STRING(_kern, 1, "ostype", CTLFLAG_RD | CTLFLAG_MPSAFE, kvar_of(ostype), 0, "Operating system type");
SYSCTL_STRING(_kern, 2, "osrelease", CTLFLAG_RD | CTLFLAG_MPSAFE, kvar_of(osrelease), 0, "Operating system release");
SYSCTL_INT(_kern, 3, "osrevision", CTLFLAG_RD, null, 199506, "Operating system revision");
SYSCTL_INT(_kern, 24, "osreldate", CTLFLAG_RD, null, osreldate, "Kernel release date");

/** kern.hostname: per prison (a jail with host=new has its own). */
const sysctl_hostname: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const cred = req.cred as ucred;
  const pr = cred.cr_prison;
  const error = SYSCTL_OUT(req, pr.pr_hostname);
  if (error !== 0 || req.newval === null) return error;
  if (typeof req.newval !== "string" || req.newval.length >= 256) return EINVAL;
  pr.pr_hostname = req.newval;
  return 0;
};
SYSCTL_PROC(_kern, 10, "hostname", CTLTYPE_STRING | CTLFLAG_RW | CTLFLAG_PRISON | CTLFLAG_MPSAFE, null, 0, sysctl_hostname, "A", "Hostname");
prison0.pr_hostname = "virtnet";

/** kern.hostuuid: per prison, as kern.hostname (rc.d/hostid writes it at
 *  boot; ether_gen_addr hashes it into generated MAC addresses). */
const sysctl_hostuuid: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const pr = (req.cred as ucred).cr_prison;
  const error = SYSCTL_OUT(req, pr.pr_hostuuid);
  if (error !== 0 || req.newval === null) return error;
  if (typeof req.newval !== "string" || req.newval.length >= HOSTUUIDLEN || !validate_uuid(req.newval)) return EINVAL;
  pr.pr_hostuuid = req.newval;
  return 0;
};
SYSCTL_PROC(_kern, 36, "hostuuid", CTLTYPE_STRING | CTLFLAG_RW | CTLFLAG_PRISON | CTLFLAG_MPSAFE, null, 0, sysctl_hostuuid, "A", "Host UUID");

if (VIMAGE) FEATURE("vimage", "VIMAGE kernel virtualization");
