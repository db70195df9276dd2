// sys/net/netisr.c, sys/net/netisr.h, sys/net/netisr_internal.h: the
// dispatch service between the link layer and the protocols.  A protocol
// registers a handler under a number (NETISR_IP, NETISR_ARP, NETISR_ETHER);
// a driver or layer hands it packets either directly (netisr_dispatch: the
// handler runs now, on this stack, the default "direct" policy) or queued
// (netisr_queue: the packet waits on the protocol's queue and the netisr
// software interrupt runs it later).  Loopback queues, Ethernet input
// dispatches directly.
//
// A queued packet carries no vnet of its own: the worker switches to the
// vnet of the interface it arrived on, CURVNET_SET(rcvif->if_vnet), as
// FreeBSD's worker does.  Each protocol is also enabled or disabled per vnet
// (V_netisr_enable), so a dying vnet stops taking packets and its queued
// ones are thrown away.
//
// Departures: one CPU, so one workstream; its SWI is a task on the virtual
// clock's task queue (kern/subr_taskqueue.ts), which runs after the current
// call chain returns and before time moves.  netisr_register here also makes
// the protocol enabled in vnets created later (FreeBSD's protocols do that
// themselves with netisr_register_vnet from their VNET_SYSINITs; calling it
// too is harmless), and a dying vnet disables and drains every protocol once
// its interfaces are gone.

import { EINVAL, ENOBUFS, ENOPROTOOPT } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_FIRST, SI_SUB_INIT_IF } from "../kern/kernel.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { KASSERT, panic, printf } from "../kern/subr_prf.ts";
import { TASK_INIT, taskqueue_enqueue } from "../kern/subr_taskqueue.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_RD,
  CTLFLAG_RDTUN,
  CTLFLAG_RW,
  CTLFLAG_RWTUN,
  CTLTYPE_STRING,
  OID_AUTO,
  SYSCTL_NODE,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_UINT,
  _net,
  kvar_of,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import { IFF_DYING, type ifnet } from "./if.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  CURVNET_SET_QUIET,
  VNET_DEFINE_INT,
  VNET_FOREACH,
  VNET_I32,
  VNET_I32_SET,
  VNET_SYSINIT,
  VNET_SYSUNINIT,
  curvnet,
  type vnet,
} from "./vnet.ts";

// Protocol numbers (net/netisr.h).
export const NETISR_POLL = 0;
export const NETISR_IP = 1;
export const NETISR_IGMP = 2;
export const NETISR_ROUTE = 3;
export const NETISR_ARP = 4;
export const NETISR_ETHER = 5;
export const NETISR_IPV6 = 6;
export const NETISR_EPAIR = 8;
export const NETISR_IP_DIRECT = 9;
export const NETISR_IPV6_DIRECT = 10;
export const NETISR_MAXPROT = 16;

export const NETISR_POLICY_SOURCE = 1;
export const NETISR_POLICY_FLOW = 2;
export const NETISR_POLICY_CPU = 3;

export const NETISR_DISPATCH_DEFAULT = 0;
export const NETISR_DISPATCH_DEFERRED = 1;
export const NETISR_DISPATCH_HYBRID = 2;
export const NETISR_DISPATCH_DIRECT = 3;

// nws_flags
const NWS_RUNNING = 0x00000001;
const NWS_DISPATCHING = 0x00000002;
const NWS_SCHEDULED = 0x00000004;

export type netisr_handler_t = (m: mbuf) => void;

/** struct netisr_proto: one registered protocol. */
class netisr_proto {
  np_name: string | null = null;
  np_handler: netisr_handler_t | null = null;
  np_qlimit = 0;
  np_policy = 0;
  np_dispatch = NETISR_DISPATCH_DEFAULT;
}

/** struct netisr_work: a protocol's queue and counters in the workstream. */
class netisr_work {
  nw_head: mbuf | null = null;
  nw_tail: mbuf | null = null;
  nw_len = 0;
  nw_qlimit = 0;
  nw_watermark = 0;
  nw_dispatched = 0;
  nw_hybrid_dispatched = 0;
  nw_qdrops = 0;
  nw_queued = 0;
  nw_handled = 0;

