// sys/kern/kern_jail.c, sys/sys/jail.h: prisons.  Only what a network stack
// needs: jid and name, persistence, a new vnet or the parent's, attach
// (jexec), removal, lookup, and the privilege policy of a vnet jail.

import { EAGAIN, EEXIST, EINVAL, ENAMETOOLONG, ENOENT, EPERM } from "./errno.ts";
import { SI_ORDER_SECOND, SI_SUB_VNET, SYSINIT } from "./kernel.ts";
import { crsetprison, ucred } from "./kern_prot.ts";
import { _security, CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLTYPE_INT, OID_AUTO, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC } from "./sysctl.ts";
import { vnet, vnet0, vnet_alloc, vnet_destroy } from "../net/vnet.ts";
import * as priv from "./kern_priv.ts";

export const PR_PERSIST = 0x00000001;
export const PR_HOST = 0x00000002;
export const PR_IP4_USER = 0x00000004;
export const PR_IP6_USER = 0x00000008;
export const PR_VNET = 0x00000010;
export const PR_IP4_SADDRSEL = 0x00000080;

export const JAIL_CREATE = 0x01;
export const JAIL_UPDATE = 0x02;
export const JAIL_ATTACH = 0x04;
export const JAIL_DYING = 0x08;

export const JAIL_MAX = 999999;

export const PRISON_STATE_INVALID = 0;
export const PRISON_STATE_ALIVE = 1;
export const PRISON_STATE_DYING = 2;

/** sys/sys/jail.h HOSTUUIDLEN, and the UUID every FreeBSD host has until
 *  rc.d/hostid sets its own. */
export const HOSTUUIDLEN = 64;
export const DEFAULT_HOSTUUID = "00000000-0000-0000-0000-000000000000";

/** validate_uuid (kern_uuid.c): the 8-4-4-4-12 hex form, as a host UUID
 *  must be since FreeBSD 14. */
export function validate_uuid(s: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
}

export class prison {
  pr_children: prison[] = [];
  pr_childcount = 0;
  /** References: the persist flag counts as one user reference. */
  pr_ref = 0;
  pr_uref = 0;
  pr_state = PRISON_STATE_ALIVE;
  pr_hostname = "";
  /** host.hostuuid (kern.hostuuid): inherited from the parent; FreeBSD sets
   *  prison0's from /etc/hostid at boot, which we have not, so it starts as
   *  DEFAULT_HOSTUUID. */
  pr_hostuuid = DEFAULT_HOSTUUID;
  /** The jail's root cpuset (cpuset.id); cpusets are not modelled beyond
   *  the number, allocated as cpuset_create_root would. */
  pr_cpuset_id = 1;
  /** The jail's root directory; there is no file system to chroot into, so
   *  it is only kept and reported. */
  pr_path = "/";
  constructor(
    public pr_id: number,
    public pr_name: string,
    public pr_parent: prison | null,
    public pr_flags: number,
    public pr_vnet: vnet,
  ) {}
}

/** The host.  Its pr_vnet becomes vnet0 once vnet0 exists. */
export const prison0 = new prison(0, "0", null, PR_HOST | PR_VNET, vnet0);

/** All prisons but prison0, in jid order (allprison). */
export const allprison: prison[] = [];
/** Lookups by jid and by name (FreeBSD walks allprison; with tens of
 *  thousands of jails a walk per lookup is what a benchmark would measure). */
const prison_by_id = new Map<number, prison>();
const prison_by_name = new Map<string, prison>();
let lastprid = 0;
/** cpuset ids: 0 and 1 are the kernel's and proc0's sets. */
let next_cpuset_id = 2;

/** Kernel-wide process credential of the host's root (proc0's). */
export const cred0 = new ucred(0, prison0);

export function jailed(cred: ucred): boolean {
  return cred.cr_prison !== prison0;
}

