// sys/netpfil/ipfw/ip_fw_nat.c: in-kernel NAT for ipfw (`nat N` rules),
// one libalias instance per `ipfw nat N config`.  The instances of a vnet
// hang off its ipfw chain (V_layer3_chain.nat); ipfw_chk hands a packet
// that reached a `nat N` rule to ipfw_nat(), which pulls it into one
// writable buffer, runs LibAliasIn or LibAliasOut on it, and drops what
// libalias refuses.  An instance configured with `if IFNAME` follows that
// interface's IPv4 address (the ifaddr event).
//
// Configuration is FreeBSD 14's IP_FW3 NAT44 ABI: IP_FW_NAT44_XCONFIG,
// _DESTROY, _XGETCONFIG, _LIST_NAT and _XGETLOG, with struct nat44_cfg_nat,
// nat44_cfg_redir and nat44_cfg_spool laid out as in ip_fw.h (integers in
// host order, little-endian as on amd64; addresses in network order).  The
// pre-IP_FW3 sockopts (IP_FW_NAT_CFG and friends, cfg_nat_legacy) are not
// provided: nothing in this tree speaks them.
//
// A protocol module of libalias that rewrote a segment's data (alias_ftp,
// after `kldload alias_ftp`) hands it back with th_x2 set and no checksum;
// ipfw_nat then computes the TCP checksum afresh, as FreeBSD's does.
//
// The module is "ipfw_nat", in ipfw_nat.ko (kldload ipfw_nat).  ipfw_chk
// finds an instance by number each time (ipfwk's ipfw_insn_nat keeps no
// cached pointer), so there is no flush_nat_ptrs to clear one.

import { EINVAL, ENOENT, ENOMEM, EOPNOTSUPP, ESRCH } from "../../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_FIREWALL } from "../../kern/kernel.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_QUIESCE, MOD_UNLOAD, type module } from "../../kern/kern_module.ts";
import { MODULE_VERSION } from "../../kern/kern_linker.ts";
import { CSUM_DELAY_DATA, M_TRAILINGSPACE, type mbuf } from "../../kern/mbuf.ts";
import { M_SKIP_FIREWALL } from "../../netinet/ip_var.ts";
import { m_free } from "../../kern/kern_mbuf.ts";
import { panic, printf } from "../../kern/subr_prf.ts";
import { ifaddr_event_ext, type ifaddr, type ifnet } from "../../net/if.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_FOREACH, VNET_I32_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "../../net/vnet.ts";
import { IPPROTO_TCP, IPPROTO_UDP, satosin } from "../../netinet/in.ts";
import { in_delayed_cksum, in_pseudo } from "../../netinet/in_cksum.ts";
import { IP_OFFMASK, IPH_DST, IPH_LEN, IPH_OFF, IPH_P, IPH_SRC, IPH_VHL, UH_SUM } from "../../netinet/ip.ts";
import {
  IP_FW_NAT44_DESTROY,
  IP_FW_NAT44_LIST_NAT,
  IP_FW_NAT44_XCONFIG,
  IP_FW_NAT44_XGETCONFIG,
  IP_FW_NAT44_XGETLOG,
  NAT44_REDIR_ADDR,
  NAT44_REDIR_PORT,
  NAT44_REDIR_PROTO,
  SZ_ipfw_obj_header,
  SZ_ipfw_obj_lheader,
  SZ_ipfw_obj_ntlv,
  SZ_nat44_cfg_nat,
  SZ_nat44_cfg_redir,
  SZ_nat44_cfg_spool,
  cstr_read,
  cstr_write,
  lheader_count,
  lheader_objsize,
  lheader_size,
  objh_ntlv,
  tlv_length, nat_name, nat_if_name, nat_size, nat_ip, nat_mode, nat_redir_cnt, nat_alias_port_lo, nat_alias_port_hi, redir_laddr, redir_paddr, redir_raddr, redir_lport, redir_pport, redir_rport, redir_pport_cnt, redir_rport_cnt, redir_mode, redir_spool_cnt, redir_proto, spool_addr, spool_port } from "../../netinet/ip_fw.ts";
