// sys/net/if_tuntap.c, net/if_tun.h, net/if_tap.h: the tun, tap and vmnet
// interfaces.  tun is a point-to-point IP interface (`ifconfig tun0 10.0.0.1
// 10.0.0.2`), tap and vmnet are Ethernet interfaces; what the stack sends out
// of one is read from its character device (/dev/tunN, /dev/tapN) by a
// program on the host, and what that program writes comes in as if received.
//
// Here the program on the host is net/linux_tap.ts: the device of each
// interface is held open by a real Linux TUN (for tun) or TAP (for tap and
// vmnet) of the same name, in the network namespace VirtNet runs in, so that
// Linux's own stack and tools talk to the simulated one.  The device follows
// the interface wherever it goes (a vnet jail included): the Linux side
// stays where it was made.  A rename renames the Linux interface (as FreeBSD
// makes a /dev alias of the new name); destroying the interface closes it.
//
// The device is opened when the interface is created, as if the program had
// opened /dev/tapN at once (tunopen: link up, tap running, tap up if
// net.link.tap.up_on_open); when the Linux side goes away (socat killed, the
// Linux interface deleted) the device closes (tundtor: interface down, its
// addresses purged, link down).  VirtNet's own knobs net.link.tun.linux and
// net.link.tap.linux (default 1) say whether a tun/tap gets a Linux side at
// all; with 0 the interface is made with no program holding its device, as
// FreeBSD's is until someone opens it.
//
// Where the Linux side cannot be made (socat missing, neither root nor
// CAP_NET_ADMIN, the name taken in Linux) the create still succeeds, as
// FreeBSD's does whether or not anyone will ever open /dev/tunN: the
// interface stays closed (link down, "no carrier") and one line saying why
// goes to stderr and the message buffer.
//
// Departures from FreeBSD 14:
// - no character device in the simulated userland: the cdev ioctls
//   (TUNSIFMODE, TUNSLMODE, TUNSIFHEAD, TUNGIFHEAD, TUNSIFINFO, TUNGIFINFO,
//   TUNGIFNAME, TAPGIFNAME...) are tun_devioctl, a kernel function for the
//   library and tests; the device program (the relay to Linux) honours
//   the modes: with TUNSIFHEAD it reads the 4-byte family and writes one
//   from the IP version, with TUNSLMODE it skips the destination sockaddr.
//   Linux's TUN without packet information carries bare IP packets.
// - no if_snd queue: what tunread would take off the queue goes to the
//   Linux side at once (tunstart/tunstart_l2 and tunread in one step).
// - no virtio-net header (TAPSVNETHDR), no SIGIO/kqueue/poll, no devfs
//   cloning (opening /dev/tun to create an interface).
// - unit numbers are global over all vnets, as FreeBSD's unrhdr per driver.

import { EAFNOSUPPORT, EBUSY, EEXIST, EHOSTDOWN, EINVAL, ENOBUFS, ENOSPC, ENXIO, EPROTOTYPE } from "../kern/errno.ts";

/** sys/errno.h: inappropriate ioctl for device. */
const ENOTTY = 25;
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_IF, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { M_BCAST, M_MCAST, M_SETFIB, type mbuf } from "../kern/mbuf.ts";
import { AF_INET, AF_INET6, AF_LINK, type sockaddr } from "../kern/socket.ts";
import { log, printf } from "../kern/subr_prf.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_RWTUN, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, _net, kvar_of } from "../kern/sysctl.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { M_PREPEND, m_adj, m_devget, m_pullup } from "../kern/uipc_mbuf.ts";
import { DLT_NULL, bpf_mtap, bpf_mtap2, bpf_peers_present, bpfattach, bpfdetach } from "./bpf.ts";
import { ETHER_ADDR_LEN, ETHER_HDR_LEN, ETHER_IS_MULTICAST } from "./ethernet.ts";
import {
  IFCAP_LINKSTATE,
  IFCOUNTER_IBYTES,
  IFCOUNTER_IERRORS,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_IQDROPS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OMCASTS,
  IFCOUNTER_OPACKETS,
  IFCOUNTER_OQDROPS,
  IFF_BROADCAST,
  IFF_DRV_OACTIVE,
  IFF_DRV_RUNNING,
  IFF_LINK0,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFF_PROMISC,
  IFF_SIMPLEX,
  IFF_UP,
  IFNAMSIZ,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGIFMEDIA,
  SIOCGIFSTATUS,
  SIOCSIFADDR,
  SIOCSIFFLAGS,
  SIOCSIFMTU,
  if_alloc,
  if_attach,
  if_detach,
  if_down,
  if_free,
  if_inc_counter,
  if_initname,
  if_link_state_change,
  if_media_hook,
  if_purgeaddrs,
  ifnet_arrival_event,
  type ifaddr,
  type ifnet,
  type ifreq,
} from "./if.ts";
import { if_clone_advanced, if_clone_detach, type if_clone } from "./if_clone.ts";
import { IFT_ETHER, IFT_PPP } from "./if_dl.ts";
import { IF_LLADDR, ether_gen_addr, ether_ifattach, ether_ifdetach, ether_ioctl } from "./if_ethersubr.ts";
import { linux_tap_close, linux_tap_mtu, linux_tap_open, linux_tap_rename, linux_tap_send, type linux_tap } from "./linux_tap.ts";
import { NETISR_IP, NETISR_IPV6, netisr_dispatch } from "./netisr.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "./vnet.ts";