  reset(qlimit: number): void {
    this.nw_head = this.nw_tail = null;
    this.nw_len = 0;
    this.nw_qlimit = qlimit;
    this.nw_watermark = this.nw_dispatched = this.nw_hybrid_dispatched = 0;
    this.nw_qdrops = this.nw_queued = this.nw_handled = 0;
  }
}

/** struct netisr_workstream: the one (CPU 0) worker. */
class netisr_workstream {
  nws_flags = 0;
  nws_pendingbits = 0;
  readonly nws_work: netisr_work[] = [];
  constructor() {
    for (let i = 0; i < NETISR_MAXPROT; i++) this.nws_work.push(new netisr_work());
  }
}

const netisr_proto_tab: netisr_proto[] = [];
for (let i = 0; i < NETISR_MAXPROT; i++) netisr_proto_tab.push(new netisr_proto());
const nws = new netisr_workstream();
const nws_swi = TASK_INIT(() => swi_net(), null);

/** V_netisr_enable[NETISR_MAXPROT]: contiguous per-vnet ints. */
const netisr_enable: number[] = [];
for (let i = 0; i < NETISR_MAXPROT; i++) netisr_enable.push(VNET_DEFINE_INT(`netisr_enable[${i}]`, 0));

// ---------------------------------------------------------------------------
// Tunables and sysctls (global, not per vnet: read-only inside vnet jails).

const NETISR_DEFAULT_MAXQLIMIT = 10240;
const NETISR_DEFAULT_DEFAULTQLIMIT = 256;
let netisr_dispatch_policy = NETISR_DISPATCH_DIRECT;
const netisr_maxthreads = kvar_of(1);
const netisr_bindthreads = kvar_of(0);
const netisr_maxqlimit = kvar_of(NETISR_DEFAULT_MAXQLIMIT);
const netisr_defaultqlimit = kvar_of(NETISR_DEFAULT_DEFAULTQLIMIT);
const netisr_maxprot = kvar_of(NETISR_MAXPROT);
const nws_count = kvar_of(1);

const _net_isr = SYSCTL_NODE(_net, OID_AUTO, "isr", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "netisr");

const netisr_dispatch_table: readonly [number, string][] = [
  [NETISR_DISPATCH_DEFAULT, "default"],
  [NETISR_DISPATCH_DEFERRED, "deferred"],
  [NETISR_DISPATCH_HYBRID, "hybrid"],
  [NETISR_DISPATCH_DIRECT, "direct"],
];

const sysctl_netisr_dispatch_policy: sysctl_handler_t = (_o, _a1, _a2, req) => {
  let str = "unknown";
  for (const [p, s] of netisr_dispatch_table) if (p === netisr_dispatch_policy) str = s;
  const error = SYSCTL_OUT(req, str);
  if (error !== 0 || req.newval === null) return error;
  const want = req.newval;
  if (typeof want !== "string") return EINVAL;
  for (const [p, s] of netisr_dispatch_table) {
    if (s !== want) continue;
    if (p === NETISR_DISPATCH_DEFAULT) return EINVAL;
    netisr_dispatch_policy = p;
    return 0;
  }
  return EINVAL;
};

SYSCTL_PROC(_net_isr, OID_AUTO, "dispatch", CTLTYPE_STRING | CTLFLAG_RWTUN, null, 0, sysctl_netisr_dispatch_policy, "A", "netisr dispatch policy");
SYSCTL_UINT(_net_isr, OID_AUTO, "maxthreads", CTLFLAG_RDTUN, netisr_maxthreads, 0, "Use at most this many CPUs for netisr processing");
SYSCTL_UINT(_net_isr, OID_AUTO, "bindthreads", CTLFLAG_RDTUN, netisr_bindthreads, 0, "Bind netisr threads to CPUs.");
SYSCTL_UINT(_net_isr, OID_AUTO, "maxqlimit", CTLFLAG_RDTUN, netisr_maxqlimit, 0, "Maximum netisr per-protocol, per-CPU queue depth.");
SYSCTL_UINT(_net_isr, OID_AUTO, "defaultqlimit", CTLFLAG_RDTUN, netisr_defaultqlimit, 0, "Default netisr per-protocol, per-CPU queue limit if not set by protocol");
SYSCTL_UINT(_net_isr, OID_AUTO, "maxprot", CTLFLAG_RD, netisr_maxprot, 0, "Compile-time limit on the number of protocols supported by netisr.");
SYSCTL_UINT(_net_isr, OID_AUTO, "numthreads", CTLFLAG_RD, nws_count, 0, "Number of extant netisr threads.");

