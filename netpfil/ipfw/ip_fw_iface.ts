// sys/netpfil/ipfw/ip_fw_iface.c: the interfaces ipfw refers to by name.
//
// An interface table entry names an interface that may not exist yet; the
// chain keeps one tracked object per name (CHAIN_TO_II, a named-object
// hash made on first use), with the interface's index while it exists
// (resolved) and a generation count bumped by every arrival and departure,
// which ifnet_arrival_event / ifnet_departure_event report.  IP_FW_XIFLIST
// (ipfw iflist) lists them.

import { EINVAL, ENOMEM } from "../../kern/errno.ts";
import { ifnet_arrival_event, ifnet_departure_event, ifunit, type ifnet } from "../../net/if.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../../net/vnet.ts";
import * as fw from "../../netinet/ip_fw.ts";
import * as priv from "./ip_fw_private.ts";
import type { ip_fw3_opheader, ip_fw_chain, ipfw_sopt_handler, named_object, namedobj_instance, sockopt_data } from "./ip_fw_private.ts";
import {
  ipfw_add_sopt_handler,
  ipfw_del_sopt_handler,
  ipfw_get_sopt_header,
  ipfw_get_sopt_space,
  ipfw_objhash_add,
  ipfw_objhash_alloc_idx,
  ipfw_objhash_count,
  ipfw_objhash_create,
  ipfw_objhash_del,
  ipfw_objhash_foreach,
  ipfw_objhash_free_idx,
  ipfw_objhash_lookup_name,
} from "./ip_fw_sockopt.ts";
import { ipfw_register_module_hook } from "./ip_fw2.ts";

const DEFAULT_IFACES = 128;

/** struct ipfw_iface. */
export class ipfw_iface {
  readonly no: named_object;
  ifname: string;
  ifindex = 0;
  resolved = 0;
  gencnt = 0;
  constructor(name: string) {
    this.no = new priv.named_object();
    this.no.name = name;
    this.ifname = name;
  }
}

/** The chain's tracked interfaces (CHAIN_TO_II): the name hash and the objects. */
class iface_cfg {
  readonly ii: namedobj_instance;
  readonly byno = new Map<named_object, ipfw_iface>();
  constructor() {
    this.ii = ipfw_objhash_create(DEFAULT_IFACES);
  }
}

function CHAIN_TO_II(ch: ip_fw_chain): iface_cfg | null {
  return ch.ifcfg as iface_cfg | null;
}

/** vnet_ipfw_iface_init: the chain's index, made when first needed. */
function vnet_ipfw_iface_init(ch: ip_fw_chain): iface_cfg {
  let cfg = CHAIN_TO_II(ch);
  if (cfg === null) {
    cfg = new iface_cfg();
    ch.ifcfg = cfg;
  }
  return cfg;
}

/** ipfw_iface_ref: a reference on the tracked interface `name`, made (and
 *  resolved against the vnet's interfaces) when it is new. */
export function ipfw_iface_ref(ch: ip_fw_chain, name: string): ipfw_iface | null {
  const cfg = vnet_ipfw_iface_init(ch);
  const no = ipfw_objhash_lookup_name(cfg.ii, 0, name);
  const have = no === null ? undefined : cfg.byno.get(no);
  if (have !== undefined) {
    have.no.refcnt++;
    return have;
  }
  const iif = new ipfw_iface(name);
  const out = { idx: 0 };
  if (ipfw_objhash_alloc_idx(cfg.ii, out) !== 0) return null;
  iif.no.kidx = out.idx;
  iif.no.refcnt = 1;
  const ifp = ifunit(name);
  if (ifp !== null) {
    iif.resolved = 1;
    iif.ifindex = ifp.if_index;
  }
  ipfw_objhash_add(cfg.ii, iif.no);
  cfg.byno.set(iif.no, iif);
  return iif;
}

/** ipfw_iface_unref: drop a reference; the last one forgets the name. */
export function ipfw_iface_unref(ch: ip_fw_chain, name: string): void {
  const cfg = CHAIN_TO_II(ch);
  if (cfg === null) return;
  const no = ipfw_objhash_lookup_name(cfg.ii, 0, name);
  if (no === null) return;
  if (--no.refcnt > 0) return;
  ipfw_objhash_del(cfg.ii, no);
  ipfw_objhash_free_idx(cfg.ii, no.kidx);
  cfg.byno.delete(no);
}

/** ipfw_kifhandler: an interface came or went: update its tracked name in
 *  the chain of its vnet. */