// net/if_types.h

// struct tuntap_softc's tun_flags.
export const TUN_OPEN = 0x0001;
export const TUN_INITED = 0x0002;
export const TUN_LMODE = 0x0020;
export const TUN_RWAIT = 0x0040;
export const TUN_ASYNC = 0x0080;
export const TUN_IFHEAD = 0x0100;
export const TUN_DYING = 0x0200;
export const TUN_L2 = 0x0400;
export const TUN_VMNET = 0x0800;
const TUN_DRIVER_IDENT_MASK = TUN_L2 | TUN_VMNET;
const TUN_READY = TUN_OPEN | TUN_INITED;

// net/if_tun.h, net/if_tap.h
export const TUNMTU = 1500;
export const TUNMRU = 65535;
export const TAPMRU = 65535;

// The cdev ioctls (net/if_tun.h, net/if_tap.h).
export const TUNSDEBUG = 0x8004745a;
export const TUNGDEBUG = 0x40047459;
export const TUNSIFINFO = 0x8008745b;
export const TUNGIFINFO = 0x4008745c;
export const TUNSLMODE = 0x8004745d;
export const TUNGIFNAME = 0x4020745d;
export const TUNSIFMODE = 0x8004745e;
export const TUNSIFPID = 0x2000745f;
export const TUNSIFHEAD = 0x80047460;
export const TUNGIFHEAD = 0x40047461;

/** struct ifstat's room for text (SIOCGIFSTATUS). */
const IFSTATMAX = 800;

/** struct tuninfo (TUNSIFINFO, TUNGIFINFO). */
export interface tuninfo {
  baudrate: number;
  mtu: number;
  type: number;
}

/** struct tuntap_driver: one per cloner. */
interface tuntap_driver {
  readonly d_name: string;
  readonly ident_flags: number;
  /** The unit numbers in use (unrhdr): global, as FreeBSD's. */
  readonly units: Set<number>;
  readonly match: (ifc: if_clone, name: string) => boolean;
}

const tuntap_drivers: tuntap_driver[] = [
  { d_name: "tun", ident_flags: 0, units: new Set(), match: tun_clone_match },
  { d_name: "tap", ident_flags: TUN_L2, units: new Set(), match: tap_clone_match },
  { d_name: "vmnet", ident_flags: TUN_L2 | TUN_VMNET, units: new Set(), match: vmnet_clone_match },
];

/** struct tuntap_softc. */
export class tuntap_softc {
  tun_flags: number;
  /** The PID of the program holding the device (socat's), 0 when closed. */
  tun_pid = 0;
  /** The remote side's Ethernet address (tap: the interface's own at open). */
  readonly tun_ether = new Uint8Array(ETHER_ADDR_LEN);
  tun_busy = 0;
  /** The device's name (tun0 at creation); the Linux side follows renames. */
  readonly tun_devname: string;
  /** The program on the host: the Linux side of the device, when open. */
  tun_linux: linux_tap | null = null;
  constructor(
    readonly tun_drv: tuntap_driver,
    readonly tun_ifp: ifnet,
    unit: number,
  ) {
    this.tun_flags = tun_drv.ident_flags;
    this.tun_devname = `${tun_drv.d_name}${unit}`;
  }
}

function TUN2IFP(tp: tuntap_softc): ifnet {
  return tp.tun_ifp;
}

// ---------------------------------------------------------------------------
// sysctls.

const tundebug = kvar_of(0);
const tapuponopen = kvar_of(0);
/** VirtNet's own: whether a tun or a tap gets a Linux side. */
const tun_linux = kvar_of(1);
const tap_linux = kvar_of(1);

const _net_link = SYSCTL_NODE(_net, AF_LINK, "link", CTLFLAG_RW, null, "Link layers");
const _net_link_tun = SYSCTL_NODE(_net_link, OID_AUTO, "tun", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "IP tunnel software network interface");
SYSCTL_INT(_net_link_tun, OID_AUTO, "linux", CTLFLAG_RWTUN, tun_linux, 0, "Give each tun a Linux TUN of the same name (VirtNet)");
const _net_link_tap = SYSCTL_NODE(_net_link, OID_AUTO, "tap", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "Ethernet tunnel software network interface");
SYSCTL_INT(_net_link_tap, OID_AUTO, "up_on_open", CTLFLAG_RW, tapuponopen, 0, "Bring interface up when /dev/tap is opened");
SYSCTL_INT(_net_link_tap, OID_AUTO, "debug", CTLFLAG_RW, tundebug, 0, "");
SYSCTL_INT(_net_link_tap, OID_AUTO, "linux", CTLFLAG_RWTUN, tap_linux, 0, "Give each tap and vmnet a Linux TAP of the same name (VirtNet)");