// ---------------------------------------------------------------------------
// Registration.

/**
 * netisr_register: install `handler` for protocol `proto` (FreeBSD passes a
 * struct netisr_handler; its fields are the arguments here).  qlimit 0 means
 * net.isr.defaultqlimit.
 */
export function netisr_register(
  proto: number,
  name: string,
  handler: netisr_handler_t,
  qlimit = 0,
  dispatch = NETISR_DISPATCH_DEFAULT,
  policy = NETISR_POLICY_SOURCE,
): void {
  KASSERT(proto >= 0 && proto < NETISR_MAXPROT, `netisr_register(${proto}, ${name}): protocol too big`);
  const np = netisr_proto_tab[proto];
  KASSERT(np.np_name === null, `netisr_register(${proto}, ${name}): name present`);
  KASSERT(np.np_handler === null, `netisr_register(${proto}, ${name}): handler present`);
  np.np_name = name;
  np.np_handler = handler;
  if (qlimit === 0) np.np_qlimit = netisr_defaultqlimit.v;
  else if (qlimit > netisr_maxqlimit.v) {
    printf(`netisr_register: ${name} requested queue limit ${qlimit} capped to net.isr.maxqlimit ${netisr_maxqlimit.v}\n`);
    np.np_qlimit = netisr_maxqlimit.v;
  } else np.np_qlimit = qlimit;
  np.np_policy = policy;
  np.np_dispatch = dispatch;
  nws.nws_work[proto].reset(np.np_qlimit);
  // Enabled in every vnet there is (and, by vnet_netisr_init, in every vnet
  // to come).
  if (VIMAGE) VNET_FOREACH((v) => netisr_enable_set(v, proto, 1));
  else VNET_I32_SET(netisr_enable[proto], 1);
}

/** netisr_unregister: disable everywhere and drop whatever is queued. */
export function netisr_unregister(proto: number): void {
  KASSERT(proto >= 0 && proto < NETISR_MAXPROT, `netisr_unregister(${proto}): protocol too big`);
  const np = netisr_proto_tab[proto];
  KASSERT(np.np_handler !== null, `netisr_unregister(${proto}): protocol not registered`);
  if (VIMAGE) VNET_FOREACH((v) => netisr_enable_set(v, proto, 0));
  else VNET_I32_SET(netisr_enable[proto], 0);
  np.np_name = null;
  np.np_handler = null;
  np.np_qlimit = 0;
  np.np_policy = 0;
  np.np_dispatch = NETISR_DISPATCH_DEFAULT;
  const npwp = nws.nws_work[proto];
  netisr_drain_proto(npwp);
  npwp.reset(0);
  nws.nws_pendingbits &= ~(1 << proto);
}

/** Whether a handler is installed for `proto`. */
export function netisr_registered(proto: number): boolean {
  return proto >= 0 && proto < NETISR_MAXPROT && netisr_proto_tab[proto].np_handler !== null;
}

function netisr_enable_set(v: vnet, proto: number, on: number): void {
  const saved = CURVNET_SET_QUIET(v, "netisr_enable_set");
  VNET_I32_SET(netisr_enable[proto], on);
  CURVNET_RESTORE(saved);
}

/** netisr_register_vnet: enable a registered protocol in curvnet. */
export function netisr_register_vnet(proto: number): void {
  KASSERT(!VIMAGE || curvnet !== null, "netisr_register_vnet: curvnet is NULL");
  KASSERT(netisr_proto_tab[proto].np_handler !== null, `netisr_register_vnet(${proto}): protocol not registered`);
  VNET_I32_SET(netisr_enable[proto], 1);
}