/** prison_owns_vnet: the credential's prison has a vnet of its own. */
export function prison_owns_vnet(cred: ucred): boolean {
  if (!VIMAGE) return false;
  return (cred.cr_prison.pr_flags & PR_VNET) !== 0;
}

/** CRED_TO_VNET(cr). */
export function CRED_TO_VNET(cred: ucred): vnet {
  return cred.cr_prison.pr_vnet;
}

/**
 * prison_priv_check: which privileges a jailed root keeps.  A vnet jail runs
 * its own network stack, so it may configure it; a plain jail may not.
 */
export function prison_priv_check(cred: ucred, p: number): number {
  if (!jailed(cred)) return 0;
  if (VIMAGE && prison_owns_vnet(cred)) {
    switch (p) {
      case priv.PRIV_NET_BRIDGE:
      case priv.PRIV_NET_GRE:
      case priv.PRIV_NET_BPF:
      case priv.PRIV_NET_RAW:
      case priv.PRIV_NET_ROUTE:
      case priv.PRIV_NET_TAP:
      case priv.PRIV_NET_SETIFMTU:
      case priv.PRIV_NET_SETIFFLAGS:
      case priv.PRIV_NET_SETIFCAP:
      case priv.PRIV_NET_SETIFDESCR:
      case priv.PRIV_NET_SETLANPCP:
      case priv.PRIV_NET_SETIFNAME:
      case priv.PRIV_NET_SETIFMETRIC:
      case priv.PRIV_NET_SETIFPHYS:
      case priv.PRIV_NET_SETIFMAC:
      case priv.PRIV_NET_SETLLADDR:
      case priv.PRIV_NET_ADDMULTI:
      case priv.PRIV_NET_DELMULTI:
      case priv.PRIV_NET_HWIOCTL:
      case priv.PRIV_NET_ADDIFGROUP:
      case priv.PRIV_NET_DELIFGROUP:
      case priv.PRIV_NET_IFCREATE:
      case priv.PRIV_NET_IFDESTROY:
      case priv.PRIV_NET_ADDIFADDR:
      case priv.PRIV_NET_DELIFADDR:
      case priv.PRIV_NET_LAGG:
      case priv.PRIV_NET_GIF:
      case priv.PRIV_NET_SETIFVNET:
      case priv.PRIV_NET_SETIFFIB:
      case priv.PRIV_NETGRAPH_CONTROL:
      case priv.PRIV_NETINET_ADDRCTRL6:
      case priv.PRIV_NETINET_ND6:
      case priv.PRIV_NETINET_SCOPE6:
      case priv.PRIV_NETINET_ALIFETIME6:
      case priv.PRIV_NETINET_IPFW:
      case priv.PRIV_NETINET_DIVERT:
      case priv.PRIV_NETINET_DUMMYNET:
        return 0;
    }
  }
  switch (p) {
    case priv.PRIV_SYSCTL_WRITEJAIL:
    case priv.PRIV_NETINET_RESERVEDPORT:
      return 0;
    case priv.PRIV_NETINET_RAW:
      // A vnet jail may open raw sockets on its own stack (ping works in
      // FreeBSD's vnet tests without allow.raw_sockets); other jails would
      // need allow.raw_sockets, which is off by default and not modelled.
      return prison_owns_vnet(cred) ? 0 : EPERM;
    default:
      return EPERM;
  }
}

// ---------------------------------------------------------------------------
// Lookup.

export function prison_find(jid: number): prison | null {
  if (jid === 0) return prison0;
  const pr = prison_by_id.get(jid);
  return pr !== undefined && pr.pr_state === PRISON_STATE_ALIVE ? pr : null;
}

/** prison_find_name: by name, or by number when the name is all digits. */
export function prison_find_name(name: string): prison | null {
  const byname = prison_by_name.get(name);
  if (byname !== undefined && byname.pr_state === PRISON_STATE_ALIVE) return byname;
  if (/^[0-9]+$/.test(name)) return prison_find(Number(name));
  return null;
}