import { TCPH_OFFX2, TCPH_SUM } from "../../netinet/tcp.ts";
import {
  LibAliasIn,
  LibAliasOut,
  LibAliasOutTry,
  PKT_ALIAS_DENY_INCOMING,
  PKT_ALIAS_ERROR,
  PKT_ALIAS_IGNORED,
  PKT_ALIAS_OK,
  PKT_ALIAS_RESPOND,
  PKT_ALIAS_SKIP_GLOBAL,
  PKT_ALIAS_UNRESOLVED_FRAGMENT,
  m_megapullup,
} from "../../netinet/libalias/alias.ts";
import {
  LibAliasAddServer,
  LibAliasInit,
  LibAliasRedirectAddr,
  LibAliasRedirectDelete,
  LibAliasRedirectPort,
  LibAliasRedirectProto,
  LibAliasSetAddress,
  LibAliasSetAliasPortRange,
  LibAliasSetMode,
  LibAliasUninit,
  type alias_link,
} from "../../netinet/libalias/alias_db.ts";
import { LIBALIAS_BUF_SIZE, type libalias } from "../../netinet/libalias/alias_local.ts";
import {
  HDIR_GET,
  HDIR_SET,
  IP_FW_DENY,
  IP_FW_NAT,
  IPFW_ARGS_IN,
  V_ipfw_vnet_ready,
  V_layer3_chain,
  ipfw_nat_ready,
  set_ipfw_nat_hooks,
  IPFW_NAT_LOADED,
  type cfg_nat_ref,
  type ip_fw3_opheader,
  type ip_fw_args,
  type ip_fw_chain,
  type ipfw_sopt_handler,
  type sockopt_data,
} from "./ip_fw_private.ts";
import { ipfw_add_sopt_handler, ipfw_del_sopt_handler, ipfw_get_sopt_header, ipfw_get_sopt_space } from "./ip_fw_sockopt.ts";

/** IF_NAMESIZE. */
const IF_NAMESIZE = 16;


/** struct cfg_spool: one LSNAT server. */
class cfg_spool {
  constructor(
    public addr: number,
    public port: number,
  ) {}
}

/** struct cfg_redir: one redirect_addr/_port/_proto of an instance. */
class cfg_redir {
  mode = 0;
  proto = 0;
  laddr = 0;
  paddr = 0;
  raddr = 0;
  lport = 0;
  pport = 0;
  rport = 0;
  pport_cnt = 0;
  rport_cnt = 0;
  /** The libalias links made for it (pport_cnt of them for a port range). */
  alink: (alias_link | null)[] = [];
  spool_cnt = 0;
  /** LIST_HEAD: newest first. */
  spool_chain: cfg_spool[] = [];
}

/** struct cfg_nat: one `ipfw nat N` instance. */
export class cfg_nat implements cfg_nat_ref {
  id = 0;
  /** The alias address. */
  ip = 0;
  lib: libalias;
  mode = 0;
  redir_cnt = 0;
  /** LIST_HEAD: newest first, as `show config` prints them. */
  redir_chain: cfg_redir[] = [];
  if_name = "";
  alias_port_lo = 0;
  alias_port_hi = 0;
  constructor(lib: libalias) {
    this.lib = lib;
  }
}

/** The chain's nat list holds nothing but ours. */
function nat_of(r: cfg_nat_ref): cfg_nat {
  if (!(r instanceof cfg_nat)) panic("ipfw_nat: foreign entry on the nat list");
  return r;
}

/**
 * ifaddr_change: an address came to or left an interface; every instance
 * configured with `if` that interface takes its (last) IPv4 address.
 */
function ifaddr_change(ifp: ifnet, _ifa: ifaddr, _event: number): void {
  if (V_ipfw_vnet_ready() === 0 || !IPFW_NAT_LOADED()) return;
  const chain = V_layer3_chain();
  if (chain === null) return;
  for (const r of chain.nat) {
    const ptr = nat_of(r);
    if (ptr.if_name !== ifp.if_xname) continue;
    for (const ifa of ifp.if_addrhead) {
      const sin = satosin(ifa.ifa_addr);
      if (sin === null) continue;
      ptr.ip = sin.sin_addr >>> 0;
      LibAliasSetAddress(ptr.lib, ptr.ip);
    }
  }
}