/** netisr_unregister_vnet: disable in curvnet and drop curvnet's queued
 *  packets of that protocol. */
export function netisr_unregister_vnet(proto: number): void {
  KASSERT(!VIMAGE || curvnet !== null, "netisr_unregister_vnet: curvnet is NULL");
  KASSERT(netisr_proto_tab[proto].np_handler !== null, `netisr_unregister_vnet(${proto}): protocol not registered`);
  VNET_I32_SET(netisr_enable[proto], 0);
  if (VIMAGE) netisr_drain_proto_vnet(curvnet as vnet, proto);
}

/** Has the interface a queued packet arrived on gone away (m_rcvif_restore
 *  failing: FreeBSD looks the index and generation up again)? */
function rcvif_gone(ifp: ifnet): boolean {
  return (ifp.if_flags & IFF_DYING) !== 0;
}

function netisr_drain_proto(npwp: netisr_work): void {
  let m = npwp.nw_head;
  npwp.nw_head = npwp.nw_tail = null;
  while (m !== null) {
    const n: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    npwp.nw_len--;
    m_freem(m);
    m = n;
  }
  KASSERT(npwp.nw_len === 0, "netisr_drain_proto: len");
}

/** Free the queued packets that belong to `v` (or to a dead interface),
 *  keep the others in order. */
function netisr_drain_proto_vnet(v: vnet, proto: number): void {
  const npwp = nws.nws_work[proto];
  let m = npwp.nw_head;
  let n: mbuf | null = null;
  let ne: mbuf | null = null;
  while (m !== null) {
    const mp: mbuf = m;
    m = m.m_nextpkt;
    mp.m_nextpkt = null;
    const ifp = mp.m_pkthdr.rcvif as ifnet | null;
    if (ifp !== null && !rcvif_gone(ifp) && ifp.if_vnet !== v) {
      if (ne === null) n = ne = mp;
      else {
        ne.m_nextpkt = mp;
        ne = mp;
      }
      continue;
    }
    npwp.nw_len--;
    m_freem(mp);
  }
  npwp.nw_head = n;
  npwp.nw_tail = ne;
  if (npwp.nw_len === 0) nws.nws_pendingbits &= ~(1 << proto);
}

// A new vnet starts with every registered protocol enabled; a dying one,
// after its interfaces are gone (this destructor runs late, at INIT_IF), has
// them all disabled and its leftover queued packets freed.
function vnet_netisr_init(): void {
  for (let p = 0; p < NETISR_MAXPROT; p++) VNET_I32_SET(netisr_enable[p], netisr_proto_tab[p].np_handler !== null ? 1 : 0);
}
VNET_SYSINIT("vnet_netisr_init", SI_SUB_INIT_IF, SI_ORDER_FIRST, vnet_netisr_init);
function vnet_netisr_uninit(): void {
  for (let p = 0; p < NETISR_MAXPROT; p++) {
    if (netisr_proto_tab[p].np_handler === null) continue;
    VNET_I32_SET(netisr_enable[p], 0);
    netisr_drain_proto_vnet(curvnet as vnet, p);
  }
}
VNET_SYSUNINIT("vnet_netisr_uninit", SI_SUB_INIT_IF, SI_ORDER_FIRST, vnet_netisr_uninit);

/** netisr_setqlimit: change a protocol's queue limit (EINVAL above
 *  net.isr.maxqlimit); packets already queued beyond it stay. */
export function netisr_setqlimit(proto: number, qlimit: number): number {
  if (qlimit > netisr_maxqlimit.v) return EINVAL;
  KASSERT(netisr_proto_tab[proto].np_handler !== null, `netisr_setqlimit(${proto}): protocol not registered`);
  netisr_proto_tab[proto].np_qlimit = qlimit;
  nws.nws_work[proto].nw_qlimit = qlimit;
  return 0;
}

export function netisr_getqlimit(proto: number): number {
  return netisr_proto_tab[proto].np_qlimit;
}