// ---------------------------------------------------------------------------
// jail_set(2).

/** A jail_set request: the parameters as name -> value, as jail(8) builds
 *  its iovec; `errmsg` comes back filled in on failure. */
export interface jail_params {
  [name: string]: string | number | boolean | undefined;
}

export interface jail_set_result {
  error: number;
  jid: number;
  errmsg: string;
}

/** sys/param.h: a host name's and a path's buffer sizes, with the NUL. */
export const MAXHOSTNAMELEN = 256;
export const MAXPATHLEN = 1024;

function strparam_len(s: string): number {
  return Buffer.byteLength(s, "utf8") + 1;
}

const known_params = new Set(["jid", "name", "path", "persist", "nopersist", "vnet", "host.hostname", "host.hostuuid", "host", "dying", "parent"]);

/**
 * kern_jail_set(): create or update a prison.  Returns the jid or an error
 * with jail(8)'s message in errmsg.
 */
export function kern_jail_set(cred: ucred, params: jail_params, flags: number): jail_set_result {
  const fail = (error: number, errmsg: string): jail_set_result => ({ error, jid: -1, errmsg });
  let error = priv.priv_check_cred(cred, priv.PRIV_JAIL_SET);
  if (error !== 0) return fail(error, "");
  if ((flags & ~(JAIL_CREATE | JAIL_UPDATE | JAIL_ATTACH | JAIL_DYING)) !== 0 || (flags & (JAIL_CREATE | JAIL_UPDATE)) === 0) return fail(EINVAL, "");
  for (const k of Object.keys(params)) {
    if (params[k] === undefined) continue;
    if (k === "vnet" && !VIMAGE) return fail(ENOENT, `unknown parameter: ${k}`);
    if (!known_params.has(k)) return fail(ENOENT, `unknown parameter: ${k}`);
  }
  const ppr = cred.cr_prison;
  let jid = params.jid === undefined ? 0 : Number(params.jid);
  if (!Number.isInteger(jid) || jid < 0 || jid > JAIL_MAX) return fail(EINVAL, `jid ${params.jid} is out of range`);
  const name = params.name === undefined ? undefined : String(params.name);
  // String parameters arrive NUL-terminated: their lengths count the NUL,
  // in bytes.  Too long is ENAMETOOLONG with no message, as in FreeBSD.
  if (name !== undefined && strparam_len(name) > MAXHOSTNAMELEN) return fail(ENAMETOOLONG, "");
  const host = params["host.hostname"];
  if (typeof host === "string" && strparam_len(host) > MAXHOSTNAMELEN) return fail(ENAMETOOLONG, "");
  const uuid = params["host.hostuuid"];
  if (typeof uuid === "string" && strparam_len(uuid) > HOSTUUIDLEN) return fail(ENAMETOOLONG, "");
  if (typeof uuid === "string" && !validate_uuid(uuid)) return fail(EINVAL, "");
  // namei() refuses a path of MAXPATHLEN bytes or more.
  if (typeof params.path === "string" && strparam_len(params.path) > MAXPATHLEN) return fail(ENAMETOOLONG, "");
  if (name !== undefined && name.includes(".")) return fail(EINVAL, `name cannot contain a dot: ${name}`);

  let vnetmode: "new" | "inherit" | undefined;
  if (params.vnet !== undefined) {
    const v = params.vnet;
    if (v === true || v === "new" || v === 1 || v === "1" || v === "") vnetmode = "new";
    else if (v === false || v === "inherit" || v === 0 || v === "0" || v === "disable") vnetmode = "inherit";
    else return fail(EINVAL, `vnet: invalid value "${String(v)}"`);
  }
  let persist: boolean | undefined;
  if (params.persist !== undefined) persist = params.persist !== false && params.persist !== "false" && params.persist !== 0;
  if (params.nopersist !== undefined) persist = false;

  // Find an existing prison by jid or name.
  let pr: prison | null = null;
  if (jid !== 0) {
    pr = prison_find(jid);
    if (pr !== null && (flags & JAIL_CREATE) !== 0 && (flags & JAIL_UPDATE) === 0) return fail(EEXIST, `jail ${jid} already exists`);
  } else if (name !== undefined && name !== "") {
    pr = prison_find_name(name);
    if (pr !== null && (flags & JAIL_CREATE) !== 0 && (flags & JAIL_UPDATE) === 0) return fail(EEXIST, `jail "${name}" already exists`);
  }
  if (pr === null) {
    if ((flags & JAIL_CREATE) === 0) return fail(ENOENT, jid !== 0 ? `jail ${jid} not found` : `jail "${name ?? ""}" not found`);
    if (jid === 0) {
      jid = lastprid + 1;
      while (prison_find(jid) !== null) jid++;
      if (jid > JAIL_MAX) return fail(EAGAIN, "no available jail IDs");
    }
    lastprid = Math.max(lastprid, jid);
    let pflags = 0;
    if (vnetmode === "new") pflags |= PR_VNET;
    // No name, or an empty one: the jail is named by its jid.
    const np = new prison(jid, name === undefined || name === "" ? String(jid) : name, ppr, pflags, ppr.pr_vnet);
    if (VIMAGE && vnetmode === "new") np.pr_vnet = vnet_alloc();
    // A new jail starts with its parent's hostname.
    np.pr_hostname = typeof params["host.hostname"] === "string" ? params["host.hostname"] : ppr.pr_hostname;
    np.pr_hostuuid = typeof uuid === "string" ? uuid : ppr.pr_hostuuid;
    np.pr_cpuset_id = next_cpuset_id++;
    if (typeof params.path === "string") np.pr_path = params.path;
    else np.pr_path = ppr.pr_path;
    ppr.pr_children.push(np);
    ppr.pr_childcount++;
    // Keep allprison in jid order: new jids are usually the largest.
    let at = allprison.length;
    while (at > 0 && allprison[at - 1].pr_id > np.pr_id) at--;
    allprison.splice(at, 0, np);
    prison_by_id.set(np.pr_id, np);
    prison_by_name.set(np.pr_name, np);
    pr = np;
  } else {
    // vnet is a create-time parameter: jail(8) leaves it out of an update
    // when it would not change it; given at all, the kernel refuses.
    if (vnetmode !== undefined) return fail(EINVAL, "vnet cannot be changed after creation");
    if (name !== undefined && jid !== 0 && name !== pr.pr_name) {
      if (prison_find_name(name) !== null) return fail(EEXIST, `jail "${name}" already exists`);
      if (prison_by_name.get(pr.pr_name) === pr) prison_by_name.delete(pr.pr_name);
      pr.pr_name = name;
      prison_by_name.set(name, pr);
    }
    if (typeof params["host.hostname"] === "string") pr.pr_hostname = params["host.hostname"];
    if (typeof uuid === "string") pr.pr_hostuuid = uuid;
  }
  if (persist === true && (pr.pr_flags & PR_PERSIST) === 0) {
    pr.pr_flags |= PR_PERSIST;
    pr.pr_uref++;
    pr.pr_ref++;
  } else if (persist === false && (pr.pr_flags & PR_PERSIST) !== 0) {
    pr.pr_flags &= ~PR_PERSIST;
    prison_deref(pr, 1);
  }
  if ((flags & JAIL_ATTACH) !== 0) pr.pr_uref++, pr.pr_ref++;
  // A prison created without persist and without an attaching process dies
  // at once, as in FreeBSD.
  if (pr.pr_uref === 0) {
    const id = pr.pr_id;
    prison_deref(pr, 0);
    return { error: 0, jid: id, errmsg: "" };
  }
  error = 0;
  return { error, jid: pr.pr_id, errmsg: "" };
}