function ipfw_kifhandler(ifp: ifnet, arrival: boolean): void {
  const saved = CURVNET_SET(ifp.if_vnet, "ipfw_kifhandler");
  try {
    const ch = priv.V_layer3_chain();
    if (ch === null) return;
    const cfg = CHAIN_TO_II(ch);
    if (cfg === null) return;
    const no = ipfw_objhash_lookup_name(cfg.ii, 0, ifp.if_xname);
    const iif = no === null ? undefined : cfg.byno.get(no);
    if (iif === undefined) return;
    if (arrival) {
      iif.gencnt++;
      iif.resolved = 1;
      iif.ifindex = ifp.if_index;
    } else if (iif.ifindex === ifp.if_index) {
      iif.gencnt++;
      iif.resolved = 0;
      iif.ifindex = 0;
    }
  } finally {
    CURVNET_RESTORE(saved);
  }
}

const ipfw_kifhandler_arrival = (ifp: ifnet): void => ipfw_kifhandler(ifp, true);
const ipfw_kifhandler_departure = (ifp: ifnet): void => ipfw_kifhandler(ifp, false);

/**
 * IP_FW_XIFLIST: the tracked interfaces.
 * Request: [ ipfw_obj_lheader ], size = ipfw_obj_lheader.size
 * Reply: [ ipfw_obj_lheader ipfw_iface_info x N ]
 */
function list_ifaces(ch: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  const olh = ipfw_get_sopt_header(sd, fw.SZ_ipfw_obj_lheader);
  if (olh < 0) return EINVAL;
  const dv = sd.kdv;
  if (sd.valsize < dv.getUint32(olh + fw.lheader_size, true)) return EINVAL;
  const cfg = CHAIN_TO_II(ch);
  const count = cfg === null ? 0 : ipfw_objhash_count(cfg.ii);
  const size = count * fw.SZ_ipfw_iface_info + fw.SZ_ipfw_obj_lheader;
  dv.setUint32(olh + fw.lheader_count, count, true);
  dv.setUint32(olh + fw.lheader_objsize, fw.SZ_ipfw_iface_info, true);
  if (size > dv.getUint32(olh + fw.lheader_size, true)) {
    dv.setUint32(olh + fw.lheader_size, size, true);
    return ENOMEM;
  }
  dv.setUint32(olh + fw.lheader_size, size, true);
  if (cfg === null) return 0;
  return ipfw_objhash_foreach(
    cfg.ii,
    (_ni, no) => {
      const iif = cfg.byno.get(no);
      const i = ipfw_get_sopt_space(sd, fw.SZ_ipfw_iface_info);
      if (iif === undefined || i < 0) return ENOMEM;
      fw.cstr_write(sd.kbuf, i, 64, iif.ifname);
      dv.setUint32(i + 64, iif.ifindex, true);
      dv.setUint32(i + 68, iif.resolved !== 0 ? fw.IPFW_IFFLAG_RESOLVED : 0, true);
      dv.setUint32(i + 72, iif.no.refcnt, true);
      dv.setUint32(i + 76, iif.gencnt, true);
      return 0;
    },
    null,
  );
}

const scodes: ipfw_sopt_handler[] = [{ opcode: fw.IP_FW_XIFLIST, version: 0, dir: priv.HDIR_GET, handler: list_ifaces, refcnt: 0 }];

/** ipfw_iface_init: at module load, the handler and the interface events. */
export function ipfw_iface_init(): void {
  ipfw_add_sopt_handler(scodes);
  ifnet_arrival_event.push(ipfw_kifhandler_arrival);
  ifnet_departure_event.push(ipfw_kifhandler_departure);
}

/** ipfw_iface_destroy: at module unload. */
export function ipfw_iface_destroy(): void {
  ipfw_del_sopt_handler(scodes);
  const a = ifnet_arrival_event.indexOf(ipfw_kifhandler_arrival);
  if (a >= 0) ifnet_arrival_event.splice(a, 1);
  const d = ifnet_departure_event.indexOf(ipfw_kifhandler_departure);
  if (d >= 0) ifnet_departure_event.splice(d, 1);
}

/** vnet_ipfw_iface_destroy: the chain forgets its interfaces. */
export function vnet_ipfw_iface_destroy(ch: ip_fw_chain): void {
  ch.ifcfg = null;
}

register();
function register(): void {
  ipfw_register_module_hook({ init: ipfw_iface_init, destroy: ipfw_iface_destroy });
}