function TUNDEBUG(ifp: ifnet, s: string): void {
  if (tundebug.v !== 0) printf(`${ifp.if_xname}: ${s}`);
}

/** V_tuntap_driver_cloners. */
const tuntap_driver_cloners = VNET_DEFINE_PTR<{ drv: tuntap_driver; cloner: if_clone }[] | null>("tuntap_driver_cloners", null);

/** Every tun/tap/vmnet softc there is, in all vnets (tunhead). */
const tunhead: tuntap_softc[] = [];

// ---------------------------------------------------------------------------
// Names and cloners.

/** dev_stdclone's test: name is prefix followed by a unit number (no
 *  leading zero but for 0 itself, at most 0xffffff). */
function dev_stdclone(name: string, prefix: string): number {
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(rest)) return -1;
  const u = Number(rest);
  return u > 0xffffff ? -1 : u;
}

/** tuntap_name2info: the unit (-1 for none) and the driver's flags. */
function tuntap_name2info(name: string): { error: number; unit: number; flags: number } {
  for (let i = tuntap_drivers.length - 1; i >= 0; i--) {
    const drv = tuntap_drivers[i];
    if (name === drv.d_name) return { error: 0, unit: -1, flags: drv.ident_flags };
    const u = dev_stdclone(name, drv.d_name);
    if (u >= 0) return { error: 0, unit: u, flags: drv.ident_flags };
  }
  return { error: ENXIO, unit: -1, flags: 0 };
}

function tuntap_driver_from_flags(tun_flags: number): tuntap_driver | null {
  for (const drv of tuntap_drivers) if ((tun_flags & TUN_DRIVER_IDENT_MASK) === drv.ident_flags) return drv;
  return null;
}

function tun_clone_match(_ifc: if_clone, name: string): boolean {
  const r = tuntap_name2info(name);
  return r.error === 0 && (r.flags & TUN_L2) === 0;
}

function tap_clone_match(_ifc: if_clone, name: string): boolean {
  const r = tuntap_name2info(name);
  return r.error === 0 && (r.flags & (TUN_L2 | TUN_VMNET)) === TUN_L2;
}

function vmnet_clone_match(_ifc: if_clone, name: string): boolean {
  const r = tuntap_name2info(name);
  return r.error === 0 && (r.flags & TUN_VMNET) !== 0;
}

function alloc_unr(drv: tuntap_driver): number {
  for (let u = 0; u <= 0x7fff; u++) {
    if (!drv.units.has(u)) {
      drv.units.add(u);
      return u;
    }
  }
  return -1;
}

function tun_clone_create(_ifc: if_clone, name: string, _params: unknown): { error: number; name: string } {
  const r = tuntap_name2info(name);
  if (r.error !== 0) return { error: r.error, name };
  const drv = tuntap_driver_from_flags(r.flags);
  if (drv === null) return { error: ENXIO, name };
  let unit = r.unit;
  if (unit !== -1) {
    // If this unit number is still available that's okay.
    if (unit > 0x7fff || drv.units.has(unit)) return { error: EEXIST, name };
    drv.units.add(unit);
  } else {
    unit = alloc_unr(drv);
    if (unit < 0) return { error: ENOSPC, name };
  }
  const xname = `${drv.d_name}${unit}`.slice(0, IFNAMSIZ - 1);
  const tp = tuncreate(drv, unit);
  tunhead.push(tp);
  tun_linux_open(tp);
  return { error: 0, name: xname };
}

/** tun_destroy: the device goes first (closing the Linux side), then the
 *  interface, then the unit. */
function tun_destroy(tp: tuntap_softc): void {
  tp.tun_flags |= TUN_DYING;
  const ifp = TUN2IFP(tp);
  const saved = CURVNET_SET(ifp.if_vnet, "tun_destroy");
  tun_linux_close(tp, false);
  if ((tp.tun_flags & TUN_L2) !== 0) {
    if_media_hook.delete(ifp);
    ether_ifdetach(ifp);
  } else {
    bpfdetach(ifp);
    if_detach(ifp);
  }
  ifp.if_softc = null;
  tp.tun_drv.units.delete(ifp.if_dunit);
  if_free(ifp);
  CURVNET_RESTORE(saved);
}

function tun_clone_destroy(_ifc: if_clone, ifp: ifnet): number {
  const tp = ifp.if_softc as tuntap_softc | null;
  if (tp === null) return ENXIO;
  const i = tunhead.indexOf(tp);
  if (i >= 0) tunhead.splice(i, 1);
  tun_destroy(tp);
  return 0;
}

function vnet_tun_init(): void {
  const list: { drv: tuntap_driver; cloner: if_clone }[] = [];
  for (const drv of tuntap_drivers) {
    const cloner = if_clone_advanced(drv.d_name, 0, drv.match, tun_clone_create, tun_clone_destroy);
    if (cloner !== null) list.unshift({ drv, cloner });
  }
  VNET_PTR_SET(tuntap_driver_cloners, list);
}
VNET_SYSINIT("vnet_tun_init", SI_SUB_PROTO_IF, SI_ORDER_ANY, vnet_tun_init);