/** netisr_getqdrops: packets dropped because the queue was full. */
export function netisr_getqdrops(proto: number): number {
  return nws.nws_work[proto].nw_qdrops;
}

export function netisr_clearqdrops(proto: number): void {
  nws.nws_work[proto].nw_qdrops = 0;
}

// ---------------------------------------------------------------------------
// The worker.

function netisr_get_dispatch(npp: netisr_proto): number {
  return npp.np_dispatch !== NETISR_DISPATCH_DEFAULT ? npp.np_dispatch : netisr_dispatch_policy;
}

/**
 * Run one protocol's queue: move it aside, then hand each packet to the
 * handler in the vnet of the interface it came in on.  Only what was queued
 * when we started runs now, so a handler that queues more cannot starve the
 * others.
 */
function netisr_process_workstream_proto(nwsp: netisr_workstream, proto: number): number {
  const npwp = nwsp.nws_work[proto];
  if (npwp.nw_len === 0) {
    // Emptied by a drain since it was queued.
    nwsp.nws_pendingbits &= ~(1 << proto);
    return 0;
  }
  const handled = npwp.nw_len;
  let m = npwp.nw_head;
  npwp.nw_head = npwp.nw_tail = null;
  npwp.nw_len = 0;
  nwsp.nws_pendingbits &= ~(1 << proto);
  const handler = netisr_proto_tab[proto].np_handler as netisr_handler_t;
  while (m !== null) {
    const n: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    const ifp = m.m_pkthdr.rcvif as ifnet | null;
    if (ifp === null || rcvif_gone(ifp)) {
      m_freem(m);
    } else {
      const saved = CURVNET_SET(ifp.if_vnet, "netisr_process_workstream_proto");
      handler(m);
      CURVNET_RESTORE(saved);
    }
    m = n;
  }
  npwp.nw_handled += handled;
  return handled;
}

/** swi_net: the netisr software interrupt, run as a task. */
function swi_net(): void {
  const nwsp = nws;
  if ((nwsp.nws_flags & NWS_DISPATCHING) !== 0) return;
  nwsp.nws_flags |= NWS_RUNNING;
  nwsp.nws_flags &= ~NWS_SCHEDULED;
  let bits: number;
  while ((bits = nwsp.nws_pendingbits) !== 0) {
    for (let prot = 0; prot < NETISR_MAXPROT; prot++) {
      if ((bits & (1 << prot)) === 0) continue;
      // A protocol unregistered meanwhile has had its queue drained.
      if (netisr_proto_tab[prot].np_handler === null) {
        nwsp.nws_pendingbits &= ~(1 << prot);
        continue;
      }
      netisr_process_workstream_proto(nwsp, prot);
    }
  }
  nwsp.nws_flags &= ~NWS_RUNNING;
}

function netisr_queue_workstream(nwsp: netisr_workstream, proto: number, npwp: netisr_work, m: mbuf): number {
  if (npwp.nw_len < npwp.nw_qlimit) {
    m.m_nextpkt = null;
    if (npwp.nw_tail === null) npwp.nw_head = npwp.nw_tail = m;
    else {
      npwp.nw_tail.m_nextpkt = m;
      npwp.nw_tail = m;
    }
    npwp.nw_len++;
    if (npwp.nw_len > npwp.nw_watermark) npwp.nw_watermark = npwp.nw_len;
    // The bit is set even while the worker runs, so that it loops again.
    nwsp.nws_pendingbits |= 1 << proto;
    if ((nwsp.nws_flags & (NWS_RUNNING | NWS_DISPATCHING | NWS_SCHEDULED)) === 0) {
      nwsp.nws_flags |= NWS_SCHEDULED;
      taskqueue_enqueue(nws_swi);
    }
    npwp.nw_queued++;
    return 0;
  }
  m_freem(m);
  npwp.nw_qdrops++;
  return ENOBUFS;
}