// ---------------------------------------------------------------------------
// jail_get(2).

/** CTLFLAG_RD / CTLFLAG_WR / CTLFLAG_RDTUN of a security.jail.param node:
 *  read-only, settable, or settable at creation only. */
export const JP_ACCESS_RD = 1;
export const JP_ACCESS_RW = 2;
export const JP_ACCESS_RDTUN = 3;
/** JAIL_SYS_* values of a "jailsys" parameter (vnet). */
export const JAIL_SYS_DISABLE = 0;
export const JAIL_SYS_NEW = 1;
export const JAIL_SYS_INHERIT = 2;

export type jailparam_type = "int" | "string" | "bool" | "jailsys" | "ip4";
export interface jailparam_desc {
  name: string;
  type: jailparam_type;
  access: number;
}

/** The security.jail.param tree this kernel has, in sysctl order. */
export const jail_params: readonly jailparam_desc[] = [
  { name: "jid", type: "int", access: JP_ACCESS_RDTUN },
  { name: "parent", type: "int", access: JP_ACCESS_RD },
  { name: "name", type: "string", access: JP_ACCESS_RW },
  { name: "path", type: "string", access: JP_ACCESS_RDTUN },
  { name: "persist", type: "bool", access: JP_ACCESS_RW },
  { name: "dying", type: "bool", access: JP_ACCESS_RD },
  { name: "vnet", type: "jailsys", access: JP_ACCESS_RDTUN },
  { name: "cpuset.id", type: "int", access: JP_ACCESS_RD },
  { name: "host.hostname", type: "string", access: JP_ACCESS_RW },
  { name: "host.hostuuid", type: "string", access: JP_ACCESS_RW },
  { name: "ip4.addr", type: "ip4", access: JP_ACCESS_RW },
];