function vnet_tun_uninit(): void {
  const list = VNET_PTR(tuntap_driver_cloners);
  if (list !== null) for (const drvc of list) if_clone_detach(drvc.cloner);
  VNET_PTR_SET(tuntap_driver_cloners, null);
}
VNET_SYSUNINIT("vnet_tun_uninit", SI_SUB_PROTO_IF, SI_ORDER_ANY, vnet_tun_uninit);

/** tuncreate: the interface of a new device: Ethernet for tap and vmnet
 *  (with an address from FreeBSD's OUI), point-to-point for tun. */
function tuncreate(drv: tuntap_driver, unit: number): tuntap_softc {
  const l2 = (drv.ident_flags & TUN_L2) !== 0;
  let iflags = IFF_MULTICAST;
  let type: number;
  if (l2) {
    type = IFT_ETHER;
    iflags |= IFF_BROADCAST | IFF_SIMPLEX;
  } else {
    type = IFT_PPP;
    iflags |= IFF_POINTOPOINT;
  }
  const ifp = if_alloc(type);
  const tp = new tuntap_softc(drv, ifp, unit);
  ifp.if_softc = tp;
  if_initname(ifp, drv.d_name, unit);
  ifp.if_ioctl = tunifioctl;
  ifp.if_flags = iflags;
  ifp.if_capabilities |= IFCAP_LINKSTATE;
  ifp.if_capenable |= IFCAP_LINKSTATE;
  if (l2) {
    ifp.if_init = tunifinit;
    const eaddr = new Uint8Array(ETHER_ADDR_LEN);
    ether_gen_addr(ifp, eaddr);
    ether_ifattach(ifp, eaddr);
    ifp.if_transmit = tap_transmit;
    ifp.if_qflush = tun_qflush;
    if_media_hook.set(ifp, () => "Ethernet autoselect");
  } else {
    ifp.if_mtu = TUNMTU;
    ifp.if_output = tunoutput;
    ifp.if_transmit = tun_transmit;
    ifp.if_qflush = tun_qflush;
    if_attach(ifp);
    bpfattach(ifp, DLT_NULL, 4);
  }
  tp.tun_flags |= TUN_INITED;
  TUNDEBUG(ifp, `interface ${ifp.if_xname} is created\n`);
  return tp;
}

/** tunrename (ifnet_arrival_event): the Linux side takes the new name, as
 *  FreeBSD gives the device an alias of it; failing that, on a best effort
 *  basis as the alias is, the Linux side keeps its name and says why. */
function tunrename(ifp: ifnet): void {
  const tp = ifp.if_softc;
  if (!(tp instanceof tuntap_softc) || tp.tun_ifp !== ifp) return;
  const lt = tp.tun_linux;
  if (lt === null || lt.name === ifp.if_xname) return;
  const err = linux_tap_rename(lt, ifp.if_xname);
  if (err !== null) tun_warn(tp, err);
}
ifnet_arrival_event.push(tunrename);

// ---------------------------------------------------------------------------
// The device: opened by the Linux side, closed when it goes.

function tun_warn(tp: tuntap_softc, s: string): void {
  log(4, `${tp.tun_devname}: ${s}\n`);
  process.stderr.write(`${s}\n`);
}

/** Whether this driver's interfaces get a Linux side (net.link.tun.linux,
 *  net.link.tap.linux, or the loader tunable of the same name). */
function tun_linux_wanted(tp: tuntap_softc): boolean {
  return ((tp.tun_flags & TUN_L2) !== 0 ? tap_linux.v : tun_linux.v) !== 0;
}

/** Open the device from the Linux side (tunopen). */
function tun_linux_open(tp: tuntap_softc): void {
  if (!tun_linux_wanted(tp)) return;
  const ifp = TUN2IFP(tp);
  const l2 = (tp.tun_flags & TUN_L2) !== 0;
  const r = linux_tap_open(ifp.if_xname, l2 ? "tap" : "tun", ifp.if_mtu, (frame) => tunwrite(tp, frame), {
    gone: (reason) => tun_linux_gone(tp, reason),
  });
  if (typeof r === "string") {
    tun_warn(tp, `${r}; ${ifp.if_xname} stays without carrier`);
    return;
  }
  tunopen(tp, r);
}

function tunopen(tp: tuntap_softc, lt: linux_tap): void {
  const ifp = TUN2IFP(tp);
  tp.tun_linux = lt;
  tp.tun_busy++;
  if ((tp.tun_flags & TUN_L2) !== 0) {
    tp.tun_ether.set(IF_LLADDR(ifp));
    ifp.if_drv_flags |= IFF_DRV_RUNNING;
    ifp.if_drv_flags &= ~IFF_DRV_OACTIVE;
    if (tapuponopen.v !== 0) ifp.if_flags |= IFF_UP;
  }
  tp.tun_pid = lt.pid;
  tp.tun_flags |= TUN_OPEN;
  const saved = CURVNET_SET(ifp.if_vnet, "tunopen");
  if_link_state_change(ifp, LINK_STATE_UP);
  CURVNET_RESTORE(saved);
  TUNDEBUG(ifp, "open\n");
}

