// sbin/ifconfig/ifvlan.c: ifconfig's vlan(4) parameters (vlan, vlandev,
// -vlandev, vlanproto, vlanpcp), the clone callback that creates a vlan with
// its parent and VID in one request (SIOCIFCREATE2 with a struct vlanreq),
// names of the <parent>.<vid> form, and the `vlan: ...` status line.
//
// The parameters gathered on one command line live in `params`, as the
// static struct does in ifvlan.c; ifconfig resets it for every run (one
// process here runs many ifconfigs).

import { ETHERTYPE_QINQ, ETHERTYPE_VLAN } from "../net/ethernet.ts";
import { IFNAMSIZ, type ifreq } from "../net/if.ts";
import { SIOCGETVLAN, SIOCGVLANPCP, SIOCSETVLAN, SIOCSVLANPCP, type vlanreq } from "../net/if_vlan.ts";
import { sys_ioctl } from "../kern/uipc_syscalls.ts";
import { errx, strtoul } from "./libc.ts";
import type { ifc_env, ifconfig_module as ifconfig_module_t } from "./ifconfig.ts";

/** NOTAG: no `vlan` given yet ((u_short)-1). */
const NOTAG = 0xffff;

const proto_8021Q = "802.1q";
const proto_8021ad = "802.1ad";
const proto_qinq = "qinq";

const params: vlanreq = { vlr_parent: "", vlr_tag: NOTAG, vlr_proto: ETHERTYPE_VLAN };

function vlan_init(): void {
  params.vlr_parent = "";
  params.vlr_tag = NOTAG;
  params.vlr_proto = ETHERTYPE_VLAN;
}

/** strlcpy into char[IFNAMSIZ]. */
function ifnamsiz(s: string): string {
  return s.slice(0, IFNAMSIZ - 1);
}

/** getvlan: SIOCGETVLAN into vreq; the errno, or 0. */
function getvlan(env: ifc_env, vreq: vlanreq): number {
  const ifr: ifreq = { ifr_name: env.name, ifr_params: null };
  const e = sys_ioctl(env.kp, env.fd, SIOCGETVLAN, ifr);
  if (e !== 0) return e;
  const got = ifr.ifr_params as vlanreq | null;
  vreq.vlr_parent = got?.vlr_parent ?? "";
  vreq.vlr_tag = got?.vlr_tag ?? 0;
  vreq.vlr_proto = got?.vlr_proto ?? 0;
  return 0;
}

function vlan_status(env: ifc_env): string {
  const vreq: vlanreq = { vlr_parent: "", vlr_tag: 0, vlr_proto: 0 };
  if (getvlan(env, vreq) !== 0) return "";
  let s = `\tvlan: ${vreq.vlr_tag}`;
  s += " vlanproto: ";
  switch (vreq.vlr_proto) {
    case ETHERTYPE_VLAN:
      s += proto_8021Q;
      break;
    case ETHERTYPE_QINQ:
      s += proto_8021ad;
      break;
    default:
      s += `0x${vreq.vlr_proto.toString(16).padStart(4, "0")}`;
  }
  const ifr: ifreq = { ifr_name: env.name };
  if (sys_ioctl(env.kp, env.fd, SIOCGVLANPCP, ifr) === 0) s += ` vlanpcp: ${ifr.ifr_vlan_pcp ?? 0}`;
  s += ` parent interface: ${vreq.vlr_parent === "" ? "<none>" : vreq.vlr_parent}`;
  return s + "\n";
}

/** vlan_match_ethervid: a name with a dot is a vlan to create. */
function vlan_match_ethervid(name: string): boolean {
  return name.includes(".");
}

/** vlan_parse_ethervid: "parent.vid" gives the parent and VID, which the
 *  vlan and vlandev parameters must not give as well. */
function vlan_parse_ethervid(env: ifc_env, name: string): void {
  const ifname = ifnamsiz(name);
  const dot = ifname.lastIndexOf(".");
  if (dot < 0) return;
  if (params.vlr_tag !== NOTAG || params.vlr_parent !== "") errx(env.ctx, 1, "ambiguous vlan specification");
  const cp = ifname.slice(dot + 1);
  if (cp.length === 0 || cp[0] < "1" || cp[0] > "9") errx(env.ctx, 1, "invalid vlan tag");
  let vid = cp.charCodeAt(0) - 48;
  let i = 1;
  for (; i < cp.length && cp[i] >= "0" && cp[i] <= "9"; i++) vid = vid * 10 + (cp.charCodeAt(i) - 48);
  if (i !== cp.length || vid > 0xfff) errx(env.ctx, 1, "invalid vlan tag");
  params.vlr_parent = ifname.slice(0, dot);
  params.vlr_tag = vid & 0xfff;
}

/** vlan_create: the clone callback.  Given either of vlan and vlandev, both
 *  must be; the request then carries them. */