export type jail_value = number | string | boolean | number[];

export interface jail_get_result {
  error: number;
  jid: number;
  errmsg: string;
  values: Map<string, jail_value>;
}

function prison_param(pr: prison, name: string): jail_value | undefined {
  switch (name) {
    case "jid":
      return pr.pr_id;
    case "parent":
      return pr.pr_parent === null ? 0 : pr.pr_parent.pr_id;
    case "name":
      return pr.pr_name;
    case "path":
      return pr.pr_path;
    case "persist":
      return (pr.pr_flags & PR_PERSIST) !== 0;
    case "dying":
      return pr.pr_state !== PRISON_STATE_ALIVE;
    case "vnet":
      return (pr.pr_flags & PR_VNET) !== 0 ? JAIL_SYS_NEW : JAIL_SYS_INHERIT;
    case "cpuset.id":
      return pr.pr_cpuset_id;
    case "host.hostname":
      return pr.pr_hostname;
    case "host.hostuuid":
      return pr.pr_hostuuid;
    case "ip4.addr":
      // Address restrictions of non-vnet jails are not modelled.
      return [];
  }
  return undefined;
}

/**
 * kern_jail_get(): find a prison by "lastjid" (the first after it), "jid"
 * or "name", among those the caller can see, and return the parameters it
 * asked for.  Errors carry jail_get's errmsg.
 */