/** socat died under us: the device is closed (tundtor). */
function tun_linux_gone(tp: tuntap_softc, reason: string): void {
  if (tp.tun_linux === null) return;
  tp.tun_linux = null;
  tun_warn(tp, reason);
  tundtor(tp);
}

function tun_linux_close(tp: tuntap_softc, dtor: boolean): void {
  const lt = tp.tun_linux;
  if (lt === null) return;
  tp.tun_linux = null;
  linux_tap_close(lt);
  if (dtor) tundtor(tp);
  else {
    tp.tun_flags &= ~TUN_OPEN;
    tp.tun_pid = 0;
    tp.tun_busy--;
  }
}

/** tundtor: the last close of the device: down, addresses and routes gone
 *  (except for vmnet, and tap with link0), link down. */
function tundtor(tp: tuntap_softc): void {
  const ifp = TUN2IFP(tp);
  const saved = CURVNET_SET(ifp.if_vnet, "tundtor");
  const l2tun = (tp.tun_flags & TUN_L2) !== 0;
  if (!((tp.tun_flags & TUN_VMNET) !== 0 || (l2tun && (ifp.if_flags & IFF_LINK0) !== 0))) {
    if ((ifp.if_flags & IFF_UP) !== 0) if_down(ifp);
    if ((ifp.if_drv_flags & IFF_DRV_RUNNING) !== 0) {
      ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
      if_purgeaddrs(ifp);
    }
  }
  if_link_state_change(ifp, LINK_STATE_DOWN);
  CURVNET_RESTORE(saved);
  TUNDEBUG(ifp, "closed\n");
  tp.tun_flags &= ~TUN_OPEN;
  tp.tun_pid = 0;
  tp.tun_busy--;
}

/** Close the device of an interface, as the program on the host would by
 *  closing /dev/tunN (for tests and the library); false if not open. */
export function tun_devclose(ifp: ifnet): boolean {
  const tp = ifp.if_softc;
  if (!(tp instanceof tuntap_softc) || tp.tun_linux === null) return false;
  tun_linux_close(tp, true);
  return true;
}

/** Open the device of an interface from the Linux side if it is closed
 *  (for tests and the library): null, or the one-line reason it is not. */
export function tun_devopen(ifp: ifnet): string | null {
  const tp = ifp.if_softc;
  if (!(tp instanceof tuntap_softc)) return `${ifp.if_xname}: not a tun, tap or vmnet`;
  if ((tp.tun_flags & (TUN_OPEN | TUN_DYING)) !== 0) return `${ifp.if_xname}: ${tp.tun_devname} is busy`;
  const l2 = (tp.tun_flags & TUN_L2) !== 0;
  const r = linux_tap_open(ifp.if_xname, l2 ? "tap" : "tun", ifp.if_mtu, (frame) => tunwrite(tp, frame), {
    gone: (reason) => tun_linux_gone(tp, reason),
  });
  if (typeof r === "string") return r;
  tunopen(tp, r);
  return null;
}

/** The Linux side of an interface (null when its device is closed). */
export function tun_linux_of(ifp: ifnet): linux_tap | null {
  const tp = ifp.if_softc;
  return tp instanceof tuntap_softc ? tp.tun_linux : null;
}

// ---------------------------------------------------------------------------
// The interface.

function tuninit(ifp: ifnet): void {
  const tp = ifp.if_softc as tuntap_softc;
  TUNDEBUG(ifp, "tuninit\n");
  ifp.if_drv_flags |= IFF_DRV_RUNNING;
  if ((tp.tun_flags & TUN_L2) === 0) ifp.if_flags |= IFF_UP;
  else ifp.if_drv_flags &= ~IFF_DRV_OACTIVE;
}

function tunifinit(xtp: unknown): void {
  tuninit((xtp as tuntap_softc).tun_ifp);
}

/** tunifioctl: the interface's ioctls. */
function tunifioctl(ifp: ifnet, cmd: number, data: ifreq | ifaddr): number {
  const tp = ifp.if_softc as tuntap_softc | null;
  if (tp === null) return ENXIO;
  const l2tun = (tp.tun_flags & TUN_L2) !== 0;
  const ifr = data as ifreq;
  let error = 0;
  switch (cmd) {
    case SIOCGIFSTATUS:
      ifr.ifs_ascii = tp.tun_pid !== 0 ? `\tOpened by PID ${tp.tun_pid}\n` : "";
      break;
    case SIOCSIFADDR:
      if (l2tun) error = ether_ioctl(ifp, cmd, data);
      else tuninit(ifp);
      if (error === 0) TUNDEBUG(ifp, "address set\n");
      break;
    case SIOCSIFMTU: {
      const mtu = ifr.ifr_mtu ?? ifp.if_mtu;
      ifp.if_mtu = mtu;
      // The Linux side takes the same MTU, as far as Linux allows.
      if (tp.tun_linux !== null) {
        const e = linux_tap_mtu(tp.tun_linux, mtu);
        if (e !== null) tun_warn(tp, e);
      }
      TUNDEBUG(ifp, "mtu set\n");
      break;
    }
    case SIOCSIFFLAGS:
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      break;
    case SIOCGIFMEDIA:
      // (ifconfig reads the text from if_media_hook; tun has no media.)
      if (!l2tun) error = EINVAL;
      else ifr.ifr_media = "Ethernet autoselect";
      break;
    default:
      error = l2tun ? ether_ioctl(ifp, cmd, data) : EINVAL;
  }
  return error;
}