/** del_redir_spool_cfg: drop every redirect (and its libalias links). */
function del_redir_spool_cfg(n: cfg_nat): void {
  for (const r of n.redir_chain) {
    switch (r.mode) {
      case NAT44_REDIR_PORT:
      case NAT44_REDIR_ADDR:
      case NAT44_REDIR_PROTO: {
        const num = r.mode === NAT44_REDIR_PORT ? r.pport_cnt : 1;
        for (let i = 0; i < num; i++) {
          const l = r.alink[i];
          if (l !== null && l !== undefined) LibAliasRedirectDelete(n.lib, l);
        }
        r.spool_chain = [];
        break;
      }
      default:
        printf(`unknown redirect mode: ${r.mode}\n`);
        break;
    }
  }
  n.redir_chain = [];
}

/**
 * add_redir_spool_cfg: the redirects that follow the nat44_cfg_nat at off,
 * each a nat44_cfg_redir and its nat44_cfg_spool entries.  EINVAL when
 * libalias refuses one (the ones before it stay).
 */
function add_redir_spool_cfg(b: Uint8Array, dv: DataView, off: number, end: number, ptr: cfg_nat): number {
  for (let cnt = 0; cnt < ptr.redir_cnt; cnt++) {
    if (off + SZ_nat44_cfg_redir > end) return EINVAL;
    const r = new cfg_redir();
    r.mode = dv.getUint16(off + redir_mode, true);
    r.laddr = dv.getUint32(off + redir_laddr);
    r.paddr = dv.getUint32(off + redir_paddr);
    r.raddr = dv.getUint32(off + redir_raddr);
    r.lport = dv.getUint16(off + redir_lport, true);
    r.pport = dv.getUint16(off + redir_pport, true);
    r.rport = dv.getUint16(off + redir_rport, true);
    r.pport_cnt = dv.getUint16(off + redir_pport_cnt, true);
    r.rport_cnt = dv.getUint16(off + redir_rport_cnt, true);
    r.proto = dv.getUint32(off + redir_proto, true);
    r.spool_cnt = dv.getUint16(off + redir_spool_cnt, true);
    off += SZ_nat44_cfg_redir;
    r.alink = new Array<alias_link | null>(Math.max(r.pport_cnt, 1)).fill(null);
    switch (r.mode) {
      case NAT44_REDIR_ADDR:
        r.alink[0] = LibAliasRedirectAddr(ptr.lib, r.laddr, r.paddr);
        break;
      case NAT44_REDIR_PORT:
        for (let i = 0; i < r.pport_cnt; i++) {
          // A remote port of 0 (one port) means any remote port.
          let remotePortCopy = (r.rport + i) & 0xffff;
          if (r.rport_cnt === 1 && r.rport === 0) remotePortCopy = 0;
          r.alink[i] = LibAliasRedirectPort(ptr.lib, r.laddr, (r.lport + i) & 0xffff, r.raddr, remotePortCopy, r.paddr, (r.pport + i) & 0xffff, r.proto);
          if (r.alink[i] === null) {
            r.alink[0] = null;
            break;
          }
        }
        break;
      case NAT44_REDIR_PROTO:
        r.alink[0] = LibAliasRedirectProto(ptr.lib, r.laddr, r.raddr, r.paddr, r.proto);
        break;
      default:
        printf(`unknown redirect mode: ${r.mode}\n`);
        break;
    }
    const first = r.alink[0];
    if (first === null || first === undefined) {
      printf("LibAliasRedirect* returned NULL\n");
      return EINVAL;
    }
    // LSNAT: the pool of servers behind this redirect.
    for (let i = 0; i < r.spool_cnt; i++) {
      if (off + SZ_nat44_cfg_spool > end) return EINVAL;
      const s = new cfg_spool(dv.getUint32(off + spool_addr), dv.getUint16(off + spool_port, true));
      LibAliasAddServer(ptr.lib, first, s.addr, s.port);
      off += SZ_nat44_cfg_spool;
      r.spool_chain.unshift(s);
    }
    ptr.redir_chain.unshift(r);
  }
  return 0;
}