export function kern_jail_get(cred: ucred, keys: { lastjid?: number; jid?: number; name?: string }, want: readonly string[], flags: number): jail_get_result {
  const values = new Map<string, jail_value>();
  const fail = (error: number, errmsg: string): jail_get_result => ({ error, jid: -1, errmsg, values });
  if ((flags & ~JAIL_DYING) !== 0) return fail(EINVAL, "");
  const mypr = cred.cr_prison;
  const visible = (pr: prison): boolean => prison_ischild(mypr, pr) && (pr.pr_state === PRISON_STATE_ALIVE || (flags & JAIL_DYING) !== 0);
  let pr: prison | null = null;
  if (keys.lastjid !== undefined) {
    for (const p of allprison) {
      if (p.pr_id > keys.lastjid && visible(p)) {
        pr = p;
        break;
      }
    }
    if (pr === null) return fail(ENOENT, `no jail after ${keys.lastjid}`);
  } else if (keys.jid !== undefined && keys.jid !== 0) {
    const p = prison_by_id.get(keys.jid);
    if (p === undefined || !prison_ischild(mypr, p)) return fail(ENOENT, `jail ${keys.jid} not found`);
    if (!visible(p)) return fail(ENOENT, `jail ${keys.jid} is dying`);
    pr = p;
  } else if (keys.name !== undefined) {
    const p = prison_by_name.get(keys.name);
    if (p === undefined || !visible(p) || !prison_ischild(mypr, p)) return fail(ENOENT, `jail "${keys.name}" not found`);
    pr = p;
  } else return fail(ENOENT, "no jail specified");
  for (const w of want) {
    const v = prison_param(pr, w);
    if (v === undefined) return fail(ENOENT, `unknown parameter: ${w}`);
    values.set(w, v);
  }
  return { error: 0, jid: pr.pr_id, errmsg: "", values };
}

/** jail_set(2): the parameters as name/value pairs (jail(8)'s iovec). */
export function sys_jail_set(cred: ucred, params: jail_params, flags: number): jail_set_result {
  return kern_jail_set(cred, params, flags);
}

/** jail_get(2): the key parameter (lastjid, jid or name) and the names of
 *  the parameters wanted; their values and the jid come back. */
export function sys_jail_get(cred: ucred, keys: { lastjid?: number; jid?: number; name?: string }, want: readonly string[], flags: number): jail_get_result {
  return kern_jail_get(cred, keys, want, flags);
}

/** Drop `urefs` user references; the last one makes the prison dying
 *  (prison_deref).  A dying prison stays on allprison, where `jls -d` sees
 *  it, while anything still holds a plain reference to it (a socket's
 *  credential: a TCP connection in TIME_WAIT keeps a vnet jail dying until
 *  it expires); the last reference removes it and destroys its own vnet. */
export function prison_deref(pr: prison, urefs: number): void {
  pr.pr_uref -= urefs;
  pr.pr_ref -= urefs;
  if (pr.pr_uref > 0) return;
  if (pr.pr_state === PRISON_STATE_ALIVE) {
    pr.pr_state = PRISON_STATE_DYING;
    for (const child of pr.pr_children.slice()) prison_remove_one(child);
    if (prison_by_id.get(pr.pr_id) === pr) prison_by_id.delete(pr.pr_id);
    if (prison_by_name.get(pr.pr_name) === pr) prison_by_name.delete(pr.pr_name);
  }
  if (pr.pr_state === PRISON_STATE_DYING && pr.pr_ref <= 0) prison_free_dead(pr);
}

/** prison_hold: a reference that keeps the prison (dying or not) and its
 *  vnet in existence, e.g. a socket's credential. */
export function prison_hold(pr: prison): void {
  pr.pr_ref++;
}

/** prison_free: drop a prison_hold reference; the last one on a dying
 *  prison finishes it off. */
export function prison_free(pr: prison): void {
  pr.pr_ref--;
  if (pr.pr_state === PRISON_STATE_DYING && pr.pr_uref <= 0 && pr.pr_ref <= 0) prison_free_dead(pr);
}

/** The last reference to a dying prison is gone: off allprison and its
 *  parent's list, and its own vnet destroyed. */
function prison_free_dead(pr: prison): void {
  const i = allprison.lastIndexOf(pr);
  if (i >= 0) allprison.splice(i, 1);
  const ppr = pr.pr_parent;
  if (ppr !== null) {
    const j = ppr.pr_children.indexOf(pr);
    if (j >= 0) ppr.pr_children.splice(j, 1);
    ppr.pr_childcount--;
    if (VIMAGE && pr.pr_vnet !== ppr.pr_vnet) vnet_destroy(pr.pr_vnet);
  }
  pr.pr_state = PRISON_STATE_INVALID;
}

