// sys/net/bridgestp.c, sys/net/bridgestp.h: the spanning tree of if_bridge,
// the Rapid Spanning Tree Protocol of IEEE 802.1D-2004 (clause 17) with
// fallback to the legacy protocol (802.1D-1998 STP) port by port.
//
// if_bridge owns one bstp_state per bridge and one bstp_port per member; it
// calls bstp_attach/bstp_detach when the bridge is made and destroyed,
// bstp_init/bstp_stop when it goes up and down, bstp_create/bstp_destroy
// with each member, bstp_enable/bstp_disable when `ifconfig bridge0 stp
// IF` / `-stp IF` turn the protocol on for it, hands every frame sent to
// bstp_etheraddr to bstp_input, and reads the structures directly for
// BRDGGIFSSTP and BRDGPARAM, as if_bridge.c does.  The protocol calls back
// through bstp_cb_ops: bcb_state when a port's state changes (if_bridge
// logs it when net.link.bridge.log_stp is set) and bcb_rtage when a
// topology change wants the address table flushed (age 0) or shortened to
// the forward delay (legacy STP).
//
// All timing runs off bstp_tick, a callout on the virtual clock once a
// second; timer values are in 1/256ths of a second, as on the wire.
//
// Departures from FreeBSD 14:
// - no locks: BSTP_LOCK and friends are gone (one thread, callouts and
//   tasks run to completion).
// - bridge and root identifiers (uint64_t) are bigints.  BPDUs are control
//   traffic at hello-time rate; the data path of if_bridge never gets here.
// - taskqueue_drain in bstp_destroy becomes taskqueue_cancel: the tasks do
//   nothing for an inactive port anyway.