function free_nat_instance(ptr: cfg_nat): void {
  del_redir_spool_cfg(ptr);
  LibAliasUninit(ptr.lib);
}

/**
 * ipfw_nat: translate the packet of args (m) through instance t, or for
 * `nat global` (t null) through the first instance that knows its flow.
 * Returns IP_FW_NAT with args.m the (possibly new) chain, or IP_FW_DENY
 * with the packet freed.
 */
function ipfw_nat(args: ip_fw_args, t: cfg_nat_ref | null, m: mbuf): number {
  let ldt = false;
  let retval = 0;
  const mcl = m_megapullup(m, m.m_pkthdr.len);
  if (mcl === null) {
    args.m = null;
    return IP_FW_DENY;
  }
  const dv = mcl.m_dv;
  const ip = mcl.m_data;
  // Locally sent packets carry only the pseudo-header sum, which libalias
  // would adjust into garbage: mark them for a full checksum below.
  if (mcl.m_pkthdr.rcvif === null && (mcl.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) ldt = true;

  const room = mcl.m_len + M_TRAILINGSPACE(mcl);
  // `nat global` comes as null (or as ipfw_chk's stand-in that is not an
  // instance of ours).
  let n: cfg_nat | null = t instanceof cfg_nat ? t : null;
  if (n === null) {
    if ((args.flags & IPFW_ARGS_IN) !== 0) {
      // nat global works on the way out only.
      args.m = mcl;
      return IP_FW_NAT;
    }
    const chain = V_layer3_chain();
    let found = false;
    if (chain !== null) {
      for (const r of chain.nat) {
        const c = nat_of(r);
        if ((c.mode & PKT_ALIAS_SKIP_GLOBAL) !== 0) continue;
        retval = LibAliasOutTry(c.lib, dv, ip, room, false);
        if (retval === PKT_ALIAS_OK) {
          n = c;
          found = true;
          break;
        }
      }
    }
    if (!found) {
      args.m = mcl;
      return IP_FW_NAT;
    }
  } else {
    retval = (args.flags & IPFW_ARGS_IN) !== 0 ? LibAliasIn(n.lib, dv, ip, room) : LibAliasOut(n.lib, dv, ip, room);
  }

  // Dropped: what libalias calls an error; on the way in, fragments it
  // cannot place and, under deny_in, what no link expects.
  if (
    retval === PKT_ALIAS_ERROR ||
    ((args.flags & IPFW_ARGS_IN) !== 0 &&
      (retval === PKT_ALIAS_UNRESOLVED_FRAGMENT || (retval === PKT_ALIAS_IGNORED && n !== null && (n.mode & PKT_ALIAS_DENY_INCOMING) !== 0)))
  ) {
    m_free(mcl);
    args.m = null;
    return IP_FW_DENY;
  }
  if (retval === PKT_ALIAS_RESPOND) mcl.m_flags |= M_SKIP_FIREWALL;
  mcl.m_pkthdr.len = mcl.m_len = dv.getUint16(ip + IPH_LEN);

  const hl = 20; // (ip + 1), as FreeBSD addresses the transport header here
  const p = dv.getUint8(ip + IPH_P);
  // A module that rewrote TCP data flags th_x2 for a full checksum.
  if ((dv.getUint16(ip + IPH_OFF) & IP_OFFMASK) === 0 && p === IPPROTO_TCP && (dv.getUint8(ip + hl + TCPH_OFFX2) & 0x0f) !== 0) ldt = true;

  if (ldt) {
    const ip_len = dv.getUint16(ip + IPH_LEN);
    const iphl = (dv.getUint8(ip + IPH_VHL) & 0x0f) << 2;
    const cksum = in_pseudo(dv.getUint32(ip + IPH_SRC), dv.getUint32(ip + IPH_DST), (p + ip_len - iphl) & 0xffff);
    switch (p) {
      case IPPROTO_TCP:
        dv.setUint8(ip + hl + TCPH_OFFX2, dv.getUint8(ip + hl + TCPH_OFFX2) & 0xf0);
        dv.setUint16(ip + hl + TCPH_SUM, cksum);
        mcl.m_pkthdr.csum_data = TCPH_SUM;
        break;
      case IPPROTO_UDP:
        dv.setUint16(ip + hl + UH_SUM, cksum);
        mcl.m_pkthdr.csum_data = UH_SUM;
        break;
    }
    // Nobody will finish the checksum later: do it now.
    if ((mcl.m_pkthdr.csum_flags & CSUM_DELAY_DATA) === 0) {
      in_delayed_cksum(mcl);
      mcl.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA;
    }
  }
  args.m = mcl;
  return IP_FW_NAT;
}

function lookup_nat(l: cfg_nat_ref[], nat_id: number): cfg_nat_ref | null {
  for (const r of l) if (r.id === nat_id) return r;
  return null;
}

/** lookup_nat_name: by the decimal name userland sends ("0" and junk: none). */
function lookup_nat_name(l: cfg_nat_ref[], name: string): cfg_nat | null {
  const id = strtol10(name);
  if (id === null || id === 0) return null;
  for (const r of l) if (r.id === id) return nat_of(r);
  return null;
}

/** strtol(name, &end, 10) requiring the whole string; null otherwise. */
function strtol10(s: string): number | null {
  if (!/^\s*[+-]?\d+$/.test(s)) return null;
  const v = parseInt(s, 10);
  return Number.isFinite(v) ? Math.max(-0x80000000, Math.min(0x7fffffff, v)) : null;
}

// ---------------------------------------------------------------------------
// IP_FW3 configuration.

/** nat44_config: create or reconfigure the instance a nat44_cfg_nat names. */
function nat44_config(chain: ip_fw_chain, b: Uint8Array, dv: DataView, ucfg: number, end: number): number {
  const name = cstr_read(b, ucfg + nat_name, 64);
  let ptr = lookup_nat_name(chain.nat, name);
  if (ptr === null) {
    ptr = new cfg_nat(LibAliasInit(null));
  } else {
    // Unhook it while it is reconfigured.
    chain.nat.splice(chain.nat.indexOf(ptr), 1);
  }
  ptr.id = strtol10(name) ?? 0;
  ptr.ip = dv.getUint32(ucfg + nat_ip);
  ptr.redir_cnt = dv.getUint32(ucfg + nat_redir_cnt, true);
  ptr.mode = dv.getUint32(ucfg + nat_mode, true);
  ptr.if_name = cstr_read(b, ucfg + nat_if_name, IF_NAMESIZE);
  ptr.alias_port_lo = dv.getUint16(ucfg + nat_alias_port_lo, true);
  ptr.alias_port_hi = dv.getUint16(ucfg + nat_alias_port_hi, true);
  LibAliasSetMode(ptr.lib, ptr.mode, ~0 >>> 0);
  LibAliasSetAddress(ptr.lib, ptr.ip);
  LibAliasSetAliasPortRange(ptr.lib, ptr.alias_port_lo, ptr.alias_port_hi);

  del_redir_spool_cfg(ptr);
  // A redirect libalias refuses is left out (and said so on the console);
  // the request still succeeds, as in FreeBSD.
  add_redir_spool_cfg(b, dv, ucfg + SZ_nat44_cfg_nat, end, ptr);
  chain.nat.unshift(ptr);
  chain.gencnt++;
  return 0;
}

/** The ipfw_obj_ntlv of a request is exactly one ntlv long. */
function ntlv_ok(sd: sockopt_data, oh: number): boolean {
  return sd.kdv.getUint32(oh + objh_ntlv + tlv_length, true) === SZ_ipfw_obj_ntlv;
}

/** A name field of len bytes holds its NUL. */
function name_terminated(b: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (b[off + i] === 0) return true;
  return false;
}

/** IP_FW_NAT44_XCONFIG: [ ipfw_obj_header nat44_cfg_nat (redirs) ]. */
function nat44_cfg(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize < SZ_ipfw_obj_header + SZ_nat44_cfg_nat) return EINVAL;
  const oh = 0;
  if (!ntlv_ok(sd, oh)) return EINVAL;
  const ucfg = oh + SZ_ipfw_obj_header;
  if (!name_terminated(sd.kbuf, ucfg + nat_name, 64)) return EINVAL;
  const id = strtol10(cstr_read(sd.kbuf, ucfg + nat_name, 64));
  if (id === null || id === 0) return EINVAL;
  const read = SZ_ipfw_obj_header + SZ_nat44_cfg_nat;
  if (sd.valsize < read + sd.kdv.getUint32(ucfg + nat_redir_cnt, true) * SZ_nat44_cfg_redir) return EINVAL;
  return nat44_config(chain, sd.kbuf, sd.kdv, ucfg, sd.valsize);
}