/** Set by kern/kern_sig.ts: SIGKILL to the processes attached to a prison. */
let prison_kill_hook: ((pr: prison) => void) | null = null;
export function set_prison_kill_hook(fn: (pr: prison) => void): void {
  prison_kill_hook = fn;
}

function prison_remove_one(pr: prison): void {
  // Drop the persist reference; a prison that still has processes attached
  // dies when the last of them detaches, which they do once the SIGKILL
  // sent to them here has ended them.
  if ((pr.pr_flags & PR_PERSIST) !== 0) {
    pr.pr_flags &= ~PR_PERSIST;
    prison_deref(pr, 1);
  } else if (pr.pr_uref <= 0) {
    prison_deref(pr, 0);
  }
  if (pr.pr_state === PRISON_STATE_ALIVE && prison_kill_hook !== null) prison_kill_hook(pr);
}

/** jail_remove(2). */
export function sys_jail_remove(cred: ucred, jid: number): number {
  const error = priv.priv_check_cred(cred, priv.PRIV_JAIL_REMOVE);
  if (error !== 0) return error;
  const pr = prison_find(jid);
  if (pr === null || pr === prison0 || !prison_ischild(cred.cr_prison, pr)) return EINVAL;
  prison_remove_one(pr);
  return 0;
}

function prison_ischild(ppr: prison, pr: prison): boolean {
  for (let p = pr.pr_parent; p !== null; p = p.pr_parent) if (p === ppr) return true;
  return false;
}

/** jail_attach(2) for a process: returns its new credential, or an errno.
 *  The caller calls jail_detach_proc when the process ends. */
export function sys_jail_attach(cred: ucred, jid: number): ucred | number {
  const error = priv.priv_check_cred(cred, priv.PRIV_JAIL_ATTACH);
  if (error !== 0) return error;
  const pr = prison_find(jid);
  if (pr === null || pr.pr_state !== PRISON_STATE_ALIVE) return EINVAL;
  if (pr !== cred.cr_prison && !prison_ischild(cred.cr_prison, pr)) return EPERM;
  pr.pr_uref++;
  pr.pr_ref++;
  return crsetprison(cred, pr);
}

/** prison_proc_hold: a process in the prison holds a user reference (a
 *  process created with a jailed credential, as fork does). */
export function prison_proc_hold(pr: prison): void {
  pr.pr_uref++;
  pr.pr_ref++;
}

/** Release a process's hold taken by sys_jail_attach. */
export function jail_detach_proc(pr: prison): void {
  prison_deref(pr, 1);
}

// vnet0_init (SI_SUB_VNET, FIRST) has just made vnet0: it is prison0's stack.
function prison0_vnet_init(): void {
  prison0.pr_vnet = vnet0;
}
SYSINIT("prison0_vnet", SI_SUB_VNET, SI_ORDER_SECOND, prison0_vnet_init);

// ---------------------------------------------------------------------------
// security.jail.* sysctls.

export const _security_jail = SYSCTL_NODE(_security, OID_AUTO, "jail", CTLFLAG_RW, null, "Jails");

SYSCTL_PROC(
  _security_jail,
  OID_AUTO,
  "jailed",
  CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE,
  null,
  0,
  (_o, _a1, _a2, req) => SYSCTL_OUT(req, jailed(req.cred as ucred) ? 1 : 0),
  "I",
  "Process in jail?",
);

SYSCTL_PROC(
  _security_jail,
  OID_AUTO,
  "vnet",
  CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE,
  null,
  0,
  (_o, _a1, _a2, req) => SYSCTL_OUT(req, prison_owns_vnet(req.cred as ucred) ? 1 : 0),
  "I",
  "Jail owns vnet?",
);