import { EINVAL, EOPNOTSUPP, EPERM } from "../kern/errno.ts";
import type { timeval } from "../kern/kern_time.ts";
import { m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { MT_DATA, type mbuf } from "../kern/mbuf.ts";
import { m_adj, m_pullup } from "../kern/uipc_mbuf.ts";
import { KASSERT, panic, printf } from "../kern/subr_prf.ts";
import { TASK_INIT, taskqueue_cancel, taskqueue_enqueue, type task } from "../kern/subr_taskqueue.ts";
import { callout, callout_drain, callout_init, callout_pending, callout_reset, callout_stop, hz, microtime } from "../kern/kern_timeout.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_UNLOAD } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { SI_ORDER_ANY, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { ETHER_ADDR_LEN, ETHER_HDR_LEN, ether_dhost, ether_shost, ether_type } from "./ethernet.ts";
import { IFCAP_LINKSTATE, IFF_DRV_RUNNING, IFF_UP, LINK_STATE_DOWN, SIOCGIFMEDIA, V_ifnet, type ifnet } from "./if.ts";
import { IFT_ETHER, IFT_L2VLAN } from "./if_dl.ts";
import { LLC_8021D_LSAP, LLC_UI } from "./if_llc.ts";
import { IF_LLADDR } from "./if_ethersubr.ts";
import { IFM_ACTIVE, IFM_FDX, ifmediareq_zero } from "./if_media.ts";
import { CURVNET_RESTORE, CURVNET_SET, curvnet, type vnet } from "./vnet.ts";

// ---------------------------------------------------------------------------
// bridgestp.h

/* STP port states */
export const BSTP_IFSTATE_DISABLED = 0;
export const BSTP_IFSTATE_LISTENING = 1;
export const BSTP_IFSTATE_LEARNING = 2;
export const BSTP_IFSTATE_FORWARDING = 3;
export const BSTP_IFSTATE_BLOCKING = 4;
export const BSTP_IFSTATE_DISCARDING = 5;

export const BSTP_TCSTATE_ACTIVE = 1;
export const BSTP_TCSTATE_DETECTED = 2;
export const BSTP_TCSTATE_INACTIVE = 3;
export const BSTP_TCSTATE_LEARNING = 4;
export const BSTP_TCSTATE_PROPAG = 5;
export const BSTP_TCSTATE_ACK = 6;
export const BSTP_TCSTATE_TC = 7;
export const BSTP_TCSTATE_TCN = 8;

export const BSTP_ROLE_DISABLED = 0;
export const BSTP_ROLE_ROOT = 1;
export const BSTP_ROLE_DESIGNATED = 2;
export const BSTP_ROLE_ALTERNATE = 3;
export const BSTP_ROLE_BACKUP = 4;

/* STP port flags */
export const BSTP_PORT_CANMIGRATE = 0x0001;
export const BSTP_PORT_NEWINFO = 0x0002;
export const BSTP_PORT_DISPUTED = 0x0004;
export const BSTP_PORT_ADMCOST = 0x0008;
export const BSTP_PORT_AUTOEDGE = 0x0010;
export const BSTP_PORT_AUTOPTP = 0x0020;
export const BSTP_PORT_ADMEDGE = 0x0040;
export const BSTP_PORT_PNDCOST = 0x0080;

/* BPDU priority */
export const BSTP_PDU_SUPERIOR = 1;
export const BSTP_PDU_REPEATED = 2;
export const BSTP_PDU_INFERIOR = 3;
export const BSTP_PDU_INFERIORALT = 4;
export const BSTP_PDU_OTHER = 5;

/* BPDU flags */
export const BSTP_PDU_PRMASK = 0x0c; /* port role */
export const BSTP_PDU_PRSHIFT = 2;
export const BSTP_PDU_F_UNKN = 0x00;
export const BSTP_PDU_F_ALT = 0x01;
export const BSTP_PDU_F_ROOT = 0x02;
export const BSTP_PDU_F_DESG = 0x03;

export const BSTP_PDU_STPMASK = 0x81; /* the flags legacy STP knows */
export const BSTP_PDU_RSTPMASK = 0x7f; /* the flags RSTP uses */
export const BSTP_PDU_F_TC = 0x01;
export const BSTP_PDU_F_P = 0x02;
export const BSTP_PDU_F_L = 0x10;
export const BSTP_PDU_F_F = 0x20;
export const BSTP_PDU_F_A = 0x40;
export const BSTP_PDU_F_TCA = 0x80;

/* Spanning tree defaults, in 1/256ths of a second where they are times. */
export const BSTP_DEFAULT_MAX_AGE = 20 * 256;
export const BSTP_DEFAULT_HELLO_TIME = 2 * 256;
export const BSTP_DEFAULT_FORWARD_DELAY = 15 * 256;
export const BSTP_DEFAULT_HOLD_TIME = 1 * 256;
export const BSTP_DEFAULT_MIGRATE_DELAY = 3 * 256;
export const BSTP_DEFAULT_HOLD_COUNT = 6;
export const BSTP_DEFAULT_BRIDGE_PRIORITY = 0x8000;
export const BSTP_DEFAULT_PORT_PRIORITY = 0x80;
export const BSTP_DEFAULT_PATH_COST = 55;
export const BSTP_MIN_HELLO_TIME = 1 * 256;
export const BSTP_MIN_MAX_AGE = 6 * 256;
export const BSTP_MIN_FORWARD_DELAY = 4 * 256;
export const BSTP_MIN_HOLD_COUNT = 1;
export const BSTP_MAX_HELLO_TIME = 2 * 256;
export const BSTP_MAX_MAX_AGE = 40 * 256;
export const BSTP_MAX_FORWARD_DELAY = 30 * 256;
export const BSTP_MAX_HOLD_COUNT = 10;
export const BSTP_MAX_PRIORITY = 61440;
export const BSTP_MAX_PORT_PRIORITY = 240;
export const BSTP_MAX_PATH_COST = 200000000;

/* BPDU message types */
export const BSTP_MSGTYPE_CFG = 0x00;
export const BSTP_MSGTYPE_RSTP = 0x02;
export const BSTP_MSGTYPE_TCN = 0x80;

/* Protocol versions */
export const BSTP_PROTO_ID = 0x00;
export const BSTP_PROTO_STP = 0x00;
export const BSTP_PROTO_RSTP = 0x02;
export const BSTP_PROTO_MAX = BSTP_PROTO_RSTP;

export const BSTP_INFO_RECEIVED = 1;
export const BSTP_INFO_MINE = 2;
export const BSTP_INFO_AGED = 3;
export const BSTP_INFO_DISABLED = 4;

export const BSTP_MESSAGE_AGE_INCR = 1 * 256;
export const BSTP_TICK_VAL = 1 * 256;
export const BSTP_LINK_TIMER = BSTP_TICK_VAL * 15;

/** Callbacks into the bridge: a port's state changed; flush or age the
 *  addresses learnt on a port (age in seconds, 0 = flush now). */
export type bstp_state_cb_t = (ifp: ifnet, state: number) => void;
export type bstp_rtage_cb_t = (ifp: ifnet, age: number) => void;
export class bstp_cb_ops {
  constructor(
    public bcb_state: bstp_state_cb_t,
    public bcb_rtage: bstp_rtage_cb_t,
  ) {}
}

/** struct bstp_cbpdu: a configuration or RST BPDU as on the wire (packed),
 *  after the Ethernet header: LLC, then the protocol data unit. */
export class bstp_cbpdu {
  cbu_dsap = 0;
  cbu_ssap = 0;
  cbu_ctl = 0;
  cbu_protoid = 0;
  cbu_protover = 0;
  cbu_bpdutype = 0;
  cbu_flags = 0;
  /* root id */
  cbu_rootpri = 0;
  readonly cbu_rootaddr = new Uint8Array(6);
  cbu_rootpathcost = 0;
  /* bridge id */
  cbu_bridgepri = 0;
  readonly cbu_bridgeaddr = new Uint8Array(6);
  cbu_portid = 0;
  cbu_messageage = 0;
  cbu_maxage = 0;
  cbu_hellotime = 0;
  cbu_forwarddelay = 0;
  cbu_versionlen = 0;
}
export const BSTP_BPDU_STP_LEN = 3 + 35; /* LLC + STP pdu */
export const BSTP_BPDU_RSTP_LEN = 3 + 36; /* LLC + RSTP pdu */

/** struct bstp_tbpdu: a topology change notification (and the common head
 *  of every BPDU). */
export class bstp_tbpdu {
  tbu_dsap = 0;
  tbu_ssap = 0;
  tbu_ctl = 0;
  tbu_protoid = 0;
  tbu_protover = 0;
  tbu_bpdutype = 0;
}
/** sizeof(struct bstp_tbpdu). */
export const BSTP_TBPDU_LEN = 7;

// The packed layouts, as byte offsets.
const cbu_dsap = 0;
const cbu_ssap = 1;
const cbu_ctl = 2;
const cbu_protoid = 3;
const cbu_protover = 5;
const cbu_bpdutype = 6;
const cbu_flags = 7;
const cbu_rootpri = 8;
const cbu_rootaddr = 10;
const cbu_rootpathcost = 16;
const cbu_bridgepri = 20;
const cbu_bridgeaddr = 22;
const cbu_portid = 28;
const cbu_messageage = 30;
const cbu_maxage = 32;
const cbu_hellotime = 34;
const cbu_forwarddelay = 36;
const cbu_versionlen = 38;

/** memcpy of the first `len` bytes of a bstp_cbpdu to the wire. */
export function bstp_cbpdu_write(dv: DataView, off: number, bpdu: bstp_cbpdu, len: number): void {
  dv.setUint8(off + cbu_dsap, bpdu.cbu_dsap);
  dv.setUint8(off + cbu_ssap, bpdu.cbu_ssap);
  dv.setUint8(off + cbu_ctl, bpdu.cbu_ctl);
  dv.setUint16(off + cbu_protoid, bpdu.cbu_protoid);
  dv.setUint8(off + cbu_protover, bpdu.cbu_protover);
  dv.setUint8(off + cbu_bpdutype, bpdu.cbu_bpdutype);
  dv.setUint8(off + cbu_flags, bpdu.cbu_flags);
  dv.setUint16(off + cbu_rootpri, bpdu.cbu_rootpri);
  for (let i = 0; i < 6; i++) dv.setUint8(off + cbu_rootaddr + i, bpdu.cbu_rootaddr[i]);
  dv.setUint32(off + cbu_rootpathcost, bpdu.cbu_rootpathcost);
  dv.setUint16(off + cbu_bridgepri, bpdu.cbu_bridgepri);
  for (let i = 0; i < 6; i++) dv.setUint8(off + cbu_bridgeaddr + i, bpdu.cbu_bridgeaddr[i]);
  dv.setUint16(off + cbu_portid, bpdu.cbu_portid);
  dv.setUint16(off + cbu_messageage, bpdu.cbu_messageage);
  dv.setUint16(off + cbu_maxage, bpdu.cbu_maxage);
  dv.setUint16(off + cbu_hellotime, bpdu.cbu_hellotime);
  dv.setUint16(off + cbu_forwarddelay, bpdu.cbu_forwarddelay);
  if (len > cbu_versionlen) dv.setUint8(off + cbu_versionlen, bpdu.cbu_versionlen);
}

/** memcpy of `len` wire bytes into a bstp_cbpdu. */
export function bstp_cbpdu_read(dv: DataView, off: number, bpdu: bstp_cbpdu, len: number): void {
  bpdu.cbu_dsap = dv.getUint8(off + cbu_dsap);
  bpdu.cbu_ssap = dv.getUint8(off + cbu_ssap);
  bpdu.cbu_ctl = dv.getUint8(off + cbu_ctl);
  bpdu.cbu_protoid = dv.getUint16(off + cbu_protoid);
  bpdu.cbu_protover = dv.getUint8(off + cbu_protover);
  bpdu.cbu_bpdutype = dv.getUint8(off + cbu_bpdutype);
  bpdu.cbu_flags = dv.getUint8(off + cbu_flags);
  bpdu.cbu_rootpri = dv.getUint16(off + cbu_rootpri);
  for (let i = 0; i < 6; i++) bpdu.cbu_rootaddr[i] = dv.getUint8(off + cbu_rootaddr + i);
  bpdu.cbu_rootpathcost = dv.getUint32(off + cbu_rootpathcost);
  bpdu.cbu_bridgepri = dv.getUint16(off + cbu_bridgepri);
  for (let i = 0; i < 6; i++) bpdu.cbu_bridgeaddr[i] = dv.getUint8(off + cbu_bridgeaddr + i);
  bpdu.cbu_portid = dv.getUint16(off + cbu_portid);
  bpdu.cbu_messageage = dv.getUint16(off + cbu_messageage);
  bpdu.cbu_maxage = dv.getUint16(off + cbu_maxage);
  bpdu.cbu_hellotime = dv.getUint16(off + cbu_hellotime);
  bpdu.cbu_forwarddelay = dv.getUint16(off + cbu_forwarddelay);
  // A legacy configuration BPDU has no version 1 length; the struct's byte
  // keeps what it held before, as the short memcpy leaves it.
  if (len > cbu_versionlen) bpdu.cbu_versionlen = dv.getUint8(off + cbu_versionlen);
}

/** memcpy of the common head (struct bstp_tbpdu) from the wire. */
export function bstp_tbpdu_read(dv: DataView, off: number, tpdu: bstp_tbpdu): void {
  tpdu.tbu_dsap = dv.getUint8(off + cbu_dsap);
  tpdu.tbu_ssap = dv.getUint8(off + cbu_ssap);
  tpdu.tbu_ctl = dv.getUint8(off + cbu_ctl);
  tpdu.tbu_protoid = dv.getUint16(off + cbu_protoid);
  tpdu.tbu_protover = dv.getUint8(off + cbu_protover);
  tpdu.tbu_bpdutype = dv.getUint8(off + cbu_bpdutype);
}

/** Timekeeping of the protocol: values in 1/256ths of a second. */
export class bstp_timer {
  active = 0;
  latched = 0;
  value = 0;
}

export class bstp_pri_vector {
  pv_root_id = 0n;
  pv_cost = 0;
  pv_dbridge_id = 0n;
  pv_dport_id = 0;
  pv_port_id = 0;
}

export class bstp_config_unit {
  readonly cu_pv = new bstp_pri_vector();
  cu_message_age = 0;
  cu_max_age = 0;
  cu_forward_delay = 0;
  cu_hello_time = 0;
  cu_message_type = 0;
  cu_topology_change_ack = 0;
  cu_topology_change = 0;
  cu_proposal = 0;
  cu_agree = 0;
  cu_learning = 0;
  cu_forwarding = 0;
  cu_role = 0;
}

export class bstp_tcn_unit {
  tu_message_type = 0;
}

export class bstp_port {
  bp_ifp: ifnet | null = null; /* the member interface */
  bp_bs: bstp_state | null = null;
  bp_active = 0;
  bp_protover = 0;
  bp_flags = 0;
  bp_path_cost = 0;
  bp_port_msg_age = 0;
  bp_port_max_age = 0;
  bp_port_fdelay = 0;
  bp_port_htime = 0;
  bp_desg_msg_age = 0;
  bp_desg_max_age = 0;
  bp_desg_fdelay = 0;
  bp_desg_htime = 0;
  readonly bp_edge_delay_timer = new bstp_timer();
  readonly bp_forward_delay_timer = new bstp_timer();
  readonly bp_hello_timer = new bstp_timer();
  readonly bp_message_age_timer = new bstp_timer();
  readonly bp_migrate_delay_timer = new bstp_timer();
  readonly bp_recent_backup_timer = new bstp_timer();
  readonly bp_recent_root_timer = new bstp_timer();
  readonly bp_tc_timer = new bstp_timer();
  readonly bp_msg_cu = new bstp_config_unit();
  readonly bp_desg_pv = new bstp_pri_vector();
  readonly bp_port_pv = new bstp_pri_vector();
  bp_port_id = 0;
  bp_state = 0;
  bp_tcstate = 0;
  bp_role = 0;
  bp_infois = 0;
  bp_tc_ack = 0;
  bp_tc_prop = 0;
  bp_fdbflush = 0;
  bp_priority = 0;
  bp_ptp_link = 0;
  bp_agree = 0;
  bp_agreed = 0;
  bp_sync = 0;
  bp_synced = 0;
  bp_proposing = 0;
  bp_proposed = 0;
  bp_operedge = 0;
  bp_reroot = 0;
  bp_rcvdtc = 0;
  bp_rcvdtcn = 0;
  bp_rcvdtca = 0;
  bp_forward_transitions = 0;
  bp_txcount = 0;
  bp_statetask: task = TASK_INIT(bstp_notify_state, this);
  bp_rtagetask: task = TASK_INIT(bstp_notify_rtage, this);
  bp_mediatask: task = TASK_INIT(bstp_ifupdstatus, this);
}

/** struct timeval (kern_time.ts). */
export type { timeval };

/** The spanning tree state of one bridge. */
export class bstp_state {
  bs_running = 0;
  readonly bs_bridge_pv = new bstp_pri_vector();
  readonly bs_root_pv = new bstp_pri_vector();
  bs_root_port: bstp_port | null = null;
  bs_protover = 0;
  bs_migration_delay = 0;
  bs_edge_delay = 0;
  bs_bridge_max_age = 0;
  bs_bridge_fdelay = 0;
  bs_bridge_htime = 0;
  bs_root_msg_age = 0;
  bs_root_max_age = 0;
  bs_root_fdelay = 0;
  bs_root_htime = 0;
  bs_hold_time = 0;
  bs_bridge_priority = 0;
  bs_txholdcount = 0;
  bs_allsynced = 0;
  readonly bs_bstpcallout = new callout(); /* STP callout */
  readonly bs_link_timer = new bstp_timer();
  readonly bs_last_tc_time: timeval = { tv_sec: 0, tv_usec: 0 };
  /** LIST_HEAD(, bstp_port): LIST_INSERT_HEAD puts new ports first. */
  bs_bplist: bstp_port[] = [];
  bs_state_cb: bstp_state_cb_t | null = null;
  bs_rtage_cb: bstp_rtage_cb_t | null = null;
  bs_vnet: vnet | null = null;
}

/** The group address BPDUs are sent to, 01:80:c2:00:00:00. */
export const bstp_etheraddr: Uint8Array = new Uint8Array([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00]);

// ---------------------------------------------------------------------------
// bridgestp.c

/** Set to trace the state machines on the console, as a kernel built with
 *  BRIDGESTP_DEBUG does. */
const BRIDGESTP_DEBUG = false;
function DPRINTF(s: string): void {
  if (BRIDGESTP_DEBUG) printf("bstp: " + s);
}

const INFO_BETTER = 1;
const INFO_SAME = 0;
const INFO_WORSE = -1;

/** bstp_list: every bridge's STP state (the module's list). */
export const bstp_list: bstp_state[] = [];

/** The interface of a port created by bstp_create. */
function bp_ifp(bp: bstp_port): ifnet {
  const ifp = bp.bp_ifp;
  if (ifp === null) panic("bstp: port without an interface");
  return ifp;
}
function bp_bs(bp: bstp_port): bstp_state {
  const bs = bp.bp_bs;
  if (bs === null) panic("bstp: port without a bridge");
  return bs;
}

/** Structure assignment of a priority vector. */
function pv_copy(dst: bstp_pri_vector, src: bstp_pri_vector): void {
  dst.pv_root_id = src.pv_root_id;
  dst.pv_cost = src.pv_cost;
  dst.pv_dbridge_id = src.pv_dbridge_id;
  dst.pv_dport_id = src.pv_dport_id;
  dst.pv_port_id = src.pv_port_id;
}

/** PV2ADDR: the 48-bit address part of a bridge identifier. */
function PV2ADDR(pv: bigint, eaddr: Uint8Array): void {
  eaddr[0] = Number((pv >> 40n) & 0xffn);
  eaddr[1] = Number((pv >> 32n) & 0xffn);
  eaddr[2] = Number((pv >> 24n) & 0xffn);
  eaddr[3] = Number((pv >> 16n) & 0xffn);
  eaddr[4] = Number((pv >> 8n) & 0xffn);
  eaddr[5] = Number(pv & 0xffn);
}

/** A bridge identifier from its priority and address. */
function bstp_mkid(pri: number, a: Uint8Array): bigint {
  return (
    (BigInt(pri & 0xffff) << 48n) |
    (BigInt(a[0]) << 40n) |
    (BigInt(a[1]) << 32n) |
    (BigInt(a[2]) << 24n) |
    (BigInt(a[3]) << 16n) |
    (BigInt(a[4]) << 8n) |
    BigInt(a[5])
  );
}

function bstp_transmit(bs: bstp_state, bp: bstp_port): void {
  if (bs.bs_running === 0) return;

  // A BPDU goes out only while the hello timer runs and the hold count
  // leaves room.
  if (bp.bp_hello_timer.active === 0) {
    // Perhaps it has to be restarted.
    bstp_hello_timer_expiry(bs, bp);
    return;
  }
  if (bp.bp_txcount > bs.bs_txholdcount) return; // out of transmissions this second

  if (bp.bp_protover === BSTP_PROTO_RSTP) {
    bstp_transmit_bpdu(bs, bp);
    bp.bp_tc_ack = 0;
  } else {
    switch (bp.bp_role) {
      case BSTP_ROLE_DESIGNATED:
        bstp_transmit_bpdu(bs, bp);
        bp.bp_tc_ack = 0;
        break;
      case BSTP_ROLE_ROOT:
        bstp_transmit_tcn(bs, bp);
        break;
    }
  }
  bstp_timer_start(bp.bp_hello_timer, bp.bp_desg_htime);
  bp.bp_flags &= ~BSTP_PORT_NEWINFO;
}

/** The BPDU being built for sending (bstp_transmit_bpdu's local). */
const tx_bpdu = new bstp_cbpdu();

function bstp_transmit_bpdu(bs: bstp_state, bp: bstp_port): void {
  const bpdu = tx_bpdu;

  bpdu.cbu_rootpri = Number((bp.bp_desg_pv.pv_root_id >> 48n) & 0xffffn);
  PV2ADDR(bp.bp_desg_pv.pv_root_id, bpdu.cbu_rootaddr);
  bpdu.cbu_rootpathcost = bp.bp_desg_pv.pv_cost >>> 0;
  bpdu.cbu_bridgepri = Number((bp.bp_desg_pv.pv_dbridge_id >> 48n) & 0xffffn);
  PV2ADDR(bp.bp_desg_pv.pv_dbridge_id, bpdu.cbu_bridgeaddr);

  bpdu.cbu_portid = bp.bp_port_id;
  bpdu.cbu_messageage = bp.bp_desg_msg_age;
  bpdu.cbu_maxage = bp.bp_desg_max_age;
  bpdu.cbu_hellotime = bp.bp_desg_htime;
  bpdu.cbu_forwarddelay = bp.bp_desg_fdelay;

  bpdu.cbu_flags = bstp_pdu_flags(bp);

  switch (bp.bp_protover) {
    case BSTP_PROTO_STP:
      bpdu.cbu_bpdutype = BSTP_MSGTYPE_CFG;
      break;
    case BSTP_PROTO_RSTP:
      bpdu.cbu_bpdutype = BSTP_MSGTYPE_RSTP;
      break;
  }

  bstp_send_bpdu(bs, bp, bpdu);
}

function bstp_transmit_tcn(bs: bstp_state, bp: bstp_port): void {
  const ifp = bp_ifp(bp);

  KASSERT(bp === bs.bs_root_port, "bstp_transmit_tcn: bad root port");

  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return;

  const m = m_gethdr(0, MT_DATA);
  if (m === null) return;

  m.m_pkthdr.rcvif = ifp;
  m.m_pkthdr.len = ETHER_HDR_LEN + BSTP_TBPDU_LEN;
  m.m_len = m.m_pkthdr.len;

  const b = m.m_buf;
  const dv = m.m_dv;
  const eh = m.m_data;
  const lla = IF_LLADDR(ifp);
  for (let i = 0; i < ETHER_ADDR_LEN; i++) b[eh + ether_shost + i] = lla[i];
  b.set(bstp_etheraddr, eh + ether_dhost);
  dv.setUint16(eh + ether_type, BSTP_TBPDU_LEN);

  const p = eh + ETHER_HDR_LEN;
  b[p + cbu_dsap] = LLC_8021D_LSAP;
  b[p + cbu_ssap] = LLC_8021D_LSAP;
  b[p + cbu_ctl] = LLC_UI;
  dv.setUint16(p + cbu_protoid, 0);
  b[p + cbu_protover] = 0;
  b[p + cbu_bpdutype] = BSTP_MSGTYPE_TCN;

  bp.bp_txcount++;
  ifp.if_transmit(ifp, m);
}

/** bstp_decode_bpdu: the wire BPDU into the port's message unit. */
export function bstp_decode_bpdu(bp: bstp_port, cpdu: bstp_cbpdu, cu: bstp_config_unit): void {
  cu.cu_pv.pv_root_id = bstp_mkid(cpdu.cbu_rootpri, cpdu.cbu_rootaddr);
  cu.cu_pv.pv_dbridge_id = bstp_mkid(cpdu.cbu_bridgepri, cpdu.cbu_bridgeaddr);
  cu.cu_pv.pv_cost = cpdu.cbu_rootpathcost;
  cu.cu_message_age = cpdu.cbu_messageage;
  cu.cu_max_age = cpdu.cbu_maxage;
  cu.cu_hello_time = cpdu.cbu_hellotime;
  cu.cu_forward_delay = cpdu.cbu_forwarddelay;
  cu.cu_pv.pv_dport_id = cpdu.cbu_portid;
  cu.cu_pv.pv_port_id = bp.bp_port_id;
  cu.cu_message_type = cpdu.cbu_bpdutype;

  // Legacy STP carries only TC and TCA.
  let flags = cpdu.cbu_flags;
  switch (cpdu.cbu_protover) {
    case BSTP_PROTO_STP:
      flags &= BSTP_PDU_STPMASK;
      // A configuration BPDU always comes from a designated port.
      cu.cu_role = BSTP_ROLE_DESIGNATED;
      break;
    case BSTP_PROTO_RSTP:
      flags &= BSTP_PDU_RSTPMASK;
      break;
  }

  cu.cu_topology_change_ack = flags & BSTP_PDU_F_TCA ? 1 : 0;
  cu.cu_proposal = flags & BSTP_PDU_F_P ? 1 : 0;
  cu.cu_agree = flags & BSTP_PDU_F_A ? 1 : 0;
  cu.cu_learning = flags & BSTP_PDU_F_L ? 1 : 0;
  cu.cu_forwarding = flags & BSTP_PDU_F_F ? 1 : 0;
  cu.cu_topology_change = flags & BSTP_PDU_F_TC ? 1 : 0;

  // An unknown role (00) leaves cu_role as it was.
  switch ((flags & BSTP_PDU_PRMASK) >> BSTP_PDU_PRSHIFT) {
    case BSTP_PDU_F_ROOT:
      cu.cu_role = BSTP_ROLE_ROOT;
      break;
    case BSTP_PDU_F_ALT:
      cu.cu_role = BSTP_ROLE_ALTERNATE;
      break;
    case BSTP_PDU_F_DESG:
      cu.cu_role = BSTP_ROLE_DESIGNATED;
      break;
  }
}

/** bstp_send_bpdu: an 802.3 frame with LLC 42/42/03 to 01:80:c2:00:00:00. */
function bstp_send_bpdu(_bs: bstp_state, bp: bstp_port, bpdu: bstp_cbpdu): void {
  const ifp = bp_ifp(bp);

  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return;

  const m = m_gethdr(0, MT_DATA);
  if (m === null) return;

  const b = m.m_buf;
  const dv = m.m_dv;
  const eh = m.m_data;

  bpdu.cbu_ssap = bpdu.cbu_dsap = LLC_8021D_LSAP;
  bpdu.cbu_ctl = LLC_UI;
  bpdu.cbu_protoid = BSTP_PROTO_ID;

  const lla = IF_LLADDR(ifp);
  for (let i = 0; i < ETHER_ADDR_LEN; i++) b[eh + ether_shost + i] = lla[i];
  b.set(bstp_etheraddr, eh + ether_dhost);

  switch (bpdu.cbu_bpdutype) {
    case BSTP_MSGTYPE_CFG:
      bpdu.cbu_protover = BSTP_PROTO_STP;
      m.m_pkthdr.len = ETHER_HDR_LEN + BSTP_BPDU_STP_LEN;
      dv.setUint16(eh + ether_type, BSTP_BPDU_STP_LEN);
      bstp_cbpdu_write(dv, eh + ETHER_HDR_LEN, bpdu, BSTP_BPDU_STP_LEN);
      break;
    case BSTP_MSGTYPE_RSTP:
      bpdu.cbu_protover = BSTP_PROTO_RSTP;
      bpdu.cbu_versionlen = 0;
      m.m_pkthdr.len = ETHER_HDR_LEN + BSTP_BPDU_RSTP_LEN;
      dv.setUint16(eh + ether_type, BSTP_BPDU_RSTP_LEN);
      bstp_cbpdu_write(dv, eh + ETHER_HDR_LEN, bpdu, BSTP_BPDU_RSTP_LEN);
      break;
    default:
      panic("not implemented");
  }
  m.m_pkthdr.rcvif = ifp;
  m.m_len = m.m_pkthdr.len;

  bp.bp_txcount++;
  ifp.if_transmit(ifp, m);
}

function bstp_pdu_flags(bp: bstp_port): number {
  let flags = 0;

  if (bp.bp_proposing && bp.bp_state !== BSTP_IFSTATE_FORWARDING) flags |= BSTP_PDU_F_P;
  if (bp.bp_agree) flags |= BSTP_PDU_F_A;
  if (bp.bp_tc_timer.active) flags |= BSTP_PDU_F_TC;
  if (bp.bp_tc_ack) flags |= BSTP_PDU_F_TCA;

  switch (bp.bp_state) {
    case BSTP_IFSTATE_LEARNING:
      flags |= BSTP_PDU_F_L;
      break;
    case BSTP_IFSTATE_FORWARDING:
      flags |= BSTP_PDU_F_L | BSTP_PDU_F_F;
      break;
  }

  switch (bp.bp_role) {
    case BSTP_ROLE_ROOT:
      flags |= BSTP_PDU_F_ROOT << BSTP_PDU_PRSHIFT;
      break;
    case BSTP_ROLE_ALTERNATE:
    case BSTP_ROLE_BACKUP:
      flags |= BSTP_PDU_F_ALT << BSTP_PDU_PRSHIFT;
      break;
    case BSTP_ROLE_DESIGNATED:
      flags |= BSTP_PDU_F_DESG << BSTP_PDU_PRSHIFT;
      break;
  }

  // Each protocol sends only the flags it defines.
  switch (bp.bp_protover) {
    case BSTP_PROTO_STP:
      flags &= BSTP_PDU_STPMASK;
      break;
    case BSTP_PROTO_RSTP:
      flags &= BSTP_PDU_RSTPMASK;
      break;
  }
  return flags;
}

// bstp_input's locals (it does not recurse: what it sends is queued).
const rx_tpdu = new bstp_tbpdu();
const rx_cpdu = new bstp_cbpdu();
const rx_tu = new bstp_tcn_unit();

/**
 * bstp_input: a frame to bstp_etheraddr from a member with STP on.  It
 * always consumes the mbuf.  A frame that is not a BPDU this port can use is
 * dropped without a word or a counter, as FreeBSD does: too short for its
 * 802.3 length, a length below the common head, LLC other than 42/42/03, a
 * protocol identifier other than 0, a version change before the migration
 * delay has passed, a type that does not belong to the version, or a
 * configuration/RST BPDU shorter than its fixed size; and a configuration
 * whose times are out of range (message age not below max age, max age,
 * forward delay or hello time outside what bstp_set_* accept).
 */
export function bstp_input(bp: bstp_port, _ifp: ifnet, m0: mbuf): void {
  let m: mbuf | null = m0;

  if (bp.bp_active === 0) {
    m_freem(m);
    return;
  }
  const bs = bp_bs(bp);

  const tpdu = rx_tpdu;
  out: {
    // if_bridge hands over at least an Ethernet header (bridge_input).
    const len = m.m_dv.getUint16(m.m_data + ether_type);
    if (len < BSTP_TBPDU_LEN) break out;

    m_adj(m, ETHER_HDR_LEN);

    if (m.m_pkthdr.len > len) m_adj(m, len - m.m_pkthdr.len);
    if (m.m_len < BSTP_TBPDU_LEN && (m = m_pullup(m, BSTP_TBPDU_LEN)) === null) break out;

    bstp_tbpdu_read(m.m_dv, m.m_data, tpdu);

    // basic packet checks
    if (tpdu.tbu_dsap !== LLC_8021D_LSAP || tpdu.tbu_ssap !== LLC_8021D_LSAP || tpdu.tbu_ctl !== LLC_UI) break out;
    if (tpdu.tbu_protoid !== BSTP_PROTO_ID) break out;

    // Later versions are read as the highest one known; what they add is
    // ignored.
    if (tpdu.tbu_protover > BSTP_PROTO_MAX) tpdu.tbu_protover = BSTP_PROTO_MAX;

    if (tpdu.tbu_protover !== bp.bp_protover) {
      // Change protocol only once the migration delay has passed, so two
      // bridges do not flip each other back and forth.
      if (bp.bp_flags & BSTP_PORT_CANMIGRATE) bstp_set_port_proto(bp, tpdu.tbu_protover);
      else break out;
    }

    // A BPDU heard here means the port is not an edge.
    bp.bp_operedge = 0;
    bstp_timer_start(bp.bp_edge_delay_timer, BSTP_DEFAULT_MIGRATE_DELAY);

    switch (tpdu.tbu_protover) {
      case BSTP_PROTO_STP:
        m = bstp_received_stp(bs, bp, m, tpdu);
        break;
      case BSTP_PROTO_RSTP:
        m = bstp_received_rstp(bs, bp, m, tpdu);
        break;
    }
  }
  if (m !== null) m_freem(m);
}

/** Returns the mbuf, or null when m_pullup has freed it. */
function bstp_received_stp(bs: bstp_state, bp: bstp_port, m: mbuf, tpdu: bstp_tbpdu): mbuf | null {
  const cu = bp.bp_msg_cu;

  switch (tpdu.tbu_bpdutype) {
    case BSTP_MSGTYPE_TCN:
      rx_tu.tu_message_type = tpdu.tbu_bpdutype;
      bstp_received_tcn(bs, bp, rx_tu);
      break;
    case BSTP_MSGTYPE_CFG: {
      let n: mbuf | null = m;
      if (n.m_len < BSTP_BPDU_STP_LEN && (n = m_pullup(n, BSTP_BPDU_STP_LEN)) === null) return null;
      bstp_cbpdu_read(n.m_dv, n.m_data, rx_cpdu, BSTP_BPDU_STP_LEN);

      bstp_decode_bpdu(bp, rx_cpdu, cu);
      bstp_received_bpdu(bs, bp, cu);
      return n;
    }
  }
  return m;
}

function bstp_received_rstp(bs: bstp_state, bp: bstp_port, m: mbuf, tpdu: bstp_tbpdu): mbuf | null {
  const cu = bp.bp_msg_cu;

  if (tpdu.tbu_bpdutype !== BSTP_MSGTYPE_RSTP) return m;

  let n: mbuf | null = m;
  if (n.m_len < BSTP_BPDU_RSTP_LEN && (n = m_pullup(n, BSTP_BPDU_RSTP_LEN)) === null) return null;
  bstp_cbpdu_read(n.m_dv, n.m_data, rx_cpdu, BSTP_BPDU_RSTP_LEN);

  bstp_decode_bpdu(bp, rx_cpdu, cu);
  bstp_received_bpdu(bs, bp, cu);
  return n;
}

function bstp_received_tcn(_bs: bstp_state, bp: bstp_port, _tcn: bstp_tcn_unit): void {
  bp.bp_rcvdtcn = 1;
  bstp_update_tc(bp);
}

function bstp_received_bpdu(bs: bstp_state, bp: bstp_port, cu: bstp_config_unit): void {
  // Nothing is taken in before the port has its own information.
  switch (bp.bp_infois) {
    case BSTP_INFO_DISABLED:
    case BSTP_INFO_AGED:
      return;
  }

  // Times out of the ranges a bridge may be configured with: ignored.
  if (cu.cu_message_age >= cu.cu_max_age) return;
  if (cu.cu_max_age < BSTP_MIN_MAX_AGE || cu.cu_max_age > BSTP_MAX_MAX_AGE) return;
  if (cu.cu_forward_delay < BSTP_MIN_FORWARD_DELAY || cu.cu_forward_delay > BSTP_MAX_FORWARD_DELAY) return;
  if (cu.cu_hello_time < BSTP_MIN_HELLO_TIME || cu.cu_hello_time > BSTP_MAX_HELLO_TIME) return;

  const type = bstp_pdu_rcvtype(bp, cu);

  switch (type) {
    case BSTP_PDU_SUPERIOR:
      bs.bs_allsynced = 0;
      bp.bp_agreed = 0;
      bp.bp_proposing = 0;

      if (cu.cu_proposal && cu.cu_forwarding === 0) bp.bp_proposed = 1;
      if (cu.cu_topology_change) bp.bp_rcvdtc = 1;
      if (cu.cu_topology_change_ack) bp.bp_rcvdtca = 1;

      if (bp.bp_agree && !bstp_pdu_bettersame(bp, BSTP_INFO_RECEIVED)) bp.bp_agree = 0;

      // The port takes the message's priority and times.
      pv_copy(bp.bp_port_pv, cu.cu_pv);
      bp.bp_port_msg_age = cu.cu_message_age;
      bp.bp_port_max_age = cu.cu_max_age;
      bp.bp_port_fdelay = cu.cu_forward_delay;
      bp.bp_port_htime = cu.cu_hello_time > BSTP_MIN_HELLO_TIME ? cu.cu_hello_time : BSTP_MIN_HELLO_TIME;

      // and when it expires
      bstp_set_timer_msgage(bp);

      bp.bp_infois = BSTP_INFO_RECEIVED;
      bstp_assign_roles(bs);
      break;

    case BSTP_PDU_REPEATED:
      if (cu.cu_proposal && cu.cu_forwarding === 0) bp.bp_proposed = 1;
      if (cu.cu_topology_change) bp.bp_rcvdtc = 1;
      if (cu.cu_topology_change_ack) bp.bp_rcvdtca = 1;

      // the same information again: it lives longer
      bstp_set_timer_msgage(bp);
      break;

    case BSTP_PDU_INFERIOR:
      if (cu.cu_learning) {
        bp.bp_agreed = 1;
        bp.bp_proposing = 0;
      }
      break;

    case BSTP_PDU_INFERIORALT:
      // Rapid transitions are for point to point links only.
      if (cu.cu_agree && bp.bp_ptp_link) {
        bp.bp_agreed = 1;
        bp.bp_proposing = 0;
      } else bp.bp_agreed = 0;

      if (cu.cu_topology_change) bp.bp_rcvdtc = 1;
      if (cu.cu_topology_change_ack) bp.bp_rcvdtca = 1;
      break;

    case BSTP_PDU_OTHER:
      return;
  }
  // Run the state machines on what changed.
  bstp_update_state(bs, bp);
}

function bstp_pdu_rcvtype(bp: bstp_port, cu: bstp_config_unit): number {
  let type = BSTP_PDU_OTHER;

  switch (cu.cu_role) {
    case BSTP_ROLE_DESIGNATED:
      if (bstp_info_superior(bp.bp_port_pv, cu.cu_pv)) type = BSTP_PDU_SUPERIOR;
      else if (bstp_info_cmp(bp.bp_port_pv, cu.cu_pv) === INFO_SAME) {
        if (
          bp.bp_port_msg_age !== cu.cu_message_age ||
          bp.bp_port_max_age !== cu.cu_max_age ||
          bp.bp_port_fdelay !== cu.cu_forward_delay ||
          bp.bp_port_htime !== cu.cu_hello_time
        )
          // same priority, other times
          type = BSTP_PDU_SUPERIOR;
        else type = BSTP_PDU_REPEATED;
      } else type = BSTP_PDU_INFERIOR;
      break;

    case BSTP_ROLE_ROOT:
    case BSTP_ROLE_ALTERNATE:
    case BSTP_ROLE_BACKUP:
      // From a port that is not designated, with the same or a worse
      // priority.
      if (bstp_info_cmp(bp.bp_port_pv, cu.cu_pv) <= INFO_SAME) type = BSTP_PDU_INFERIORALT;
      break;
  }

  return type;
}

function bstp_pdu_bettersame(bp: bstp_port, newinfo: number): number {
  if (newinfo === BSTP_INFO_RECEIVED && bp.bp_infois === BSTP_INFO_RECEIVED && bstp_info_cmp(bp.bp_port_pv, bp.bp_msg_cu.cu_pv) >= INFO_SAME) return 1;

  if (newinfo === BSTP_INFO_MINE && bp.bp_infois === BSTP_INFO_MINE && bstp_info_cmp(bp.bp_port_pv, bp.bp_desg_pv) >= INFO_SAME) return 1;

  return 0;
}

/** How cpv compares with pv: INFO_BETTER when cpv is the better one. */
export function bstp_info_cmp(pv: bstp_pri_vector, cpv: bstp_pri_vector): number {
  if (cpv.pv_root_id < pv.pv_root_id) return INFO_BETTER;
  if (cpv.pv_root_id > pv.pv_root_id) return INFO_WORSE;

  if (cpv.pv_cost < pv.pv_cost) return INFO_BETTER;
  if (cpv.pv_cost > pv.pv_cost) return INFO_WORSE;

  if (cpv.pv_dbridge_id < pv.pv_dbridge_id) return INFO_BETTER;
  if (cpv.pv_dbridge_id > pv.pv_dbridge_id) return INFO_WORSE;

  if (cpv.pv_dport_id < pv.pv_dport_id) return INFO_BETTER;
  if (cpv.pv_dport_id > pv.pv_dport_id) return INFO_WORSE;

  return INFO_SAME;
}

/*
 * A message priority vector replaces the port's when it is better, or when
 * it comes from the same designated bridge and port as the one the port
 * holds (that bridge may have changed its mind for the worse).
 */
function bstp_info_superior(pv: bstp_pri_vector, cpv: bstp_pri_vector): number {
  if (bstp_info_cmp(pv, cpv) === INFO_BETTER || (bstp_same_bridgeid(pv.pv_dbridge_id, cpv.pv_dbridge_id) && (cpv.pv_dport_id & 0xfff) === (pv.pv_dport_id & 0xfff))) return 1;
  return 0;
}

// bstp_assign_roles' local priority vector.
const ar_pv = new bstp_pri_vector();

function bstp_assign_roles(bs: bstp_state): void {
  let rbp: bstp_port | null = null;
  const pv = ar_pv;

  // Start from this bridge as the root.
  pv_copy(bs.bs_root_pv, bs.bs_bridge_pv);
  bs.bs_root_msg_age = 0;
  bs.bs_root_max_age = bs.bs_bridge_max_age;
  bs.bs_root_fdelay = bs.bs_bridge_fdelay;
  bs.bs_root_htime = bs.bs_bridge_htime;
  bs.bs_root_port = null;

  // Does a port know a better root?
  for (const bp of bs.bs_bplist) {
    if (bp.bp_infois !== BSTP_INFO_RECEIVED) continue;

    pv_copy(pv, bp.bp_port_pv);
    pv.pv_cost = (pv.pv_cost + bp.bp_path_cost) >>> 0; /* uint32_t */

    // The root priority vector is the best of ours and of the root path
    // vectors heard from other bridges (never from ourselves via a loop).
    if (bstp_same_bridgeid(pv.pv_dbridge_id, bs.bs_bridge_pv.pv_dbridge_id) === 0 && bstp_info_cmp(bs.bs_root_pv, pv) === INFO_BETTER) {
      pv_copy(bs.bs_root_pv, pv);
      bs.bs_root_msg_age = bp.bp_port_msg_age + BSTP_MESSAGE_AGE_INCR;
      bs.bs_root_max_age = bp.bp_port_max_age;
      bs.bs_root_fdelay = bp.bp_port_fdelay;
      bs.bs_root_htime = bp.bp_port_htime;
      rbp = bp;
    }
  }

  for (const bp of bs.bs_bplist) {
    // the port's designated priority vector
    bp.bp_desg_pv.pv_root_id = bs.bs_root_pv.pv_root_id;
    bp.bp_desg_pv.pv_cost = bs.bs_root_pv.pv_cost;
    bp.bp_desg_pv.pv_dbridge_id = bs.bs_bridge_pv.pv_dbridge_id;
    bp.bp_desg_pv.pv_dport_id = bp.bp_port_id;
    bp.bp_desg_pv.pv_port_id = bp.bp_port_id;

    // and designated times
    bp.bp_desg_msg_age = bs.bs_root_msg_age;
    bp.bp_desg_max_age = bs.bs_root_max_age;
    bp.bp_desg_fdelay = bs.bs_root_fdelay;
    bp.bp_desg_htime = bs.bs_bridge_htime;

    switch (bp.bp_infois) {
      case BSTP_INFO_DISABLED:
        bstp_set_port_role(bp, BSTP_ROLE_DISABLED);
        break;

      case BSTP_INFO_AGED:
        bstp_set_port_role(bp, BSTP_ROLE_DESIGNATED);
        bstp_update_info(bp);
        break;

      case BSTP_INFO_MINE:
        bstp_set_port_role(bp, BSTP_ROLE_DESIGNATED);
        // refresh what the port sends if it is out of date
        if (
          bstp_info_cmp(bp.bp_port_pv, bp.bp_desg_pv) !== INFO_SAME ||
          (rbp !== null &&
            (bp.bp_port_msg_age !== rbp.bp_port_msg_age ||
              bp.bp_port_max_age !== rbp.bp_port_max_age ||
              bp.bp_port_fdelay !== rbp.bp_port_fdelay ||
              bp.bp_port_htime !== rbp.bp_port_htime))
        )
          bstp_update_info(bp);
        break;

      case BSTP_INFO_RECEIVED:
        if (bp === rbp) {
          // The root priority came in here: the root port.
          bstp_set_port_role(bp, BSTP_ROLE_ROOT);
          bs.bs_root_port = bp;
        } else if (bstp_info_cmp(bp.bp_port_pv, bp.bp_desg_pv) === INFO_BETTER) {
          // We offer this segment a better path than what it has heard.
          bstp_set_port_role(bp, BSTP_ROLE_DESIGNATED);
          bstp_update_info(bp);
        } else {
          if (bstp_same_bridgeid(bp.bp_port_pv.pv_dbridge_id, bs.bs_bridge_pv.pv_dbridge_id)) {
            // Another port of this bridge is designated on the segment.
            bstp_set_port_role(bp, BSTP_ROLE_BACKUP);
          } else {
            // Another bridge offers a path to the root, not the best one.
            bstp_set_port_role(bp, BSTP_ROLE_ALTERNATE);
          }
        }
        break;
    }
  }
}

function bstp_update_state(bs: bstp_state, bp: bstp_port): void {
  // Are all the ports in sync again?
  if (!bs.bs_allsynced) {
    let synced = 1;
    for (const bp2 of bs.bs_bplist) {
      if (!(bp2.bp_synced || bp2.bp_role === BSTP_ROLE_ROOT)) {
        synced = 0;
        break;
      }
    }
    bs.bs_allsynced = synced;
  }

  bstp_update_roles(bs, bp);
  bstp_update_tc(bp);
}

function bstp_update_roles(bs: bstp_state, bp: bstp_port): void {
  const ifp = bp_ifp(bp);
  switch (bp.bp_role) {
    case BSTP_ROLE_DISABLED:
      if (bp.bp_sync || !bp.bp_synced || bp.bp_reroot) {
        bp.bp_sync = 0;
        bp.bp_synced = 1;
        bp.bp_reroot = 0;
      }
      break;

    case BSTP_ROLE_ALTERNATE:
    case BSTP_ROLE_BACKUP:
      if ((bs.bs_allsynced && !bp.bp_agree) || (bp.bp_proposed && bp.bp_agree)) {
        bp.bp_proposed = 0;
        bp.bp_agree = 1;
        bp.bp_flags |= BSTP_PORT_NEWINFO;
        DPRINTF(`${ifp.if_xname} -> ALTERNATE_AGREED\n`);
      }

      if (bp.bp_proposed && !bp.bp_agree) {
        bstp_set_all_sync(bs);
        bp.bp_proposed = 0;
        DPRINTF(`${ifp.if_xname} -> ALTERNATE_PROPOSED\n`);
      }

      if (bp.bp_sync || !bp.bp_synced || bp.bp_reroot) {
        bp.bp_sync = 0;
        bp.bp_synced = 1;
        bp.bp_reroot = 0;
        DPRINTF(`${ifp.if_xname} -> ALTERNATE_PORT\n`);
      }
      break;

    case BSTP_ROLE_ROOT:
      if (bp.bp_state !== BSTP_IFSTATE_FORWARDING && !bp.bp_reroot) {
        bstp_set_all_reroot(bs);
        DPRINTF(`${ifp.if_xname} -> ROOT_REROOT\n`);
      }

      if ((bs.bs_allsynced && !bp.bp_agree) || (bp.bp_proposed && bp.bp_agree)) {
        bp.bp_proposed = 0;
        bp.bp_sync = 0;
        bp.bp_agree = 1;
        bp.bp_flags |= BSTP_PORT_NEWINFO;
        DPRINTF(`${ifp.if_xname} -> ROOT_AGREED\n`);
      }

      if (bp.bp_proposed && !bp.bp_agree) {
        bstp_set_all_sync(bs);
        bp.bp_proposed = 0;
        DPRINTF(`${ifp.if_xname} -> ROOT_PROPOSED\n`);
      }

      if (
        bp.bp_state !== BSTP_IFSTATE_FORWARDING &&
        (bp.bp_forward_delay_timer.active === 0 || (bstp_rerooted(bs, bp) && bp.bp_recent_backup_timer.active === 0 && bp.bp_protover === BSTP_PROTO_RSTP))
      ) {
        switch (bp.bp_state) {
          case BSTP_IFSTATE_DISCARDING:
            bstp_set_port_state(bp, BSTP_IFSTATE_LEARNING);
            break;
          case BSTP_IFSTATE_LEARNING:
            bstp_set_port_state(bp, BSTP_IFSTATE_FORWARDING);
            break;
        }
      }

      if (bp.bp_state === BSTP_IFSTATE_FORWARDING && bp.bp_reroot) {
        bp.bp_reroot = 0;
        DPRINTF(`${ifp.if_xname} -> ROOT_REROOTED\n`);
      }
      break;

    case BSTP_ROLE_DESIGNATED:
      if (bp.bp_recent_root_timer.active === 0 && bp.bp_reroot) {
        bp.bp_reroot = 0;
        DPRINTF(`${ifp.if_xname} -> DESIGNATED_RETIRED\n`);
      }

      if (
        (bp.bp_state === BSTP_IFSTATE_DISCARDING && !bp.bp_synced) ||
        (bp.bp_agreed && !bp.bp_synced) ||
        (bp.bp_operedge && !bp.bp_synced) ||
        (bp.bp_sync && bp.bp_synced)
      ) {
        bstp_timer_stop(bp.bp_recent_root_timer);
        bp.bp_synced = 1;
        bp.bp_sync = 0;
        DPRINTF(`${ifp.if_xname} -> DESIGNATED_SYNCED\n`);
      }

      if (bp.bp_state !== BSTP_IFSTATE_FORWARDING && !bp.bp_agreed && !bp.bp_proposing && !bp.bp_operedge) {
        bp.bp_proposing = 1;
        bp.bp_flags |= BSTP_PORT_NEWINFO;
        bstp_timer_start(bp.bp_edge_delay_timer, bp.bp_ptp_link ? BSTP_DEFAULT_MIGRATE_DELAY : bp.bp_desg_max_age);
        DPRINTF(`${ifp.if_xname} -> DESIGNATED_PROPOSE\n`);
      }

      if (
        bp.bp_state !== BSTP_IFSTATE_FORWARDING &&
        (bp.bp_forward_delay_timer.active === 0 || bp.bp_agreed || bp.bp_operedge) &&
        (bp.bp_recent_root_timer.active === 0 || !bp.bp_reroot) &&
        !bp.bp_sync
      ) {
        if (bp.bp_agreed) DPRINTF(`${ifp.if_xname} -> AGREED\n`);
        // Agreed or edge: forward at once; otherwise one step at a time,
        // discarding, learning, forwarding.
        if (bp.bp_agreed || bp.bp_operedge || bp.bp_state === BSTP_IFSTATE_LEARNING) {
          bstp_set_port_state(bp, BSTP_IFSTATE_FORWARDING);
          bp.bp_agreed = bp.bp_protover;
        } else if (bp.bp_state === BSTP_IFSTATE_DISCARDING) bstp_set_port_state(bp, BSTP_IFSTATE_LEARNING);
      }

      if (
        ((bp.bp_sync && !bp.bp_synced) || (bp.bp_reroot && bp.bp_recent_root_timer.active) || bp.bp_flags & BSTP_PORT_DISPUTED) &&
        !bp.bp_operedge &&
        bp.bp_state !== BSTP_IFSTATE_DISCARDING
      ) {
        bstp_set_port_state(bp, BSTP_IFSTATE_DISCARDING);
        bp.bp_flags &= ~BSTP_PORT_DISPUTED;
        bstp_timer_start(bp.bp_forward_delay_timer, bp.bp_protover === BSTP_PROTO_RSTP ? bp.bp_desg_htime : bp.bp_desg_fdelay);
        DPRINTF(`${ifp.if_xname} -> DESIGNATED_DISCARD\n`);
      }
      break;
  }

  if (bp.bp_flags & BSTP_PORT_NEWINFO) bstp_transmit(bs, bp);
}

function bstp_update_tc(bp: bstp_port): void {
  switch (bp.bp_tcstate) {
    case BSTP_TCSTATE_ACTIVE:
      if ((bp.bp_role !== BSTP_ROLE_DESIGNATED && bp.bp_role !== BSTP_ROLE_ROOT) || bp.bp_operedge) bstp_set_port_tc(bp, BSTP_TCSTATE_LEARNING);

      if (bp.bp_rcvdtcn) bstp_set_port_tc(bp, BSTP_TCSTATE_TCN);
      if (bp.bp_rcvdtc) bstp_set_port_tc(bp, BSTP_TCSTATE_TC);

      if (bp.bp_tc_prop && !bp.bp_operedge) bstp_set_port_tc(bp, BSTP_TCSTATE_PROPAG);

      if (bp.bp_rcvdtca) bstp_set_port_tc(bp, BSTP_TCSTATE_ACK);
      break;

    case BSTP_TCSTATE_INACTIVE:
      if ((bp.bp_state === BSTP_IFSTATE_LEARNING || bp.bp_state === BSTP_IFSTATE_FORWARDING) && bp.bp_fdbflush === 0) bstp_set_port_tc(bp, BSTP_TCSTATE_LEARNING);
      break;

    case BSTP_TCSTATE_LEARNING:
      if (bp.bp_rcvdtc || bp.bp_rcvdtcn || bp.bp_rcvdtca || bp.bp_tc_prop) bstp_set_port_tc(bp, BSTP_TCSTATE_LEARNING);
      else if (bp.bp_role !== BSTP_ROLE_DESIGNATED && bp.bp_role !== BSTP_ROLE_ROOT && bp.bp_state === BSTP_IFSTATE_DISCARDING)
        bstp_set_port_tc(bp, BSTP_TCSTATE_INACTIVE);

      if ((bp.bp_role === BSTP_ROLE_DESIGNATED || bp.bp_role === BSTP_ROLE_ROOT) && bp.bp_state === BSTP_IFSTATE_FORWARDING && !bp.bp_operedge)
        bstp_set_port_tc(bp, BSTP_TCSTATE_DETECTED);
      break;

    // transient states: bstp_set_port_tc moves on to ACTIVE at once
    case BSTP_TCSTATE_DETECTED:
    case BSTP_TCSTATE_TCN:
    case BSTP_TCSTATE_TC:
    case BSTP_TCSTATE_PROPAG:
    case BSTP_TCSTATE_ACK:
      DPRINTF(`Invalid TC state for ${bp_ifp(bp).if_xname}\n`);
      break;
  }
}

function bstp_update_info(bp: bstp_port): void {
  const bs = bp_bs(bp);

  bp.bp_proposing = 0;
  bp.bp_proposed = 0;

  if (bp.bp_agreed && !bstp_pdu_bettersame(bp, BSTP_INFO_MINE)) bp.bp_agreed = 0;

  if (bp.bp_synced && !bp.bp_agreed) {
    bp.bp_synced = 0;
    bs.bs_allsynced = 0;
  }

  // the port now holds its designated vector and times
  pv_copy(bp.bp_port_pv, bp.bp_desg_pv);
  bp.bp_port_msg_age = bp.bp_desg_msg_age;
  bp.bp_port_max_age = bp.bp_desg_max_age;
  bp.bp_port_fdelay = bp.bp_desg_fdelay;
  bp.bp_port_htime = bp.bp_desg_htime;
  bp.bp_infois = BSTP_INFO_MINE;

  // to be sent with the next transmission, not now
  bp.bp_flags |= BSTP_PORT_NEWINFO;
}

/** tcprop on every port but this one. */
function bstp_set_other_tcprop(bp: bstp_port): void {
  const bs = bp_bs(bp);
  for (const bp2 of bs.bs_bplist) {
    if (bp2 === bp) continue;
    bp2.bp_tc_prop = 1;
  }
}

function bstp_set_all_reroot(bs: bstp_state): void {
  for (const bp of bs.bs_bplist) bp.bp_reroot = 1;
}

function bstp_set_all_sync(bs: bstp_state): void {
  for (const bp of bs.bs_bplist) {
    bp.bp_sync = 1;
    bp.bp_synced = 0; // (the standard leaves this implicit)
  }
  bs.bs_allsynced = 0;
}

function bstp_set_port_state(bp: bstp_port, state: number): void {
  if (bp.bp_state === state) return;

  bp.bp_state = state;

  switch (bp.bp_state) {
    case BSTP_IFSTATE_DISCARDING:
      DPRINTF(`state changed to DISCARDING on ${bp_ifp(bp).if_xname}\n`);
      break;

    case BSTP_IFSTATE_LEARNING:
      DPRINTF(`state changed to LEARNING on ${bp_ifp(bp).if_xname}\n`);
      bstp_timer_start(bp.bp_forward_delay_timer, bp.bp_protover === BSTP_PROTO_RSTP ? bp.bp_desg_htime : bp.bp_desg_fdelay);
      break;

    case BSTP_IFSTATE_FORWARDING:
      DPRINTF(`state changed to FORWARDING on ${bp_ifp(bp).if_xname}\n`);
      bstp_timer_stop(bp.bp_forward_delay_timer);
      // counted for BRDGGIFSSTP's ifbp_fwd_trans
      bp.bp_forward_transitions++;
      break;
  }

  // tell the bridge, from a task (the bridge takes its own lock there)
  taskqueue_enqueue(bp.bp_statetask);
}

function bstp_set_port_role(bp: bstp_port, role: number): void {
  const bs = bp_bs(bp);

  if (bp.bp_role === role) return;

  // leaving the old role
  switch (bp.bp_role) {
    case BSTP_ROLE_DISABLED:
      bstp_timer_start(bp.bp_forward_delay_timer, bp.bp_desg_max_age);
      break;

    case BSTP_ROLE_BACKUP:
    case BSTP_ROLE_ALTERNATE:
      if (bp.bp_role === BSTP_ROLE_BACKUP) bstp_timer_start(bp.bp_recent_backup_timer, bp.bp_desg_htime * 2);
      bstp_timer_start(bp.bp_forward_delay_timer, bp.bp_desg_fdelay);
      bp.bp_sync = 0;
      bp.bp_synced = 1;
      bp.bp_reroot = 0;
      break;

    case BSTP_ROLE_ROOT:
      bstp_timer_start(bp.bp_recent_root_timer, BSTP_DEFAULT_FORWARD_DELAY);
      break;
  }

  bp.bp_role = role;
  // what does not carry over from one role to another
  bp.bp_proposing = 0;
  bs.bs_allsynced = 0;

  // entering the new one
  switch (bp.bp_role) {
    case BSTP_ROLE_DISABLED:
    case BSTP_ROLE_ALTERNATE:
    case BSTP_ROLE_BACKUP:
      DPRINTF(`${bp_ifp(bp).if_xname} role -> ALT/BACK/DISABLED\n`);
      bstp_set_port_state(bp, BSTP_IFSTATE_DISCARDING);
      bstp_timer_stop(bp.bp_recent_root_timer);
      bstp_timer_latch(bp.bp_forward_delay_timer);
      bp.bp_sync = 0;
      bp.bp_synced = 1;
      bp.bp_reroot = 0;
      break;

    case BSTP_ROLE_ROOT:
      DPRINTF(`${bp_ifp(bp).if_xname} role -> ROOT\n`);
      bstp_set_port_state(bp, BSTP_IFSTATE_DISCARDING);
      bstp_timer_latch(bp.bp_recent_root_timer);
      bp.bp_proposing = 0;
      break;

    case BSTP_ROLE_DESIGNATED:
      DPRINTF(`${bp_ifp(bp).if_xname} role -> DESIGNATED\n`);
      bstp_timer_start(bp.bp_hello_timer, bp.bp_desg_htime);
      bp.bp_agree = 0;
      break;
  }

  // the topology change machine depends on the role
  bstp_update_tc(bp);
}

function bstp_set_port_proto(bp: bstp_port, proto: number): void {
  const bs = bp_bs(bp);

  switch (proto) {
    case BSTP_PROTO_STP:
      // only ever a step down
      bstp_timer_stop(bp.bp_migrate_delay_timer);
      // legacy STP has no edge ports
      bp.bp_operedge = 0;
      // and a 16-bit path cost
      if (bp.bp_path_cost > 65535) bp.bp_path_cost = 65535;
      break;

    case BSTP_PROTO_RSTP:
      bstp_timer_start(bp.bp_migrate_delay_timer, bs.bs_migration_delay);
      break;

    default:
      DPRINTF(`Unsupported STP version ${proto}\n`);
      return;
  }

  bp.bp_protover = proto;
  bp.bp_flags &= ~BSTP_PORT_CANMIGRATE;
}

function bstp_set_port_tc(bp: bstp_port, state: number): void {
  const bs = bp_bs(bp);
  const name = BRIDGESTP_DEBUG ? bp_ifp(bp).if_xname : "";

  bp.bp_tcstate = state;

  switch (bp.bp_tcstate) {
    case BSTP_TCSTATE_ACTIVE:
      DPRINTF(`${name} -> TC_ACTIVE\n`);
      break;

    case BSTP_TCSTATE_INACTIVE:
      bstp_timer_stop(bp.bp_tc_timer);
      // the bridge flushes what it learnt on this port
      bp.bp_fdbflush = 1;
      taskqueue_enqueue(bp.bp_rtagetask);
      bp.bp_tc_ack = 0;
      DPRINTF(`${name} -> TC_INACTIVE\n`);
      break;

    case BSTP_TCSTATE_LEARNING:
      bp.bp_rcvdtc = 0;
      bp.bp_rcvdtcn = 0;
      bp.bp_rcvdtca = 0;
      bp.bp_tc_prop = 0;
      DPRINTF(`${name} -> TC_LEARNING\n`);
      break;

    case BSTP_TCSTATE_DETECTED:
      bstp_set_timer_tc(bp);
      bstp_set_other_tcprop(bp);
      // announce it
      bp.bp_flags |= BSTP_PORT_NEWINFO;
      bstp_transmit(bs, bp);
      {
        const [sec, usec] = microtime();
        bs.bs_last_tc_time.tv_sec = sec;
        bs.bs_last_tc_time.tv_usec = usec;
      }
      DPRINTF(`${name} -> TC_DETECTED\n`);
      bp.bp_tcstate = BSTP_TCSTATE_ACTIVE; /* UCT */
      break;

    case BSTP_TCSTATE_TCN:
    case BSTP_TCSTATE_TC:
      if (bp.bp_tcstate === BSTP_TCSTATE_TCN) {
        bstp_set_timer_tc(bp);
        DPRINTF(`${name} -> TC_TCN\n`);
      }
      bp.bp_rcvdtc = 0;
      bp.bp_rcvdtcn = 0;
      if (bp.bp_role === BSTP_ROLE_DESIGNATED) bp.bp_tc_ack = 1;

      bstp_set_other_tcprop(bp);
      DPRINTF(`${name} -> TC_TC\n`);
      bp.bp_tcstate = BSTP_TCSTATE_ACTIVE; /* UCT */
      break;

    case BSTP_TCSTATE_PROPAG:
      // the bridge flushes what it learnt on this port
      bp.bp_fdbflush = 1;
      taskqueue_enqueue(bp.bp_rtagetask);
      bp.bp_tc_prop = 0;
      bstp_set_timer_tc(bp);
      DPRINTF(`${name} -> TC_PROPAG\n`);
      bp.bp_tcstate = BSTP_TCSTATE_ACTIVE; /* UCT */
      break;

    case BSTP_TCSTATE_ACK:
      bstp_timer_stop(bp.bp_tc_timer);
      bp.bp_rcvdtca = 0;
      DPRINTF(`${name} -> TC_ACK\n`);
      bp.bp_tcstate = BSTP_TCSTATE_ACTIVE; /* UCT */
      break;
  }
}

function bstp_set_timer_tc(bp: bstp_port): void {
  const bs = bp_bs(bp);

  if (bp.bp_tc_timer.active) return;

  switch (bp.bp_protover) {
    case BSTP_PROTO_RSTP:
      bstp_timer_start(bp.bp_tc_timer, bp.bp_desg_htime + BSTP_TICK_VAL);
      bp.bp_flags |= BSTP_PORT_NEWINFO;
      break;
    case BSTP_PROTO_STP:
      bstp_timer_start(bp.bp_tc_timer, bs.bs_root_max_age + bs.bs_root_fdelay);
      break;
  }
}

function bstp_set_timer_msgage(bp: bstp_port): void {
  if (bp.bp_port_msg_age + BSTP_MESSAGE_AGE_INCR <= bp.bp_port_max_age) {
    bstp_timer_start(bp.bp_message_age_timer, bp.bp_port_htime * 3);
  } else {
    // already too old: expires at the next tick
    bstp_timer_start(bp.bp_message_age_timer, 0);
  }
}

function bstp_rerooted(bs: bstp_state, bp: bstp_port): number {
  let rr_set = 0;
  for (const bp2 of bs.bs_bplist) {
    if (bp2 === bp) continue;
    if (bp2.bp_recent_root_timer.active) {
      rr_set = 1;
      break;
    }
  }
  return rr_set ? 0 : 1;
}

/** BRDGSHELLO: hello time in seconds; legacy STP only (EPERM in RSTP). */
export function bstp_set_htime(bs: bstp_state, t: number): number {
  t *= BSTP_TICK_VAL;

  if (bs.bs_protover !== BSTP_PROTO_STP) return EPERM;

  if (t < BSTP_MIN_HELLO_TIME || t > BSTP_MAX_HELLO_TIME) return EINVAL;

  bs.bs_bridge_htime = t;
  bstp_reinit(bs);
  return 0;
}

/** BRDGSFD: forward delay in seconds. */
export function bstp_set_fdelay(bs: bstp_state, t: number): number {
  t *= BSTP_TICK_VAL;

  if (t < BSTP_MIN_FORWARD_DELAY || t > BSTP_MAX_FORWARD_DELAY) return EINVAL;

  bs.bs_bridge_fdelay = t;
  bstp_reinit(bs);
  return 0;
}

/** BRDGSMA: max age in seconds. */
export function bstp_set_maxage(bs: bstp_state, t: number): number {
  t *= BSTP_TICK_VAL;

  if (t < BSTP_MIN_MAX_AGE || t > BSTP_MAX_MAX_AGE) return EINVAL;

  bs.bs_bridge_max_age = t;
  bstp_reinit(bs);
  return 0;
}

/** BRDGSTXHC: transmissions allowed per second and port. */
export function bstp_set_holdcount(bs: bstp_state, count: number): number {
  if (count < BSTP_MIN_HOLD_COUNT || count > BSTP_MAX_HOLD_COUNT) return EINVAL;

  bs.bs_txholdcount = count;
  for (const bp of bs.bs_bplist) bp.bp_txcount = 0;
  return 0;
}

/** BRDGSPROTO: stp or rstp; every port starts over. */
export function bstp_set_protocol(bs: bstp_state, proto: number): number {
  switch (proto) {
    case BSTP_PROTO_STP:
    case BSTP_PROTO_RSTP:
      break;
    default:
      return EINVAL;
  }

  bs.bs_protover = proto;
  bs.bs_bridge_htime = BSTP_DEFAULT_HELLO_TIME;
  for (const bp of bs.bs_bplist) {
    bp.bp_infois = BSTP_INFO_DISABLED;
    bp.bp_txcount = 0;
    bstp_set_port_proto(bp, bs.bs_protover);
    bstp_set_port_role(bp, BSTP_ROLE_DISABLED);
    bstp_set_port_tc(bp, BSTP_TCSTATE_INACTIVE);
    bstp_timer_stop(bp.bp_recent_backup_timer);
  }
  bstp_reinit(bs);
  return 0;
}

/** BRDGSPRI: bridge priority, rounded down to a multiple of 4096. */
export function bstp_set_priority(bs: bstp_state, pri: number): number {
  if (pri < 0 || pri > BSTP_MAX_PRIORITY) return EINVAL;

  pri -= pri % 4096;

  bs.bs_bridge_priority = pri;
  bstp_reinit(bs);
  return 0;
}

/** BRDGSIFPRIO: port priority, rounded down to a multiple of 16. */
export function bstp_set_port_priority(bp: bstp_port, pri: number): number {
  const bs = bp_bs(bp);

  if (pri < 0 || pri > BSTP_MAX_PORT_PRIORITY) return EINVAL;

  pri -= pri % 16;

  bp.bp_priority = pri;
  bstp_reinit(bs);
  return 0;
}

/** BRDGSIFCOST: path cost; 0 goes back to the cost from the link speed. */
export function bstp_set_path_cost(bp: bstp_port, path_cost: number): number {
  const bs = bp_bs(bp);

  path_cost = path_cost >>> 0; /* uint32_t */
  if (path_cost > BSTP_MAX_PATH_COST) return EINVAL;

  // legacy STP's path cost has 16 bits
  if (bp.bp_protover === BSTP_PROTO_STP && path_cost > 65535) path_cost = 65535;

  if (path_cost === 0) {
    bp.bp_flags &= ~BSTP_PORT_ADMCOST;
    bp.bp_path_cost = bstp_calc_path_cost(bp);
  } else {
    bp.bp_path_cost = path_cost;
    bp.bp_flags |= BSTP_PORT_ADMCOST;
  }
  bstp_reinit(bs);
  return 0;
}

/** `ifconfig bridge0 edge IF` / `-edge IF`. */
export function bstp_set_edge(bp: bstp_port, set: number): number {
  if ((bp.bp_operedge = set) === 0) bp.bp_flags &= ~BSTP_PORT_ADMEDGE;
  else bp.bp_flags |= BSTP_PORT_ADMEDGE;
  return 0;
}

/** `autoedge IF` / `-autoedge IF`. */
export function bstp_set_autoedge(bp: bstp_port, set: number): number {
  const bs = bp_bs(bp);

  if (set) {
    bp.bp_flags |= BSTP_PORT_AUTOEDGE;
    // perhaps the port is an edge already
    if (bp.bp_edge_delay_timer.active === 0) bstp_edge_delay_expiry(bs, bp);
  } else bp.bp_flags &= ~BSTP_PORT_AUTOEDGE;
  return 0;
}

/** `ptp IF` / `-ptp IF`. */
export function bstp_set_ptp(bp: bstp_port, set: number): number {
  bp.bp_ptp_link = set;
  return 0;
}

/** `autoptp IF` / `-autoptp IF`: the duplex of the link decides. */
export function bstp_set_autoptp(bp: bstp_port, set: number): number {
  if (set) {
    bp.bp_flags |= BSTP_PORT_AUTOPTP;
    if (bp.bp_role !== BSTP_ROLE_DISABLED) taskqueue_enqueue(bp.bp_mediatask);
  } else bp.bp_flags &= ~BSTP_PORT_AUTOPTP;
  return 0;
}

/** The path cost of the link's speed (802.1D-2004, 17.14). */
function bstp_calc_path_cost(bp: bstp_port): number {
  const ifp = bp_ifp(bp);

  // an administrative cost stays
  if (bp.bp_flags & BSTP_PORT_ADMCOST) return bp.bp_path_cost;

  if (ifp.if_link_state === LINK_STATE_DOWN) {
    // computed again when the link comes up
    bp.bp_flags |= BSTP_PORT_PNDCOST;
    return BSTP_DEFAULT_PATH_COST;
  }

  if (ifp.if_baudrate < 1000) return BSTP_DEFAULT_PATH_COST;

  // 20000000000 / (baudrate / 1000) in 64-bit integers
  let path_cost = Math.floor(20000000000 / Math.floor(ifp.if_baudrate / 1000)) >>> 0; /* into a uint32_t */

  if (path_cost > BSTP_MAX_PATH_COST) path_cost = BSTP_MAX_PATH_COST;

  if (bp.bp_protover === BSTP_PROTO_STP && path_cost > 65535) path_cost = 65535;

  return path_cost;
}

/* The bridge hears of a state change from a task, outside the STP code. */
function bstp_notify_state(arg: unknown, _pending: number): void {
  const bp = arg as bstp_port;
  const bs = bp.bp_bs;
  if (bs === null || bp.bp_ifp === null) return;

  if (bp.bp_active === 1 && bs.bs_state_cb !== null) bs.bs_state_cb(bp.bp_ifp, bp.bp_state);
}

/* The bridge flushes the port's addresses from a task too. */
function bstp_notify_rtage(arg: unknown, _pending: number): void {
  const bp = arg as bstp_port;
  const bs = bp.bp_bs;
  if (bs === null || bp.bp_ifp === null) return;
  let age = 0;

  switch (bp.bp_protover) {
    case BSTP_PROTO_STP:
      // in seconds
      age = Math.floor(bp.bp_desg_fdelay / BSTP_TICK_VAL);
      break;
    case BSTP_PROTO_RSTP:
      age = 0;
      break;
  }

  if (bp.bp_active === 1 && bs.bs_rtage_cb !== null) bs.bs_rtage_cb(bp.bp_ifp, age);

  // flush done
  bp.bp_fdbflush = 0;
}

/** The member's link changed (if_bridge's bridge_linkstate). */
export function bstp_linkstate(bp: bstp_port): void {
  const bs = bp_bs(bp);

  if (!bp.bp_active) return;

  bstp_ifupdstatus(bp, 0);
  bstp_update_state(bs, bp);
}

function bstp_ifupdstatus(arg: unknown, _pending: number): void {
  const bp = arg as bstp_port;
  const bs = bp.bp_bs;
  const ifp = bp.bp_ifp;
  if (bs === null || ifp === null) return;

  if (!bp.bp_active) return;

  const ifmr = ifmediareq_zero(ifp.if_xname);
  const error = ifp.if_ioctl(ifp, SIOCGIFMEDIA, ifmr);

  let changed = 0;
  if (error === 0 && ifp.if_flags & IFF_UP) {
    if (ifmr.ifm_status & IFM_ACTIVE) {
      // A full duplex link is taken to be point to point.
      if (bp.bp_flags & BSTP_PORT_AUTOPTP) {
        const fdx = ifmr.ifm_active & IFM_FDX ? 1 : 0;
        if (bp.bp_ptp_link ^ fdx) {
          bp.bp_ptp_link = fdx;
          changed = 1;
        }
      }

      // The cost waits for the link to come up.
      if (bp.bp_flags & BSTP_PORT_PNDCOST) {
        const cost = bstp_calc_path_cost(bp);
        if (bp.bp_path_cost !== cost) {
          bp.bp_path_cost = cost;
          changed = 1;
        }
        bp.bp_flags &= ~BSTP_PORT_PNDCOST;
      }

      if (bp.bp_role === BSTP_ROLE_DISABLED) {
        bstp_enable_port(bs, bp);
        changed = 1;
      }
    } else {
      if (bp.bp_role !== BSTP_ROLE_DISABLED) {
        bstp_disable_port(bs, bp);
        changed = 1;
        if (bp.bp_flags & BSTP_PORT_ADMEDGE && bp.bp_protover === BSTP_PROTO_RSTP) bp.bp_operedge = 1;
      }
    }
  } else if (bp.bp_infois !== BSTP_INFO_DISABLED) {
    bstp_disable_port(bs, bp);
    changed = 1;
  }
  if (changed) bstp_assign_roles(bs);
}

function bstp_enable_port(_bs: bstp_state, bp: bstp_port): void {
  bp.bp_infois = BSTP_INFO_AGED;
}

function bstp_disable_port(_bs: bstp_state, bp: bstp_port): void {
  bp.bp_infois = BSTP_INFO_DISABLED;
}

/** Once a second: the timers, the state machines, the hold count. */
function bstp_tick(bs: bstp_state): void {
  if (bs.bs_running === 0) return;

  const saved = bs.bs_vnet !== null ? CURVNET_SET(bs.bs_vnet, "bstp_tick") : curvnet;

  // Interfaces that do not report their link are polled.
  if (bstp_timer_dectest(bs.bs_link_timer)) {
    for (const bp of bs.bs_bplist) {
      if (!(bp_ifp(bp).if_capabilities & IFCAP_LINKSTATE)) taskqueue_enqueue(bp.bp_mediatask);
    }
    bstp_timer_start(bs.bs_link_timer, BSTP_LINK_TIMER);
  }

  for (const bp of bs.bs_bplist) {
    // these expire without an event
    bstp_timer_dectest(bp.bp_tc_timer);
    bstp_timer_dectest(bp.bp_recent_root_timer);
    bstp_timer_dectest(bp.bp_forward_delay_timer);
    bstp_timer_dectest(bp.bp_recent_backup_timer);

    if (bstp_timer_dectest(bp.bp_hello_timer)) bstp_hello_timer_expiry(bs, bp);

    if (bstp_timer_dectest(bp.bp_message_age_timer)) bstp_message_age_expiry(bs, bp);

    if (bstp_timer_dectest(bp.bp_migrate_delay_timer)) bstp_migrate_delay_expiry(bs, bp);

    if (bstp_timer_dectest(bp.bp_edge_delay_timer)) bstp_edge_delay_expiry(bs, bp);

    bstp_update_state(bs, bp);

    if (bp.bp_txcount > 0) bp.bp_txcount--;
  }

  if (bs.bs_vnet !== null) CURVNET_RESTORE(saved);

  callout_reset(bs.bs_bstpcallout, hz, bstp_tick, bs);
}

function bstp_timer_start(t: bstp_timer, v: number): void {
  t.value = v & 0xffff; /* uint16_t */
  t.active = 1;
  t.latched = 0;
}

function bstp_timer_stop(t: bstp_timer): void {
  t.value = 0;
  t.active = 0;
  t.latched = 0;
}

function bstp_timer_latch(t: bstp_timer): void {
  t.latched = 1;
  t.active = 1;
}

function bstp_timer_dectest(t: bstp_timer): number {
  if (t.active === 0 || t.latched) return 0;
  t.value -= BSTP_TICK_VAL;
  if (t.value <= 0) {
    bstp_timer_stop(t);
    return 1;
  }
  return 0;
}

function bstp_hello_timer_expiry(bs: bstp_state, bp: bstp_port): void {
  if (bp.bp_flags & BSTP_PORT_NEWINFO || bp.bp_role === BSTP_ROLE_DESIGNATED || (bp.bp_role === BSTP_ROLE_ROOT && bp.bp_tc_timer.active === 1)) {
    bstp_timer_start(bp.bp_hello_timer, bp.bp_desg_htime);
    bp.bp_flags |= BSTP_PORT_NEWINFO;
    bstp_transmit(bs, bp);
  }
}

function bstp_message_age_expiry(bs: bstp_state, bp: bstp_port): void {
  if (bp.bp_infois === BSTP_INFO_RECEIVED) {
    bp.bp_infois = BSTP_INFO_AGED;
    bstp_assign_roles(bs);
    DPRINTF(`aged info on ${bp_ifp(bp).if_xname}\n`);
  }
}

function bstp_migrate_delay_expiry(_bs: bstp_state, bp: bstp_port): void {
  bp.bp_flags |= BSTP_PORT_CANMIGRATE;
}

function bstp_edge_delay_expiry(_bs: bstp_state, bp: bstp_port): void {
  if (bp.bp_flags & BSTP_PORT_AUTOEDGE && bp.bp_protover === BSTP_PROTO_RSTP && bp.bp_proposing && bp.bp_role === BSTP_ROLE_DESIGNATED) {
    bp.bp_operedge = 1;
    DPRINTF(`${bp_ifp(bp).if_xname} -> edge port\n`);
  }
}

function bstp_addr_cmp(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < ETHER_ADDR_LEN && d === 0; i++) d = a[i] - b[i];
  return d;
}