function vlan_create(env: ifc_env, ifr: ifreq): void {
  vlan_parse_ethervid(env, ifr.ifr_name);
  if (params.vlr_tag !== NOTAG || params.vlr_parent !== "") {
    if (params.vlr_tag === NOTAG) errx(env.ctx, 1, "must specify a tag for vlan create");
    if (params.vlr_parent === "") errx(env.ctx, 1, "must specify a parent device for vlan create");
    ifr.ifr_params = { ...params };
  }
}

/** vlan_cb: after all parameters, one of vlan and vlandev alone is an error. */
function vlan_cb(env: ifc_env): void {
  if ((params.vlr_tag !== NOTAG) !== (params.vlr_parent !== "")) errx(env.ctx, 1, "both vlan and vlandev must be specified");
}

/** vlan_set: both known: SIOCSETVLAN. */
function vlan_set(env: ifc_env): void {
  if (params.vlr_tag !== NOTAG && params.vlr_parent !== "") {
    const ifr: ifreq = { ifr_name: env.name, ifr_params: { ...params } };
    const e = sys_ioctl(env.kp, env.fd, SIOCSETVLAN, ifr);
    if (e !== 0) env.fail("SIOCSETVLAN", e);
  }
}

/** Try SIOCSETVLAN now if the interface is already a vlan (it is not while
 *  the clone parameters are being gathered). */
function vlan_set_if_vlan(env: ifc_env): void {
  const vreq: vlanreq = { vlr_parent: "", vlr_tag: 0, vlr_proto: 0 };
  if (getvlan(env, vreq) === 0) vlan_set(env);
}

function setvlantag(env: ifc_env, [val]: string[]): void {
  const r = strtoul(val, 0);
  if (r.rest !== "") errx(env.ctx, 1, "invalid value for vlan");
  // It must fit vlr_tag (a u_short).
  if (r.v > 0xffff) errx(env.ctx, 1, "value for vlan out of range");
  params.vlr_tag = r.v;
  vlan_set_if_vlan(env);
}

function setvlandev(env: ifc_env, [val]: string[]): void {
  params.vlr_parent = ifnamsiz(val);
  vlan_set_if_vlan(env);
}

function setvlanproto(env: ifc_env, [val]: string[]): void {
  // A prefix match, case-insensitive, as strncasecmp with the name's length.
  const v = val.toLowerCase();
  if (v.startsWith(proto_8021Q)) params.vlr_proto = ETHERTYPE_VLAN;
  else if (v.startsWith(proto_8021ad) || v.startsWith(proto_qinq)) params.vlr_proto = ETHERTYPE_QINQ;
  else errx(env.ctx, 1, "invalid value for vlanproto");
  vlan_set_if_vlan(env);
}

function setvlanpcp(env: ifc_env, [val]: string[]): void {
  const r = strtoul(val, 0);
  if (r.rest !== "") errx(env.ctx, 1, "invalid value for vlanpcp");
  if (r.v > 7) errx(env.ctx, 1, "value for vlanpcp out of range");
  const e = sys_ioctl(env.kp, env.fd, SIOCSVLANPCP, { ifr_name: env.name, ifr_vlan_pcp: r.v } satisfies ifreq);
  if (e !== 0) env.fail("SIOCSVLANPCP", e);
}

/** -vlandev: SIOCSETVLAN with no parent unconfigures. */
function unsetvlandev(env: ifc_env): void {
  const vreq: vlanreq = { vlr_parent: "", vlr_tag: 0, vlr_proto: 0 };
  const e = getvlan(env, vreq);
  if (e !== 0) env.fail("SIOCGETVLAN", e);
  vreq.vlr_parent = "";
  vreq.vlr_tag = 0;
  const e2 = sys_ioctl(env.kp, env.fd, SIOCSETVLAN, { ifr_name: env.name, ifr_params: vreq } satisfies ifreq);
  if (e2 !== 0) env.fail("SIOCSETVLAN", e2);
}

export const ifconfig_module: ifconfig_module_t = {
  cmds: [
    { name: "vlan", nargs: 1, clone: true, fn: setvlantag },
    { name: "vlandev", nargs: 1, clone: true, fn: setvlandev },
    { name: "vlanproto", nargs: 1, clone: true, fn: setvlanproto },
    { name: "vlanpcp", nargs: 1, fn: setvlanpcp },
    // The same words once the interface exists.
    { name: "vlan", nargs: 1, fn: setvlantag },
    { name: "vlandev", nargs: 1, fn: setvlandev },
    { name: "vlanproto", nargs: 1, fn: setvlanproto },
    // DEF_CMD_OPTARG: an argument is taken if one follows; none is needed.
    { name: "-vlandev", nargs: 0, optarg: true, fn: unsetvlandev },
  ],
  init: vlan_init,
  callback: vlan_cb,
  status: (env) => vlan_status(env),
  status_after_groups: true,
  clone: {
    // clone_setdefcallback_prefix("vlan") and the filter for dotted names.
    match: (name) => vlan_match_ethervid(name) || name.startsWith("vlan"),
    create: vlan_create,
  },
};