/** The family in front of a packet for BPF (DLT_NULL: host order). */
const af_hdr = new Uint8Array(4);
const af_hdr_dv = new DataView(af_hdr.buffer);

/** The family of a destination sockaddr. */
function dst_family(dst: sockaddr): number {
  if ("sin_family" in dst) return dst.sin_family;
  if ("sdl_family" in dst) return dst.sdl_family;
  return dst.sa_family;
}

/**
 * tunoutput: tun's if_output.  Not ready (device closed) or down is
 * EHOSTDOWN; BPF sees the packet with its family; in link mode the
 * destination goes in front, in ifhead mode the family; otherwise only
 * IPv4 can go.  Then if_transmit hands it to the device.
 */
export function tunoutput(ifp: ifnet, m0: mbuf, dst: sockaddr, _ro: unknown): number {
  const tp = ifp.if_softc as tuntap_softc;
  TUNDEBUG(ifp, "tunoutput\n");
  const cached_tun_flags = tp.tun_flags;
  if ((cached_tun_flags & TUN_READY) !== TUN_READY) {
    TUNDEBUG(ifp, `not ready 0${cached_tun_flags.toString(8)}\n`);
    m_freem(m0);
    return EHOSTDOWN;
  }
  if ((ifp.if_flags & IFF_UP) !== IFF_UP) {
    m_freem(m0);
    return EHOSTDOWN;
  }
  const af = dst_family(dst);
  if (bpf_peers_present(ifp)) {
    af_hdr_dv.setUint32(0, af, true);
    bpf_mtap2(ifp, af_hdr, m0);
  }
  let m: mbuf | null = m0;
  if ((cached_tun_flags & TUN_LMODE) !== 0) {
    const salen = "sin_len" in dst ? dst.sin_len : "sdl_len" in dst ? dst.sdl_len : dst.sa_len;
    m = M_PREPEND_OR_NULL(m, salen);
    if (m === null) {
      if_inc_counter(ifp, IFCOUNTER_IQDROPS, 1);
      if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
      return ENOBUFS;
    }
    sockaddr_write(m, dst, salen);
  }
  if ((cached_tun_flags & TUN_IFHEAD) !== 0) {
    m = M_PREPEND_OR_NULL(m, 4);
    if (m === null) {
      if_inc_counter(ifp, IFCOUNTER_IQDROPS, 1);
      if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
      return ENOBUFS;
    }
    new DataView(m.m_buf.buffer, m.m_buf.byteOffset).setUint32(m.m_data, af, false);
  } else if (af !== AF_INET) {
    m_freem(m);
    return EAFNOSUPPORT;
  }
  const error = ifp.if_transmit(ifp, m);
  if (error !== 0) return ENOBUFS;
  if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
  return 0;
}

function M_PREPEND_OR_NULL(m: mbuf, len: number): mbuf | null {
  return M_PREPEND(m, len, M_NOWAIT);
}

/** The bytes of a destination sockaddr in front of the packet (link mode). */
function sockaddr_write(m: mbuf, dst: sockaddr, salen: number): void {
  const b = m.m_buf;
  const o = m.m_data;
  b.fill(0, o, o + salen);
  b[o] = salen;
  b[o + 1] = dst_family(dst);
  if ("sin_addr" in dst && salen >= 8) {
    b[o + 2] = (dst.sin_port >>> 8) & 0xff;
    b[o + 3] = dst.sin_port & 0xff;
    b[o + 4] = dst.sin_addr >>> 24;
    b[o + 5] = (dst.sin_addr >>> 16) & 0xff;
    b[o + 6] = (dst.sin_addr >>> 8) & 0xff;
    b[o + 7] = dst.sin_addr & 0xff;
  }
  if ("sin6_addr" in dst && salen >= 28) {
    b[o + 2] = (dst.sin6_port >>> 8) & 0xff;
    b[o + 3] = dst.sin6_port & 0xff;
    new DataView(b.buffer, b.byteOffset).setUint32(o + 4, dst.sin6_flowinfo >>> 0);
    b.set(dst.sin6_addr.s6_addr, o + 8);
    new DataView(b.buffer, b.byteOffset).setUint32(o + 24, dst.sin6_scope_id >>> 0, true);
  }
}

/**
 * tun's if_transmit (if_transmit_default, tunstart, and the reader's
 * tunread at once): the packet goes to the Linux side as a bare IP packet.
 * The device program skips what the modes put in front: the family
 * (ifhead mode; only IPv4 and IPv6 mean anything to Linux) or the
 * destination (link mode).
 */