/** Whether two bridge identifiers name the same address (priority aside). */
function bstp_same_bridgeid(id1: bigint, id2: bigint): number {
  return (id1 & 0xffffffffffffn) === (id2 & 0xffffffffffffn) ? 1 : 0;
}

const llzero = new Uint8Array(ETHER_ADDR_LEN); /* 00:00:00:00:00:00 */

/**
 * bstp_reinit: the bridge identifier from the lowest Ethernet address among
 * this bridge's members (so that two bridges of one host can share an STP
 * domain), the port identifiers, and the roles again.  With no member (or
 * no address) the protocol stops.
 */
export function bstp_reinit(bs: bstp_state): void {
  let mif: ifnet | null = null;

  disablestp: {
    if (bs.bs_bplist.length === 0) break disablestp;

    const bridgeptr = bp_ifp(bs.bs_bplist[0]).if_bridge;
    KASSERT(bridgeptr !== null, "Invalid bridge pointer");
    for (const ifp of V_ifnet()) {
      if (ifp.if_type !== IFT_ETHER && ifp.if_type !== IFT_L2VLAN) continue; // not Ethernet
      if (ifp.if_bridge !== bridgeptr) continue; // not ours
      if (bstp_addr_cmp(IF_LLADDR(ifp), llzero) === 0) continue; // no address
      if (mif === null) {
        mif = ifp;
        continue;
      }
      if (bstp_addr_cmp(IF_LLADDR(ifp), IF_LLADDR(mif)) < 0) {
        mif = ifp;
        continue;
      }
    }
    if (mif === null) break disablestp;

    bs.bs_bridge_pv.pv_dbridge_id = bstp_mkid(bs.bs_bridge_priority, IF_LLADDR(mif));
    bs.bs_bridge_pv.pv_root_id = bs.bs_bridge_pv.pv_dbridge_id;
    bs.bs_bridge_pv.pv_cost = 0;
    bs.bs_bridge_pv.pv_dport_id = 0;
    bs.bs_bridge_pv.pv_port_id = 0;

    if (bs.bs_running && !callout_pending(bs.bs_bstpcallout)) callout_reset(bs.bs_bstpcallout, hz, bstp_tick, bs);

    for (const bp of bs.bs_bplist) {
      bp.bp_port_id = (bp.bp_priority << 8) | (bp_ifp(bp).if_index & 0xfff);
      taskqueue_enqueue(bp.bp_mediatask);
    }

    bstp_assign_roles(bs);
    bstp_timer_start(bs.bs_link_timer, BSTP_LINK_TIMER);
    return;
  }

  // No address: the identifiers keep only the priority.
  bs.bs_bridge_pv.pv_dbridge_id = BigInt(bs.bs_bridge_priority & 0xffff) << 48n;
  bs.bs_bridge_pv.pv_root_id = bs.bs_bridge_pv.pv_dbridge_id;
  pv_copy(bs.bs_root_pv, bs.bs_bridge_pv);
  // and the ports, with no address to speak for, are disabled
  for (const bp of bs.bs_bplist) {
    bp.bp_infois = BSTP_INFO_DISABLED;
    bstp_set_port_role(bp, BSTP_ROLE_DISABLED);
  }
  callout_stop(bs.bs_bstpcallout);
}