/** IP_FW_NAT44_DESTROY: [ ipfw_obj_header ]. */
function nat44_destroy(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize < SZ_ipfw_obj_header) return EINVAL;
  const oh = 0;
  if (!ntlv_ok(sd, oh)) return EINVAL;
  const noff = oh + objh_ntlv + 16;
  if (!name_terminated(sd.kbuf, noff, 64)) return EINVAL;
  const ptr = lookup_nat_name(chain.nat, cstr_read(sd.kbuf, noff, 64));
  if (ptr === null) return ESRCH;
  chain.nat.splice(chain.nat.indexOf(ptr), 1);
  free_nat_instance(ptr);
  return 0;
}

/** export_nat_cfg: an instance's settings into a nat44_cfg_nat. */
function export_nat_cfg(ptr: cfg_nat, b: Uint8Array, dv: DataView, ucfg: number): void {
  cstr_write(b, ucfg + nat_name, 64, `${ptr.id}`);
  dv.setUint32(ucfg + nat_ip, ptr.ip >>> 0);
  dv.setUint32(ucfg + nat_redir_cnt, ptr.redir_cnt, true);
  dv.setUint32(ucfg + nat_mode, ptr.mode >>> 0, true);
  cstr_write(b, ucfg + nat_if_name, 64, ptr.if_name);
  dv.setUint16(ucfg + nat_alias_port_lo, ptr.alias_port_lo, true);
  dv.setUint16(ucfg + nat_alias_port_hi, ptr.alias_port_hi, true);
}