function tun_transmit(ifp: ifnet, m: mbuf): number {
  const tp = ifp.if_softc as tuntap_softc;
  const len = m.m_pkthdr.len;
  if_inc_counter(ifp, IFCOUNTER_OBYTES, len);
  if ((m.m_flags & M_MCAST) !== 0) if_inc_counter(ifp, IFCOUNTER_OMCASTS, 1);
  const lt = tp.tun_linux;
  if (lt === null) {
    m_freem(m);
    return 0;
  }
  let skip = 0;
  if ((tp.tun_flags & TUN_IFHEAD) !== 0) {
    skip = 4;
  } else if ((tp.tun_flags & TUN_LMODE) !== 0) {
    skip = m.m_len > 0 ? m.m_buf[m.m_data] : 0;
  }
  if (skip > 0) {
    if (skip > len) {
      m_freem(m);
      return 0;
    }
    m_adj(m, skip);
  }
  linux_tap_send(lt, m);
  m_freem(m);
  return 0;
}

/**
 * tap's if_transmit (if_transmit_default, tunstart_l2 and tunread): while
 * the device is not open, tap drops and counts an output error; vmnet keeps
 * no queue here and counts a queue drop.  Otherwise BPF sees the frame and
 * it goes to the Linux side.
 */
function tap_transmit(ifp: ifnet, m: mbuf): number {
  const tp = ifp.if_softc as tuntap_softc;
  const len = m.m_pkthdr.len;
  const mcast = (m.m_flags & (M_BCAST | M_MCAST)) !== 0;
  const lt = tp.tun_linux;
  if ((tp.tun_flags & TUN_READY) !== TUN_READY || lt === null) {
    m_freem(m);
    if ((tp.tun_flags & TUN_VMNET) !== 0) {
      if_inc_counter(ifp, IFCOUNTER_OQDROPS, 1);
      return ENOBUFS;
    }
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    return 0;
  }
  if_inc_counter(ifp, IFCOUNTER_OBYTES, len);
  if (mcast) if_inc_counter(ifp, IFCOUNTER_OMCASTS, 1);
  if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
  if (bpf_peers_present(ifp)) bpf_mtap(ifp, m);
  linux_tap_send(lt, m);
  m_freem(m);
  return 0;
}

function tun_qflush(_ifp: ifnet): void {}

// ---------------------------------------------------------------------------
// What the device program writes: a frame from Linux.

/**
 * tunwrite: one write is one packet.  Ignored while the interface is down,
 * or empty; EIO (dropped) above the MRU; then into mbufs from the zones
 * (none left: an input error) and up the stack as tunwrite_l2 or
 * tunwrite_l3 does.  The frame is a view of the host's datagram, valid
 * during the call.
 */
function tunwrite(tp: tuntap_softc, frame: Uint8Array): number {
  const ifp = TUN2IFP(tp);
  if ((tp.tun_flags & TUN_DYING) !== 0 || ifp.if_softc !== tp) return ENXIO;
  TUNDEBUG(ifp, "tunwrite\n");
  if ((ifp.if_flags & IFF_UP) !== IFF_UP) return 0;
  const len = frame.length;
  if (len === 0) return 0;
  const l2tun = (tp.tun_flags & TUN_L2) !== 0;
  let mru = l2tun ? TAPMRU : TUNMRU;
  if (!l2tun && (tp.tun_flags & TUN_IFHEAD) !== 0) mru += 4;
  if (len > mru) {
    TUNDEBUG(ifp, `len=${len}!\n`);
    return 5; // EIO
  }
  const saved = CURVNET_SET(ifp.if_vnet, "tunwrite");
  let error: number;
  if (l2tun) error = tunwrite_l2(tp, frame);
  else error = tunwrite_l3(tp, frame);
  CURVNET_RESTORE(saved);
  return error;
}

/** tunwrite_l2: only frames real hardware would have received go on to
 *  ether_input: a whole header, and for us (or multicast, or promiscuous). */
function tunwrite_l2(tp: tuntap_softc, frame: Uint8Array): number {
  const ifp = TUN2IFP(tp);
  if (frame.length < ETHER_HDR_LEN) return 0;
  if ((ifp.if_flags & IFF_PROMISC) === 0 && !ETHER_IS_MULTICAST(frame, 0)) {
    const ll = IF_LLADDR(ifp);
    for (let i = 0; i < ETHER_ADDR_LEN; i++) if (frame[i] !== ll[i]) return 0;
  }
  const m = m_devget(frame, 0, frame.length, ifp);
  if (m === null) {
    if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
    return ENOBUFS;
  }
  ifp.if_input(ifp, m);
  // ibytes are counted in ether_input
  if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
  return 0;
}

/** tunwrite_l3: the family from the header the device program writes in
 *  ifhead mode (from the IP version of what Linux sent), AF_INET
 *  otherwise; then straight to the protocol's netisr. */