function bstp_modevent(_mod: unknown, type: number, _arg: unknown): number {
  switch (type) {
    case MOD_LOAD:
      bstp_list.length = 0;
      break;
    case MOD_UNLOAD:
      break;
    default:
      return EOPNOTSUPP;
  }
  return 0;
}

// Linked into the kernel, as if_bridge is here (FreeBSD builds both as
// modules, if_bridge.ko depending on bridgestp.ko).
DECLARE_MODULE({ name: "bridgestp", evhand: bstp_modevent, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("bridgestp", 1);

/** A new bridge: default parameters, RSTP, the callbacks. */
export function bstp_attach(bs: bstp_state, cb: bstp_cb_ops): void {
  callout_init(bs.bs_bstpcallout, true);
  bs.bs_bplist = [];

  bs.bs_bridge_max_age = BSTP_DEFAULT_MAX_AGE;
  bs.bs_bridge_htime = BSTP_DEFAULT_HELLO_TIME;
  bs.bs_bridge_fdelay = BSTP_DEFAULT_FORWARD_DELAY;
  bs.bs_bridge_priority = BSTP_DEFAULT_BRIDGE_PRIORITY;
  bs.bs_hold_time = BSTP_DEFAULT_HOLD_TIME;
  bs.bs_migration_delay = BSTP_DEFAULT_MIGRATE_DELAY;
  bs.bs_txholdcount = BSTP_DEFAULT_HOLD_COUNT;
  bs.bs_protover = BSTP_PROTO_RSTP;
  bs.bs_state_cb = cb.bcb_state;
  bs.bs_rtage_cb = cb.bcb_rtage;
  bs.bs_vnet = curvnet;

  const [sec, usec] = microtime();
  bs.bs_last_tc_time.tv_sec = sec;
  bs.bs_last_tc_time.tv_usec = usec;

  bstp_list.unshift(bs);
}

/** The bridge is going away; its ports were all disabled. */
export function bstp_detach(bs: bstp_state): void {
  KASSERT(bs.bs_bplist.length === 0, "bstp still active");

  const i = bstp_list.indexOf(bs);
  if (i >= 0) bstp_list.splice(i, 1);
  callout_drain(bs.bs_bstpcallout);
}

/** The bridge is up: start ticking. */
export function bstp_init(bs: bstp_state): void {
  callout_reset(bs.bs_bstpcallout, hz, bstp_tick, bs);
  bs.bs_running = 1;
  bstp_reinit(bs);
}

/** The bridge is down: every port discards. */
export function bstp_stop(bs: bstp_state): void {
  for (const bp of bs.bs_bplist) bstp_set_port_state(bp, BSTP_IFSTATE_DISCARDING);

  bs.bs_running = 0;
  callout_stop(bs.bs_bstpcallout);
}

/** A new member (STP still off on it): a clean port. */
export function bstp_create(bs: bstp_state, bp: bstp_port, ifp: ifnet): number {
  bstp_port_zero(bp);

  bp.bp_ifp = ifp;
  bp.bp_bs = bs;
  bp.bp_priority = BSTP_DEFAULT_PORT_PRIORITY;
  bp.bp_statetask = TASK_INIT(bstp_notify_state, bp);
  bp.bp_rtagetask = TASK_INIT(bstp_notify_rtage, bp);
  bp.bp_mediatask = TASK_INIT(bstp_ifupdstatus, bp);

  bp.bp_infois = BSTP_INFO_DISABLED;
  bp.bp_flags = BSTP_PORT_AUTOEDGE | BSTP_PORT_AUTOPTP;
  bstp_set_port_state(bp, BSTP_IFSTATE_DISCARDING);
  bstp_set_port_proto(bp, bs.bs_protover);
  bstp_set_port_role(bp, BSTP_ROLE_DISABLED);
  bstp_set_port_tc(bp, BSTP_TCSTATE_INACTIVE);
  bp.bp_path_cost = bstp_calc_path_cost(bp);
  return 0;
}

/** bzero(bp, sizeof(struct bstp_port)), keeping the tasks' storage. */
function bstp_port_zero(bp: bstp_port): void {
  const z = new bstp_port();
  bp.bp_ifp = null;
  bp.bp_bs = null;
  for (const k of Object.keys(z) as (keyof bstp_port)[]) {
    const v = z[k];
    if (typeof v === "number") (bp as unknown as Record<string, number>)[k] = 0;
  }
  for (const t of [
    bp.bp_edge_delay_timer,
    bp.bp_forward_delay_timer,
    bp.bp_hello_timer,
    bp.bp_message_age_timer,
    bp.bp_migrate_delay_timer,
    bp.bp_recent_backup_timer,
    bp.bp_recent_root_timer,
    bp.bp_tc_timer,
  ])
    bstp_timer_stop(t);
  pv_copy(bp.bp_desg_pv, z.bp_desg_pv);
  pv_copy(bp.bp_port_pv, z.bp_port_pv);
  const cu = bp.bp_msg_cu;
  pv_copy(cu.cu_pv, z.bp_msg_cu.cu_pv);
  cu.cu_message_age = cu.cu_max_age = cu.cu_forward_delay = cu.cu_hello_time = 0;
  cu.cu_message_type = cu.cu_topology_change_ack = cu.cu_topology_change = cu.cu_proposal = 0;
  cu.cu_agree = cu.cu_learning = cu.cu_forwarding = cu.cu_role = 0;
}

/** `ifconfig bridge0 stp IF`: the port joins the protocol. */
export function bstp_enable(bp: bstp_port): number {
  const bs = bp_bs(bp);
  const ifp = bp_ifp(bp);

  KASSERT(bp.bp_active === 0, "already a bstp member");

  switch (ifp.if_type) {
    case IFT_ETHER: // the ones that can
    case IFT_L2VLAN:
      break;
    default:
      return EINVAL;
  }

  bs.bs_bplist.unshift(bp);
  bp.bp_active = 1;
  bp.bp_flags |= BSTP_PORT_NEWINFO;
  bstp_reinit(bs);
  bstp_update_roles(bs, bp);
  return 0;
}

/** `ifconfig bridge0 -stp IF`, or the member leaves. */
export function bstp_disable(bp: bstp_port): void {
  const bs = bp_bs(bp);

  KASSERT(bp.bp_active === 1, "not a bstp member");

  bstp_disable_port(bs, bp);
  const i = bs.bs_bplist.indexOf(bp);
  if (i >= 0) bs.bs_bplist.splice(i, 1);
  bp.bp_active = 0;
  bstp_reinit(bs);
}

/** The bridge frees the port (bridge_delete_member). */
export function bstp_destroy(bp: bstp_port): void {
  KASSERT(bp.bp_active === 0, "port is still attached");
  taskqueue_cancel(bp.bp_statetask);
  taskqueue_cancel(bp.bp_rtagetask);
  taskqueue_cancel(bp.bp_mediatask);

  const bs = bp.bp_bs;
  if (bs !== null && bs.bs_root_port === bp) bstp_assign_roles(bs);
}
