// The userland/kernel boundary, as a rule a program can break: what a file
// under sbin/ may import from the kernel's folders, and that the kernel never
// imports userland.  A C program gets headers (types, constants, structs)
// and system calls from the kernel, nothing else; the same holds here.
//
// The imports are read by a small tokenizer (comments, strings, template
// literals and regular expressions are skipped, so an `import` inside a
// string is not one), which handles multi-line clauses, `import type`,
// `type` specifiers, namespace and default imports, `export ... from` and
// dynamic `import("...")`.

import fs from "node:fs";
import path from "node:path";

/** The kernel's folders (sys/kern, sys/net, ...), present or to come. */
export const KERNEL_DIRS = ["kern", "net", "netinet", "netinet6", "netgraph", "netpfil"];
/** What the kernel must never import. */
export const USERLAND_DIRS = ["sbin", "bench"];

/**
 * sbin/ files that are not programs but the machine around them: they boot
 * the kernel, create the first process, run exec, or watch the kernel from
 * outside as a debugger would.  Each may use any kernel function.
 */
export const KERNEL_GLUE = new Map<string, string>([
  ["sbin/virtnet.ts", "init: boots the kernel (kern_boot), creates the root process, arms the run's timeout callout, delivers ^C as pgsignal"],
  ["sbin/virtnet_kernel.ts", "the kernel daemon: boots the kernel, creates each client's process in the requested jail and fib, drives the scheduler and clock"],
  ["sbin/virtnet_pcap.ts", "a kernel-side observer: attaches bpf streams to every vnet's interfaces and labels vnets by prison, as a debugger reading kernel memory"],
  ["sbin/programs.ts", "the kernel's execve/fork/exit for simulated programs (proc_create, proc_exit, proc_setparent, sched_relinquish, sigexit_unwind)"],
  ["sbin/atf.ts", "the atf-run harness: starts the kernel daemon and, as root in prison0, checks loaded modules for require.kmods"],
  ["sbin/virtnet_hostsock.ts", "the daemon's system call layer for host programs in a jail: runs their socket calls (sys_socket ... sys_poll) for the process the daemon made for them"],
]);

/**
 * Kernel folders FreeBSD compiles a second time as a userland library, each
 * with the one sbin/ file that is that library and why.  That file may
 * import anything from the folder (it instantiates the code in its
 * userland mode); programs then link the library, never the folder.
 */
export const USERLAND_BUILDS = new Map<string, { lib: string; why: string }>([
  ["netinet/libalias/", { lib: "sbin/libalias.ts", why: "lib/libalias: FreeBSD builds sys/netinet/libalias again without _KERNEL (its clock, random numbers, log and sockets from userland)" }],
]);

/**
 * Value names a program may import from a kernel folder besides system
 * calls (/^sys_/) and constants (UPPER_CASE): the C library functions and
 * header structs whose TypeScript home is a kernel file, each with where C
 * userland gets it.
 */