/** IP_FW_NAT44_XGETCONFIG: [ ipfw_obj_header nat44_cfg_nat ] in, the same
 *  followed by the redirects and their pools out (ENOMEM with the size
 *  filled in when they do not fit). */
function nat44_get_cfg(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  let sz = SZ_ipfw_obj_header + SZ_nat44_cfg_nat;
  if (sd.valsize < sz) return EINVAL;
  const oh = ipfw_get_sopt_header(sd, sz);
  if (oh < 0) return EINVAL;
  if (!ntlv_ok(sd, oh)) return EINVAL;
  const ucfg = oh + SZ_ipfw_obj_header;
  if (!name_terminated(sd.kbuf, ucfg + nat_name, 64)) return EINVAL;
  const ptr = lookup_nat_name(chain.nat, cstr_read(sd.kbuf, ucfg + nat_name, 64));
  if (ptr === null) return ESRCH;
  export_nat_cfg(ptr, sd.kbuf, sd.kdv, ucfg);
  sz = SZ_ipfw_obj_header + SZ_nat44_cfg_nat;
  for (const r of ptr.redir_chain) sz += SZ_nat44_cfg_redir + r.spool_chain.length * SZ_nat44_cfg_spool;
  sd.kdv.setUint32(ucfg + nat_size, sz, true);
  if (sd.valsize < sz) return ENOMEM;
  const dv = sd.kdv;
  for (const r of ptr.redir_chain) {
    const o = ipfw_get_sopt_space(sd, SZ_nat44_cfg_redir);
    if (o < 0) return ENOMEM;
    dv.setUint16(o + redir_mode, r.mode, true);
    dv.setUint32(o + redir_laddr, r.laddr >>> 0);
    dv.setUint32(o + redir_paddr, r.paddr >>> 0);
    dv.setUint32(o + redir_raddr, r.raddr >>> 0);
    dv.setUint16(o + redir_lport, r.lport, true);
    dv.setUint16(o + redir_pport, r.pport, true);
    dv.setUint16(o + redir_rport, r.rport, true);
    dv.setUint16(o + redir_pport_cnt, r.pport_cnt, true);
    dv.setUint16(o + redir_rport_cnt, r.rport_cnt, true);
    dv.setUint32(o + redir_proto, r.proto, true);
    dv.setUint16(o + redir_spool_cnt, r.spool_cnt, true);
    for (const s of r.spool_chain) {
      const so = ipfw_get_sopt_space(sd, SZ_nat44_cfg_spool);
      if (so < 0) return ENOMEM;
      dv.setUint32(so + spool_addr, s.addr >>> 0);
      dv.setUint16(so + spool_port, s.port, true);
    }
  }
  return 0;
}