function tunwrite_l3(tp: tuntap_softc, frame: Uint8Array): number {
  const ifp = TUN2IFP(tp);
  let family = AF_INET;
  if ((tp.tun_flags & TUN_IFHEAD) !== 0) family = frame[0] >> 4 === 6 ? AF_INET6 : frame[0] >> 4 === 4 ? AF_INET : 0;
  let m: mbuf | null = m_devget(frame, 0, frame.length, ifp);
  if (m === null) {
    if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
    return ENOBUFS;
  }
  if (bpf_peers_present(ifp)) {
    af_hdr_dv.setUint32(0, family, true);
    bpf_mtap2(ifp, af_hdr, m);
  }
  let isr: number;
  switch (family) {
    case AF_INET:
      isr = NETISR_IP;
      break;
    case AF_INET6:
      isr = NETISR_IPV6;
      break;
    default:
      m_freem(m);
      return EAFNOSUPPORT;
  }
  if (m.m_len < 1) {
    m = m_pullup(m, 1);
    if (m === null) return ENOBUFS;
  }
  if_inc_counter(ifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
  if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
  M_SETFIB(m, ifp.if_fib);
  netisr_dispatch(isr, m);
  return 0;
}

// ---------------------------------------------------------------------------
// The cdev ioctls (see the header: a kernel function here).

/**
 * tun_devioctl: what a program holding /dev/tunN or /dev/tapN asks of it
 * (tunioctl).  `data` is an int for the mode ioctls, a tuninfo for
 * TUNSIFINFO/TUNGIFINFO, an ifreq for TUNGIFNAME; answers are written into
 * it.  ENOTTY for what the device does not know.
 */
export function tun_devioctl(ifp: ifnet, cmd: number, data: { v: number } | tuninfo | ifreq): number {
  const tp = ifp.if_softc;
  if (!(tp instanceof tuntap_softc)) return ENXIO;
  const l2tun = (tp.tun_flags & TUN_L2) !== 0;
  const ival = (): number => (data as { v: number }).v;
  if (!l2tun) {
    switch (cmd) {
      case TUNSLMODE:
        if (ival() !== 0) {
          tp.tun_flags |= TUN_LMODE;
          tp.tun_flags &= ~TUN_IFHEAD;
        } else tp.tun_flags &= ~TUN_LMODE;
        return 0;
      case TUNSIFHEAD:
        if (ival() !== 0) {
          tp.tun_flags |= TUN_IFHEAD;
          tp.tun_flags &= ~TUN_LMODE;
        } else tp.tun_flags &= ~TUN_IFHEAD;
        return 0;
      case TUNGIFHEAD:
        (data as { v: number }).v = (tp.tun_flags & TUN_IFHEAD) !== 0 ? 1 : 0;
        return 0;
      case TUNSIFMODE: {
        // Deny this if UP.
        if ((ifp.if_flags & IFF_UP) !== 0) return EBUSY;
        const mode = ival();
        switch (mode & ~IFF_MULTICAST) {
          case IFF_POINTOPOINT:
          case IFF_BROADCAST:
            ifp.if_flags &= ~(IFF_BROADCAST | IFF_POINTOPOINT | IFF_MULTICAST);
            ifp.if_flags |= mode;
            return 0;
          default:
            return EINVAL;
        }
      }
      case TUNSIFPID:
        // The program holding the device is socat; it stays the owner.
        return 0;
    }
  }
  switch (cmd) {
    case TUNGIFNAME:
      (data as ifreq).ifr_name = ifp.if_xname;
      return 0;
    case TUNSIFINFO: {
      const tunp = data as tuninfo;
      if (ifp.if_type !== tunp.type) return EPROTOTYPE;
      if (ifp.if_mtu !== tunp.mtu) {
        const saved = CURVNET_SET(ifp.if_vnet, "tunioctl");
        const error = tunifioctl(ifp, SIOCSIFMTU, { ifr_name: ifp.if_xname, ifr_mtu: tunp.mtu });
        CURVNET_RESTORE(saved);
        if (error !== 0) return error;
      }
      ifp.if_baudrate = tunp.baudrate;
      return 0;
    }
    case TUNGIFINFO: {
      const tunp = data as tuninfo;
      tunp.mtu = ifp.if_mtu;
      tunp.type = ifp.if_type;
      tunp.baudrate = ifp.if_baudrate;
      return 0;
    }
    case TUNSDEBUG:
      tundebug.v = ival();
      return 0;
    case TUNGDEBUG:
      (data as { v: number }).v = tundebug.v;
      return 0;
    default:
      return ENOTTY;
  }
}

/** The flags of a tun/tap softc (TUN_*), for tests; -1 if not one. */
export function tun_flags_of(ifp: ifnet): number {
  const tp = ifp.if_softc;
  return tp instanceof tuntap_softc ? tp.tun_flags : -1;
}

DECLARE_MODULE({ name: "if_tuntap", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("if_tuntap", 1);
DECLARE_MODULE({ name: "if_tun", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("if_tun", 1);
DECLARE_MODULE({ name: "if_tap", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("if_tap", 1);