export const USERLAND_ALLOWED = new Map<string, string>([
  ["strerror", "strerror(3), libc"],
  ["inet_aton", "inet_aton(3), libc"],
  ["inet_ntoa", "inet_ntoa(3), libc"],
  ["ether_ntoa", "ether_ntoa(3), libc"],
  ["sockaddr_in", "struct sockaddr_in, <netinet/in.h>"],
  ["sockaddr_dl", "struct sockaddr_dl, <net/if_dl.h>"],
  ["rt_msghdr", "struct rt_msghdr, <net/route.h>"],
  ["rt_metrics", "struct rt_metrics, <net/route.h>"],
  ["rt_msg_sa_decode", "a sockaddr of a routing message read from a sysctl buffer: what C gets by casting the buffer, <net/route.h>"],
  ["sockaddr_in6", "struct sockaddr_in6, <netinet6/in6.h>"],
  ["in6_addr", "struct in6_addr, <netinet6/in6.h>"],
  ["inet_ntop6", "inet_ntop(3) for AF_INET6, libc"],
  ["inet_pton6", "inet_pton(3) for AF_INET6, libc"],
  ["in6_aliasreq", "struct in6_aliasreq, <netinet6/in6_var.h>"],
  ["in6_addrpolicy", "struct in6_addrpolicy, <netinet6/in6_var.h>"],
  ["in6_addrlifetime", "struct in6_addrlifetime, <netinet6/in6_var.h>"],
  ["in6_ndireq", "struct in6_ndireq, <netinet6/nd6.h>"],
  ["in6_ndifreq", "struct in6_ndifreq, <netinet6/nd6.h>"],
  ["in6_nbrinfo", "struct in6_nbrinfo, <netinet6/nd6.h>"],
  ["in6_addr_from", "an in6_addr initialized from bytes: what C writes as a struct initializer, <netinet6/in6.h>"],
  ["in6_mask2len", "netmask to prefix length: a pure helper rtadvd(8) and ndp(8) carry their own copy of in C"],
  ["arc4random_uniform", "arc4random_uniform(3), libc"],
  ["arc4random", "arc4random(3), libc"],
  ["tcpstates", "tcpstates[], <netinet/tcp_fsm.h> (TCPSTATES)"],
  ["tcpstat_names", "struct tcpstat's fields in order: what C gets from the struct's layout, <netinet/tcp_var.h>"],
  ["IN6_IS_ADDR_LINKLOCAL", "the IN6_IS_ADDR_LINKLOCAL macro, <netinet6/in6.h>"],
  ["IN6_IS_ADDR_MC_INTFACELOCAL", "the IN6_IS_ADDR_MC_INTFACELOCAL macro, <netinet6/in6.h>"],
  ["IN6_IS_ADDR_MC_LINKLOCAL", "the IN6_IS_ADDR_MC_LINKLOCAL macro, <netinet6/in6.h>"],
  ["IN6_ARE_ADDR_EQUAL", "the IN6_ARE_ADDR_EQUAL macro, <netinet6/in6.h>"],
  ["IN6_IS_ADDR_MULTICAST", "the IN6_IS_ADDR_MULTICAST macro, <netinet6/in6.h>"],
  ["IN6_IS_ADDR_LOOPBACK", "the IN6_IS_ADDR_LOOPBACK macro, <netinet6/in6.h>"],
  ["in_len2mask", "prefix length to netmask: a pure helper route(8) and ifconfig(8) carry their own copy of in C"],
  ["in_mask2len", "netmask to prefix length: a pure helper route(8) carries its own copy of in C"],
  ["jail_params", "the jail parameter table: libjail reads it from sysctl security.jail.param in C"],
  ["sockaddr_ng", "struct sockaddr_ng, <netgraph/ng_socket.h>"],
  ["ng_mesg", "struct ng_mesg, <netgraph/ng_message.h>"],
  ["ng_mesg_bytes", "struct ng_mesg laid out as bytes: what C gets by writing the struct, <netgraph/ng_message.h>"],
  ["ng_mesg_parse", "struct ng_mesg read from bytes: what C gets by casting the buffer, <netgraph/ng_message.h>"],
  ["ngm_mkpeer_enc", "struct ngm_mkpeer filled in, <netgraph/ng_message.h>"],
  ["ngm_connect_enc", "struct ngm_connect filled in, <netgraph/ng_message.h>"],
  ["ngm_str_enc", "struct ngm_name and struct ngm_rmhook filled in, <netgraph/ng_message.h>"],
  ["nodeinfo_dec", "struct nodeinfo read from a reply, <netgraph/ng_message.h>"],
  ["hooklist_dec", "struct hooklist read from a reply, <netgraph/ng_message.h>"],
  ["namelist_dec", "struct namelist read from a reply, <netgraph/ng_message.h>"],
  ["typelist_dec", "struct typelist read from a reply, <netgraph/ng_message.h>"],
  ["ifbreq", "struct ifbreq, <net/if_bridgevar.h>"],
  ["ifbifconf", "struct ifbifconf, <net/if_bridgevar.h>"],
  ["ifbareq", "struct ifbareq, <net/if_bridgevar.h>"],
  ["ifbaconf", "struct ifbaconf, <net/if_bridgevar.h>"],
  ["ifbrparam", "struct ifbrparam, <net/if_bridgevar.h>"],
  ["ifbropreq", "struct ifbropreq, <net/if_bridgevar.h>"],
  ["dv_of", "a view of a request buffer: what C gets by casting it, <netinet/ip_fw.h>"],
  ["cstr_read", "a char[] field of an IP_FW3 struct read from a buffer, <netinet/ip_fw.h>"],
  ["cstr_write", "a char[] field of an IP_FW3 struct filled in, <netinet/ip_fw.h>"],
  ["u64_read", "a uint64_t field of an IP_FW3 struct read from a buffer, <netinet/ip_fw.h>"],
  ["u64_write", "a uint64_t field of an IP_FW3 struct filled in, <netinet/ip_fw.h>"],
  ["roundup2", "the roundup2 macro, <sys/param.h>"],
  ["op3_write", "ip_fw3_opheader filled in, <netinet/ip_fw.h>"],
  ["tlv_write", "ipfw_obj_tlv filled in, <netinet/ip_fw.h>"],
  ["ntlv_write", "ipfw_obj_ntlv filled in, <netinet/ip_fw.h>"],
  ["ctlv_write", "ipfw_obj_ctlv filled in, <netinet/ip_fw.h>"],
  ["range_tlv_write", "ipfw_range_tlv filled in, <netinet/ip_fw.h>"],
  ["ip_fw_rule_write", "struct ip_fw_rule's header filled in, <netinet/ip_fw.h>"],
  ["insn_write", "an ipfw_insn filled in, <netinet/ip_fw.h>"],
  ["IPFW_TLV_EACTION_NAME", "the IPFW_TLV_EACTION_NAME macro, <netinet/ip_fw.h>"],
  ["dn_id", "struct dn_id, <netinet/ip_dummynet.h>"],
  ["dn_link", "struct dn_link, <netinet/ip_dummynet.h>"],
  ["dn_fs", "struct dn_fs, <netinet/ip_dummynet.h>"],
  ["dn_sch", "struct dn_sch, <netinet/ip_dummynet.h>"],
  ["dn_profile", "struct dn_profile, <netinet/ip_dummynet.h>"],
  ["dn_id_enc", "struct dn_id filled in as IP_DUMMYNET3 lays it out, <netinet/ip_dummynet.h>"],
  ["dn_id_dec", "struct dn_id read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
  ["dn_link_enc", "struct dn_link filled in as IP_DUMMYNET3 lays it out, <netinet/ip_dummynet.h>"],
  ["dn_link_dec", "struct dn_link read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
  ["dn_fs_enc", "struct dn_fs filled in as IP_DUMMYNET3 lays it out, <netinet/ip_dummynet.h>"],
  ["dn_fs_dec", "struct dn_fs read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
  ["dn_sch_enc", "struct dn_sch filled in as IP_DUMMYNET3 lays it out, <netinet/ip_dummynet.h>"],
  ["dn_sch_dec", "struct dn_sch read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
  ["dn_profile_enc", "struct dn_profile filled in as IP_DUMMYNET3 lays it out, <netinet/ip_dummynet.h>"],
  ["dn_profile_dec", "struct dn_profile read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
  ["dn_extra_parms", "struct dn_extra_parms (the AQM and scheduler parameters), <netinet/ip_dummynet.h>"],
  ["dn_extra_parms_enc", "struct dn_extra_parms filled in as IP_DUMMYNET3 lays it out, <netinet/ip_dummynet.h>"],
  ["dn_extra_parms_dec", "struct dn_extra_parms read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
  ["dn_flow_dec", "struct dn_flow read from an IP_DUMMYNET3 buffer: what C gets by casting it, <netinet/ip_dummynet.h>"],
]);

/**
 * The system calls programs make, each with the FreeBSD call it is.  A
 * `sys_` name not listed here is not a FreeBSD entry point and is reported.
 */
export const SYSCALLS = new Map<string, string>([
  ["sys_socket", "socket(2)"],
  ["sys_bind", "bind(2)"],
  ["sys_connect", "connect(2)"],
  ["sys_connect_wait", "the sleep of a blocking connect(2)"],
  ["sys_listen", "listen(2)"],
  ["sys_accept", "accept(2)"],
  ["sys_read", "read(2) on a socket"],
  ["sys_write", "write(2) on a socket"],
  ["sys_fcntl", "fcntl(2)"],
  ["sys_sendto", "sendto(2)"],
  ["sys_recvfrom", "recvfrom(2)"],
  ["sys_recvmsg", "recvmsg(2)"],
  ["sys_sendmsg", "sendmsg(2)"],
  ["sys_setsockopt", "setsockopt(2)"],
  ["sys_getsockopt", "getsockopt(2)"],
  ["sys_getsockname", "getsockname(2)"],
  ["sys_getpeername", "getpeername(2)"],
  ["sys_shutdown", "shutdown(2)"],
  ["sys_close", "close(2)"],
  ["sys_close_wait", "close(2) of a lingering socket, which sleeps"],
  ["sys_ioctl", "ioctl(2)"],
  ["sys_poll", "poll(2)"],
  ["sys_wait_readable", "poll(2) on one descriptor"],
  ["sys_route", "write(2) of a message on a routing socket, and the reply read(2) back"],
  ["sys_route_recv", "read(2) on a routing socket"],
  ["sys___sysctl", "__sysctl(2)"],
  ["sys_clock_gettime", "clock_gettime(2)"],
  ["sys_nanosleep", "nanosleep(2)"],
  ["sys_setitimer", "setitimer(2)"],
  ["sys_getitimer", "getitimer(2)"],
  ["sys_sigsuspend", "sigsuspend(2)"],
  ["sys_procctl", "procctl(2)"],
  ["sys_kill", "kill(2)"],
  ["sys_sigaction", "sigaction(2)"],
  ["sys_sigaction_get", "sigaction(2) with a null act: the old action"],
  ["sys_fork", "fork(2)"],
  ["sys_exit", "_exit(2)"],
  ["sys_setsid", "setsid(2)"],
  ["sys_setfib", "setfib(2)"],
  ["sys_getfib", "getfib(2)"],
  ["sys_jail_set", "jail_set(2)"],
  ["sys_jail_get", "jail_get(2)"],
  ["sys_jail_remove", "jail_remove(2)"],
  ["sys_jail_attach_proc", "jail_attach(2)"],
  ["sys_kldload", "kldload(2)"],
  ["sys_kldunloadf", "kldunloadf(2)"],
  ["sys_kldfind", "kldfind(2)"],
  ["sys_kldnext", "kldnext(2)"],
  ["sys_kldstat", "kldstat(2)"],
  ["sys_kldfirstmod", "kldfirstmod(2)"],
  ["sys_modfind", "modfind(2)"],
  ["sys_modfnext", "modfnext(2)"],
  ["sys_modstat", "modstat(2)"],
  ["sys_bpf_open", "open(2) of /dev/bpf and ioctl(BIOCSETIF)"],
  ["sys_bpf_close", "close(2) of a bpf descriptor"],
  ["sys_bpf_read", "read(2) of a bpf descriptor"],
  ["sys_bpf_wait", "poll(2) on a bpf descriptor"],
  ["sys_bpf_getdlt", "ioctl(BIOCGDLT)"],
  ["sys_bpf_stats", "ioctl(BIOCGSTATS)"],
  ["sys_signame", "sys_signame[], libc's table of signal names"],
]);

export interface import_decl {
  /** The module specifier as written. */
  spec: string;
  /** The whole declaration is `import type` / `export type`. */
  type_only: boolean;
  /** Imported value names (`type` specifiers left out); "*" for a namespace,
   *  dynamic or side-effect import, "default" for a default import. */
  names: string[];
  line: number;
}

interface token {
  kind: "id" | "str" | "punct" | "tmpl" | "num";
  text: string;
  line: number;
}

function tokenize(src: string): token[] {
  const out: token[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  const regex_ok = (): boolean => {
    const t = out[out.length - 1];
    if (t === undefined) return true;
    if (t.kind === "id") return ["return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "yield", "await"].includes(t.text);
    if (t.kind === "num" || t.kind === "str" || t.kind === "tmpl") return false;
    return t.text !== ")" && t.text !== "]" && t.text !== "}";
  };
  while (i < n) {
    const c = src[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === "\n") line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      let s = "";
      const start = line;
      i++;
      while (i < n && src[i] !== c) {
        if (src[i] === "\\") {
          s += src[i + 1] ?? "";
          i += 2;
          continue;
        }
        if (src[i] === "\n") line++;
        s += src[i++];
      }
      i++;
      out.push({ kind: "str", text: s, line: start });
    } else if (c === "`") {
      // A template literal, with ${...} holes that may nest further templates.
      const start = line;
      i++;
      let depth = 0;
      const stack: number[] = [];
      while (i < n) {
        const d = src[i];
        if (d === "\n") line++;
        if (depth === 0 || stack.length === 0) {
          if (d === "\\") {
            i += 2;
            continue;
          }
          if (d === "`") {
            i++;
            break;
          }
          if (d === "$" && src[i + 1] === "{") {
            stack.push(0);
            depth = 1;
            i += 2;
            continue;
          }
          i++;
        } else {
          // Inside a hole: skip strings and count braces.
          if (d === '"' || d === "'" || d === "`") {
            const q = d;
            i++;
            while (i < n && src[i] !== q) i += src[i] === "\\" ? 2 : 1;
            i++;
            continue;
          }
          if (d === "{") stack[stack.length - 1]++;
          if (d === "}") {
            if (stack[stack.length - 1] === 0) {
              stack.pop();
              depth = stack.length === 0 ? 0 : 1;
            } else stack[stack.length - 1]--;
          }
          i++;
        }
      }
      out.push({ kind: "tmpl", text: "", line: start });
    } else if (c === "/" && regex_ok()) {
      i++;
      let cls = false;
      while (i < n && src[i] !== "\n") {
        const d = src[i];
        if (d === "\\") {
          i += 2;
          continue;
        }
        if (d === "[") cls = true;
        else if (d === "]") cls = false;
        else if (d === "/" && !cls) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/.test(src[i])) i++;
      out.push({ kind: "tmpl", text: "", line });
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(src[j])) j++;
      out.push({ kind: "id", text: src.slice(i, j), line });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(src[j])) j++;
      out.push({ kind: "num", text: src.slice(i, j), line });
      i = j;
    } else {
      out.push({ kind: "punct", text: c, line });
      i++;
    }
  }
  return out;
}

/** Every import (and re-export) of a TypeScript source text. */
export function parse_imports(src: string): import_decl[] {
  const t = tokenize(src);
  const out: import_decl[] = [];
  const at = (k: number): token | undefined => t[k];
  for (let k = 0; k < t.length; k++) {
    const tok = t[k];
    if (tok.kind !== "id" || (tok.text !== "import" && tok.text !== "export")) continue;
    const prev = at(k - 1);
    if (prev !== undefined && prev.kind === "punct" && prev.text === ".") continue;
    const is_import = tok.text === "import";
    let j = k + 1;
    const nx = at(j);
    if (nx === undefined) break;
    if (is_import && nx.kind === "punct" && nx.text === "(") {
      const s = at(j + 1);
      if (s !== undefined && s.kind === "str") out.push({ spec: s.text, type_only: false, names: ["*"], line: tok.line });
      continue;
    }
    if (is_import && nx.kind === "str") {
      out.push({ spec: nx.text, type_only: false, names: ["*"], line: tok.line });
      continue;
    }
    let type_only = false;
    if (nx.kind === "id" && nx.text === "type") {
      const after = at(j + 1);
      // `import type X from`, `import type {`, `import type * as`; but not
      // `import type from "x"` (a default import named type) nor `import type, {`.
      if (after !== undefined && !(after.kind === "id" && after.text === "from") && !(after.kind === "punct" && after.text === ",")) {
        type_only = true;
        j++;
      }
    }
    const names: string[] = [];
    let ok = true;
    // The clause, up to `from`.
    for (;;) {
      const c = at(j);
      if (c === undefined) {
        ok = false;
        break;
      }
      if (c.kind === "id" && c.text === "from") break;
      if (c.kind === "punct" && c.text === "*") {
        names.push("*");
        j++;
        if (at(j)?.text === "as") j += 2;
        continue;
      }
      if (c.kind === "punct" && c.text === ",") {
        j++;
        continue;
      }
      if (c.kind === "punct" && c.text === "{") {
        j++;
        while (at(j) !== undefined && at(j)?.text !== "}") {
          const s = at(j) as token;
          if (s.kind === "punct" && s.text === ",") {
            j++;
            continue;
          }
          let spec_type = false;
          let name_tok = s;
          const following = at(j + 1);
          if (s.text === "type" && following !== undefined && following.kind === "id" && following.text !== "as") {
            spec_type = true;
            j++;
            name_tok = following;
          }
          if (!spec_type) names.push(name_tok.text);
          j++;
          if (at(j)?.text === "as") j += 2;
        }
        j++;
        continue;
      }
      if (is_import && c.kind === "id") {
        names.push("default");
        j++;
        continue;
      }
      // `export const`, `export function` ...: not a re-export.
      ok = false;
      break;
    }
    if (!ok) continue;
    const s = at(j + 1);
    if (s === undefined || s.kind !== "str") continue;
    out.push({ spec: s.text, type_only, names, line: tok.line });
  }
  return out;
}

export interface violation {
  file: string;
  line: number;
  spec: string;
  name: string;
  why: string;
}

function top_dir(rel: string): string {
  return rel.split("/")[0];
}

/** The repository-relative path an import specifier of `file` leads to, or
 *  null for a package (node:fs, ava). */
function resolve_spec(file: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
}

/** Is `name` declared a function or class in this source (a macro such as
 *  CURVNET_SET is code, not a constant, however it is spelled)? */
function declared_code(src: string, name: string): boolean {
  return new RegExp(`export\\s+(async\\s+)?(function\\*?|class)\\s+${name}\\b`).test(src);
}

/** May a program import this value name from the kernel?  `target` is the
 *  text of the file it comes from, when known. */
export function userland_may_import(name: string, target: string | null = null): boolean {
  if (name === "*" || name === "default") return false;
  if (/^sys_/.test(name)) return SYSCALLS.has(name);
  if (USERLAND_ALLOWED.has(name)) return true;
  if (/^_*[A-Z][A-Z0-9_]*$/.test(name)) return target === null || !declared_code(target, name);
  // The field numbers of a statistics struct netstat(1) reads whole from a
  // sysctl (struct icmp6stat, icmp6errstat, in6_ifstat): what C gets from
  // the struct's layout in <netinet/icmp6.h> and <netinet6/in6_var.h>.
  if (/^(icp6s|icp6errs|ifs6)_[a-z0-9_]+$/.test(name)) return target === null || !declared_code(target, name);
  // The sizes and field offsets of the IP_FW3 structs ipfw(8) lays out in its
  // requests and reads from the answers (ip_fw_rule, ipfw_obj_tlv, ...):
  // what C gets from the structs' layout in <netinet/ip_fw.h>.
  return /^(SZ|ip_fw_rule|ip_fw_bcounter|tlv|ntlv|ctlv|range|rangeh|cfg|lheader|objh|op3|tentry|tvalue|xtinfo|dyn_rule|flow_id|insn|nat|redir|spool)_[a-z0-9_]+$/.test(name) && (target === null || !declared_code(target, name));
}

/** The boundary violations of one file (repository-relative path) with the
 *  given text; `read` gives the text of a file it imports (null if none). */
export function check_file(file: string, src: string, read: (rel: string) => string | null = () => null): violation[] {
  const out: violation[] = [];
  const dir = top_dir(file);
  const userland = dir === "sbin" && !KERNEL_GLUE.has(file);
  const kernel = KERNEL_DIRS.includes(dir);
  if (!userland && !kernel) return out;
  for (const d of parse_imports(src)) {
    const target = resolve_spec(file, d.spec);
    if (target === null) continue;
    const tdir = top_dir(target);
    if (kernel && USERLAND_DIRS.includes(tdir)) {
      out.push({ file, line: d.line, spec: d.spec, name: d.names.join(",") || "type", why: `the kernel imports ${tdir}/` });
      continue;
    }
    if (!userland || !KERNEL_DIRS.includes(tdir) || d.type_only) continue;
    const ub = [...USERLAND_BUILDS].find(([dir]) => target.startsWith(dir));
    if (ub !== undefined && ub[1].lib === file) continue;
    const text = read(target);
    for (const name of d.names) {
      if (userland_may_import(name, text)) continue;
      out.push({ file, line: d.line, spec: d.spec, name, why: /^sys_/.test(name) ? "not a FreeBSD system call" : "a program imports kernel code that is neither a system call, a constant nor a listed libc or header name" });
    }
  }
  return out;
}

/** Every .ts file under the given repository folders, relative paths. */
export function source_files(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith(".ts")) out.push(r);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

export function check_tree(root: string): violation[] {
  const out: violation[] = [];
  const read = (rel: string): string | null => {
    const abs = path.join(root, rel);
    return fs.existsSync(abs) ? fs.readFileSync(abs, "utf8") : null;
  };
  for (const f of source_files(root, [...KERNEL_DIRS, "sbin"])) out.push(...check_file(f, fs.readFileSync(path.join(root, f), "utf8"), read));
  return out;
}