/** IP_FW_NAT44_LIST_NAT: [ ipfw_obj_lheader ] in, [ ipfw_obj_lheader
 *  nat44_cfg_nat x N ] out. */
function nat44_list_nat(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize < SZ_ipfw_obj_lheader) return EINVAL;
  const olh = ipfw_get_sopt_header(sd, SZ_ipfw_obj_lheader);
  if (olh < 0) return EINVAL;
  const dv = sd.kdv;
  const count = chain.nat.length;
  dv.setUint32(olh + lheader_count, count, true);
  dv.setUint32(olh + lheader_objsize, SZ_nat44_cfg_nat, true);
  const size = SZ_ipfw_obj_lheader + count * SZ_nat44_cfg_nat;
  dv.setUint32(olh + lheader_size, size, true);
  if (sd.valsize < size) return ENOMEM;
  for (const r of chain.nat) {
    const o = ipfw_get_sopt_space(sd, SZ_nat44_cfg_nat);
    if (o < 0) return ENOMEM;
    export_nat_cfg(nat_of(r), sd.kbuf, dv, o);
  }
  return 0;
}

/** IP_FW_NAT44_XGETLOG: [ ipfw_obj_header nat44_cfg_nat ] in, the same and
 *  the instance's log line (LIBALIAS_BUF_SIZE bytes) out; ENOENT when it
 *  does not log. */
function nat44_get_log(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  const sz = SZ_ipfw_obj_header + SZ_nat44_cfg_nat;
  if (sd.valsize < sz) return EINVAL;
  const oh = ipfw_get_sopt_header(sd, sz);
  if (oh < 0) return EINVAL;
  if (!ntlv_ok(sd, oh)) return EINVAL;
  const ucfg = oh + SZ_ipfw_obj_header;
  if (!name_terminated(sd.kbuf, ucfg + nat_name, 64)) return EINVAL;
  const ptr = lookup_nat_name(chain.nat, cstr_read(sd.kbuf, ucfg + nat_name, 64));
  if (ptr === null) return ESRCH;
  const log = ptr.lib.logDesc;
  if (log === null) return ENOENT;
  export_nat_cfg(ptr, sd.kbuf, sd.kdv, ucfg);
  sd.kdv.setUint32(ucfg + nat_size, SZ_nat44_cfg_nat + LIBALIAS_BUF_SIZE, true);
  if (sd.valsize < sz + LIBALIAS_BUF_SIZE) return ENOMEM;
  const pbuf = ipfw_get_sopt_space(sd, LIBALIAS_BUF_SIZE);
  if (pbuf < 0) return ENOMEM;
  cstr_write(sd.kbuf, pbuf, LIBALIAS_BUF_SIZE, log);
  return 0;
}

