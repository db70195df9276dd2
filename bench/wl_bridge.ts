// The if_bridge workload (issue 12): Ethernet frames per second through an
// if_bridge(4) of 2 and 16 members, in one vnet jail (VIMAGE) or the one
// stack (baseline).
//
//   A frame handed to epair0b's if_transmit crosses to epair0a, a member:
//   ether_input -> bridge_input -> bridge_forward, which looks its learned
//   destination up and transmits it on the last member, epair<N-1>a; the
//   frame crosses to epair<N-1>b, whose ether_input finds it is for another
//   station and frees it (counted by epair<N-1>b's if_ipackets).  With 16
//   members, a broadcast is copied to the 15 others (and to bridge0, which
//   has no protocol for it).
//
// Every frame is a fresh mbuf freed at the far end.  The bridge is set up
// through the system calls as ifconfig would (SIOCIFCREATE2, BRDGADD with
// SIOCSDRVSPEC, SIOCSIFFLAGS); every member's station says hello once so
// the table knows them all.
import {
  BRDGADD,
  IFCOUNTER_IPACKETS,
  SIOCIFCREATE2,
  SIOCSDRVSPEC,
  SIZEOF_IFBREQ,
  if_get_counter,
  ifbreq,
  sys_ioctl,
  taskqueue_run,
  vnet_run,
  type ifnet,
} from "../index.ts";
import { host_node, if_updown, ifp_of, must, vnet_jail_node, type node } from "./topo.ts";
import { heap_allocated, rate_for } from "./wl_util.ts";
import { frame_bytes, frame_mbuf } from "./wl_links.ts";

export const BRIDGE_BURST = 64;

function mac(i: number): number[] {
  return [2, 0, 0, 0, i >> 8, i & 0xff];
}

/** A 64-byte frame from src to dst with a local experimental ethertype. */
interface bridge_state {
  n: node;
  /** The far sides of the members, epair<i>b. */
  far: ifnet[];
  from: ifnet;
  t: Uint8Array;
  /** Frames that arrive per frame sent. */
  fanout: number;
}

const cache = new Map<string, bridge_state>();

/** ifconfig bridge create; for each member: ifconfig epair create,
 *  ifconfig bridge0 addm epair<i>a, both sides up; bridge0 up. */
function bridge_state_get(members: number, broadcast: boolean): bridge_state {
  const key = `${members}:${broadcast}`;
  const have = cache.get(key);
  if (have !== undefined) return have;
  const n = VIMAGE ? vnet_jail_node(`ifb${members}${broadcast ? "b" : "u"}`) : host_node();
  const bifr = { ifr_name: "bridge" };
  must(sys_ioctl(n.p, n.sfd, SIOCIFCREATE2, bifr), "ifconfig bridge create");
  const br = bifr.ifr_name;
  const far: ifnet[] = [];
  for (let i = 0; i < members; i++) {
    const eifr = { ifr_name: "epair" };
    must(sys_ioctl(n.p, n.sfd, SIOCIFCREATE2, eifr), "ifconfig epair create");
    const a = eifr.ifr_name;
    const b = a.replace(/a$/, "b");
    const req = new ifbreq();
    req.ifbr_ifsname = a;
    must(sys_ioctl(n.p, n.sfd, SIOCSDRVSPEC, { ifd_name: br, ifd_cmd: BRDGADD, ifd_len: SIZEOF_IFBREQ, ifd_data: req }), `ifconfig ${br} addm ${a}`);
    if_updown(n, a, true);
    if_updown(n, b, true);
    far.push(ifp_of(n, b));
  }
  if_updown(n, br, true);
  // Each member's station says hello (a broadcast), so every one is known.
  vnet_run(n.v, "bench", () => {
    for (let i = 0; i < members; i++) far[i].if_transmit(far[i], frame_mbuf(frame_bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], mac(i + 1))));
  });
  taskqueue_run();
  const t = frame_bytes(broadcast ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : mac(members), mac(1));
  const st: bridge_state = { n, far, from: far[0], t, fanout: broadcast ? members - 1 : 1 };
  cache.set(key, st);
  const got = burst(st, BRIDGE_BURST);
  if (got !== BRIDGE_BURST * st.fanout) throw new Error(`if_bridge: ${got} of ${BRIDGE_BURST * st.fanout} frames arrived`);
  return st;
}

function arrived(st: bridge_state): number {
  let s = 0;
  for (let i = 1; i < st.far.length; i++) s += if_get_counter(st.far[i], IFCOUNTER_IPACKETS);
  return s;
}

function burst(st: bridge_state, n: number): number {
  const from = st.from;
  const t = st.t;
  const before = arrived(st);
  vnet_run(st.n.v, "bench", () => {
    for (let i = 0; i < n; i++) from.if_transmit(from, frame_mbuf(t));
  });
  taskqueue_run();
  return arrived(st) - before;
}

export type bridge_kind = "2" | "16" | "16bc";

function runner(kind: bridge_kind): () => number {
  const st = bridge_state_get(kind === "2" ? 2 : 16, kind === "16bc");
  return () => burst(st, BRIDGE_BURST) / st.fanout;
}

/** Frames per second sent through the bridge (a broadcast counts once). */
export function bridge_run(kind: bridge_kind, ms: number): number {
  return rate_for(ms, runner(kind)).rate;
}

/** Heap bytes allocated per frame, once warm. */
export function bridge_alloc(kind: bridge_kind, n: number): number {
  const step = runner(kind);
  for (let i = 0; i < 3000; i++) step();
  const bursts = Math.ceil(n / BRIDGE_BURST);
  const bytes = heap_allocated(() => {
    for (let i = 0; i < bursts; i++) step();
  });
  return bytes / (bursts * BRIDGE_BURST);
}