/** netisr_queue_src: always queue; the packet is freed on failure. */
export function netisr_queue_src(proto: number, _source: number, m: mbuf): number {
  // (Checks on the packet path build their message only when they fail.)
  if (proto < 0 || proto >= NETISR_MAXPROT || netisr_proto_tab[proto].np_handler === null) panic(`netisr_queue_src: invalid proto ${proto}`);
  if (VIMAGE && VNET_I32(netisr_enable[proto]) === 0) {
    m_freem(m);
    return ENOPROTOOPT;
  }
  KASSERT(m.m_pkthdr.rcvif !== null, "netisr_queue_src: rcvif == NULL");
  return netisr_queue_workstream(nws, proto, nws.nws_work[proto], m);
}

/** netisr_queue(proto, m): 0, or ENOBUFS (queue full) / ENOPROTOOPT with
 *  the packet freed. */
export function netisr_queue(proto: number, m: mbuf): number {
  return netisr_queue_src(proto, 0, m);
}

/**
 * netisr_dispatch_src: run the handler now if the policy allows (it does by
 * default), else queue.  The caller's vnet is the packet's vnet.
 */
export function netisr_dispatch_src(proto: number, source: number, m: mbuf): number {
  if (proto < 0 || proto >= NETISR_MAXPROT) panic(`netisr_dispatch_src: invalid proto ${proto}`);
  const npp = netisr_proto_tab[proto];
  const handler = npp.np_handler;
  if (handler === null) panic(`netisr_dispatch_src: invalid proto ${proto}`);
  if (VIMAGE && VNET_I32(netisr_enable[proto]) === 0) {
    m_freem(m);
    return ENOPROTOOPT;
  }
  const dispatch_policy = netisr_get_dispatch(npp);
  if (dispatch_policy === NETISR_DISPATCH_DEFERRED) return netisr_queue_src(proto, source, m);

  const npwp = nws.nws_work[proto];
  if (dispatch_policy === NETISR_DISPATCH_DIRECT) {
    npwp.nw_dispatched++;
    npwp.nw_handled++;
    handler(m);
    return 0;
  }

  // Hybrid: dispatch directly unless the worker has work in hand, which
  // would then be overtaken.
  const nwsp = nws;
  if ((nwsp.nws_flags & (NWS_RUNNING | NWS_DISPATCHING | NWS_SCHEDULED)) !== 0) return netisr_queue_workstream(nwsp, proto, npwp, m);
  nwsp.nws_flags |= NWS_DISPATCHING;
  handler(m);
  nwsp.nws_flags &= ~NWS_DISPATCHING;
  npwp.nw_handled++;
  npwp.nw_hybrid_dispatched++;
  if (nwsp.nws_pendingbits !== 0) {
    nwsp.nws_flags |= NWS_SCHEDULED;
    taskqueue_enqueue(nws_swi);
  }
  return 0;
}

export function netisr_dispatch(proto: number, m: mbuf): number {
  return netisr_dispatch_src(proto, 0, m);
}

/** What `netstat -Q` shows per protocol (sysctl net.isr.proto + work). */
export interface netisr_stat {
  name: string;
  proto: number;
  qlimit: number;
  policy: number;
  dispatch: number;
  len: number;
  watermark: number;
  dispatched: number;
  hybrid_dispatched: number;
  qdrops: number;
  queued: number;
  handled: number;
}

export function netisr_stats(): netisr_stat[] {
  const out: netisr_stat[] = [];
  for (let p = 0; p < NETISR_MAXPROT; p++) {
    const np = netisr_proto_tab[p];
    if (np.np_name === null) continue;
    const w = nws.nws_work[p];
    out.push({
      name: np.np_name,
      proto: p,
      qlimit: np.np_qlimit,
      policy: np.np_policy,
      dispatch: np.np_dispatch,
      len: w.nw_len,
      watermark: w.nw_watermark,
      dispatched: w.nw_dispatched,
      hybrid_dispatched: w.nw_hybrid_dispatched,
      qdrops: w.nw_qdrops,
      queued: w.nw_queued,
      handled: w.nw_handled,
    });
  }
  return out;
}

/** net.isr.dispatch as a string, for tools. */
export function netisr_dispatch_policy_name(): string {
  for (const [p, s] of netisr_dispatch_table) if (p === netisr_dispatch_policy) return s;
  return "unknown";
}