const scodes: ipfw_sopt_handler[] = [
  { opcode: IP_FW_NAT44_XCONFIG, version: 0, dir: HDIR_SET, handler: nat44_cfg, refcnt: 0 },
  { opcode: IP_FW_NAT44_DESTROY, version: 0, dir: HDIR_SET, handler: nat44_destroy, refcnt: 0 },
  { opcode: IP_FW_NAT44_XGETCONFIG, version: 0, dir: HDIR_GET, handler: nat44_get_cfg, refcnt: 0 },
  { opcode: IP_FW_NAT44_LIST_NAT, version: 0, dir: HDIR_GET, handler: nat44_list_nat, refcnt: 0 },
  { opcode: IP_FW_NAT44_XGETLOG, version: 0, dir: HDIR_GET, handler: nat44_get_log, refcnt: 0 },
];

// ---------------------------------------------------------------------------
// Module and per-vnet setup.

/** Whether ipfw_nat.ko is loaded (its SYSINITs ran). */
let ipfw_nat_loaded = false;

function vnet_ipfw_nat_init(): void {
  if (!ipfw_nat_loaded) return;
  VNET_I32_SET(ipfw_nat_ready, 1);
}

function vnet_ipfw_nat_uninit(): void {
  if (!ipfw_nat_loaded) return;
  VNET_I32_SET(ipfw_nat_ready, 0);
  const chain = V_layer3_chain();
  if (chain === null) return;
  for (const r of chain.nat.splice(0)) free_nat_instance(nat_of(r));
}

function ipfw_nat_init(): void {
  set_ipfw_nat_hooks({ nat: ipfw_nat, lookup_nat });
  ipfw_add_sopt_handler(scodes);
  ifaddr_event_ext.push(ifaddr_change);
}

function ipfw_nat_destroy(): void {
  const k = ifaddr_event_ext.indexOf(ifaddr_change);
  if (k >= 0) ifaddr_event_ext.splice(k, 1);
  ipfw_del_sopt_handler(scodes);
  set_ipfw_nat_hooks(null);
}

/**
 * The module's events.  Loading runs what FreeBSD's SYSINITs of the file
 * do (the hooks, then every existing vnet's init); unloading undoes it,
 * every vnet's instances first.
 */
function ipfw_nat_modevent(_mod: module, type: number, _arg: unknown): number {
  switch (type) {
    case MOD_LOAD:
      ipfw_nat_loaded = true;
      ipfw_nat_init();
      VNET_FOREACH((v) => {
        const saved = CURVNET_SET(v, "ipfw_nat_modevent");
        vnet_ipfw_nat_init();
        CURVNET_RESTORE(saved);
      });
      return 0;
    case MOD_QUIESCE:
      return 0;
    case MOD_UNLOAD:
      VNET_FOREACH((v) => {
        const saved = CURVNET_SET(v, "ipfw_nat_modevent");
        vnet_ipfw_nat_uninit();
        CURVNET_RESTORE(saved);
      });
      ipfw_nat_destroy();
      ipfw_nat_loaded = false;
      return 0;
    default:
      return EOPNOTSUPP;
  }
}

/** Startup order: after ipfw (SI_ORDER_ANY - 128 and on). */
const IPFW_NAT_MODEVENT_ORDER = SI_ORDER_ANY - 128;
const IPFW_NAT_VNET_ORDER = IPFW_NAT_MODEVENT_ORDER + 2;

DECLARE_MODULE({ name: "ipfw_nat", evhand: ipfw_nat_modevent, priv: null }, SI_SUB_PROTO_FIREWALL, SI_ORDER_ANY, "ipfw_nat.ko");
MODULE_VERSION("ipfw_nat", 1, "ipfw_nat.ko");
VNET_SYSINIT("vnet_ipfw_nat_init", SI_SUB_PROTO_FIREWALL, IPFW_NAT_VNET_ORDER, vnet_ipfw_nat_init);
VNET_SYSUNINIT("vnet_ipfw_nat_uninit", SI_SUB_PROTO_FIREWALL, IPFW_NAT_VNET_ORDER, vnet_ipfw_nat_uninit);

/** The instances of the current vnet, for observers and tests. */
export function ipfw_nat_instances(): readonly cfg_nat[] {
  const chain = V_layer3_chain();
  return chain === null ? [] : chain.nat.map(nat_of);
}

