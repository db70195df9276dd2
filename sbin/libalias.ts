// lib/libalias: the packet aliasing library for userland, what natd(8)
// links.  FreeBSD's lib/libalias/Makefile takes its sources from
// sys/netinet/libalias and compiles them without _KERNEL; here the same
// TypeScript (netinet/libalias/) is instantiated as a userland build
// (libalias_build) for each process that calls LibAliasInit, so a process
// has its own statics (the clock it last read, HouseKeeping's counters,
// its instance list), as each process linking libalias.so has.
//
// What the userland build changes, as FreeBSD's #ifndef _KERNEL does:
//   - the clock is time(3): clock_gettime(CLOCK_REALTIME) of the calling
//     process, never the kernel's time_uptime;
//   - alias ports are drawn with libc's arc4random_uniform(3);
//   - PKT_ALIAS_LOG writes its lines to /var/log/alias.log (opened for
//     writing when logging is turned on; if it cannot be, logging stays off);
//   - PKT_ALIAS_USE_SOCKETS holds a partially specified link's alias port
//     with a socket bound to it (socket(2), bind(2), close(2));
//   - an impossible state calls abort(3) instead of panic(9).
//   - the protocol modules come from /etc/libalias.conf:
//     LibAliasRefreshModules (run by every LibAliasInit, and by natd on
//     SIGHUP) drops the process's modules and "dlopen()s" each path the
//     file names (blank lines and '#' lines skipped), attaching the
//     module's handlers to the process's chain.  The one module built is
//     FTP, found under the name FreeBSD installs it as, libalias_ftp.so
//     (any directory); the other stock names (irc, nbt, pptp, skinny,
//     smedia) and unknown paths load nothing, silently.  When the file
//     cannot be read (a host that is not FreeBSD has none) the stock
//     libalias.conf FreeBSD installs is used, which names
//     /lib/libalias_ftp.so first, so natd translates FTP out of the box as
//     it does on FreeBSD (where a missing file would make it exit with
//     err(1) instead).
// Departures: no transparent-proxy rules (LibAliasProxyRule) and no
// firewall punching (NO_FW_PUNCH), as in the kernel build.  LibAliasInit takes, as a first argument, what names
// the calling process (a program's ctx, whose p is the process getpid()
// gives, and changes on daemon(3)'s fork): a JavaScript process shares its
// modules, so that is how the library finds its copy of the statics and
// whose descriptors its sockets are.

import fs from "node:fs";
import { arc4random_uniform } from "../kern/arc4random.ts";
import { CLOCK_REALTIME, sys_clock_gettime } from "../kern/kern_time.ts";
import { SIGABRT, sys_kill } from "../kern/kern_sig.ts";
import { AF_INET, SOCK_DGRAM, SOCK_STREAM } from "../kern/socket.ts";
import { sys_bind, sys_close, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { INADDR_ANY, IPPROTO_TCP, sockaddr_in } from "../netinet/in.ts";
import { LibAliasInit as la_init } from "../netinet/libalias/alias_db.ts";
import { libalias_build, type libalias } from "../netinet/libalias/alias_local.ts";
import { LibAliasAttachHandlers, LibAliasDetachHandlers, attach_dll, first_handler, walk_dll_chain, type alias_moduledata } from "../netinet/libalias/alias_mod.ts";
import { alias_mod as alias_ftp_mod } from "../netinet/libalias/alias_ftp.ts";
import { EEXIST, EINVAL } from "../kern/errno.ts";
import { prog_exit, type uproc } from "./libc.ts";

export {
  LibAliasIn,
  LibAliasOut,
  LibAliasOutTry,
  LibAliasUnaliasOut,
  PKT_ALIAS_DENY_INCOMING,
  PKT_ALIAS_ERROR,
  PKT_ALIAS_IGNORED,
  PKT_ALIAS_LOG,
  PKT_ALIAS_OK,
  PKT_ALIAS_PROXY_ONLY,
  PKT_ALIAS_PUNCH_FW,
  PKT_ALIAS_RESET_ON_ADDR_CHANGE,
  PKT_ALIAS_REVERSE,
  PKT_ALIAS_SAME_PORTS,
  PKT_ALIAS_UNREGISTERED_ONLY,
  PKT_ALIAS_USE_SOCKETS,
} from "../netinet/libalias/alias.ts";
export {
  LibAliasAddServer,
  LibAliasLinks,
  LibAliasRedirectAddr,
  LibAliasRedirectDelete,
  LibAliasRedirectDynamic,
  LibAliasRedirectPort,
  LibAliasRedirectProto,
  LibAliasSetAddress,
  LibAliasSetMode,
  LibAliasSetSkinnyPort,
  LibAliasSetTarget,
  LibAliasUninit,
} from "../netinet/libalias/alias_db.ts";
export { LibAliasInternetChecksum } from "../netinet/libalias/alias_util.ts";
export type { libalias } from "../netinet/libalias/alias_local.ts";
export type { alias_link } from "../netinet/libalias/alias_db.ts";

/** Where the userland library logs (alias_db.c's InitPacketAliasLog). */
export const ALIAS_LOG_FILE = "/var/log/alias.log";

/** The calling program: its process is `p` (the child after a fork). */
export interface libalias_self {
  p: uproc;
}

/** Each process's copy of the library. */
const builds = new WeakMap<libalias_self, libalias_build>();

function build_for(self: libalias_self): libalias_build {
  let b = builds.get(self);
  if (b !== undefined) return b;
  const kp = (): proc => self.p as proc;
  b = new libalias_build(
    false,
    () => sys_clock_gettime(kp(), CLOCK_REALTIME).tv_sec,
    arc4random_uniform,
    () => {
      // fopen(3) "w": the file is truncated; AliasLog's fflush sends each
      // piece out at once.
      try {
        fs.writeFileSync(ALIAS_LOG_FILE, "");
      } catch {
        return null;
      }
      return (text: string) => {
        try {
          fs.appendFileSync(ALIAS_LOG_FILE, text);
        } catch {
          // fprintf to a file that went away writes nothing.
        }
      };
    },
    // abort(3): SIGABRT to the process, which ends it (128 + 6 for its
    // parent) on the way out of the library.
    (_msg: string) => {
      sys_kill(kp(), kp().p_pid, SIGABRT);
      throw new prog_exit(128 + SIGABRT);
    },
    {
      get(port: number, link_type: number): number {
        const s = sys_socket(kp(), AF_INET, link_type === IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM, 0);
        if (s.error !== 0) return -1;
        if (sys_bind(kp(), s.fd, new sockaddr_in(INADDR_ANY, port)) !== 0) {
          sys_close(kp(), s.fd);
          return -1;
        }
        return s.fd;
      },
      close(fd: number): void {
        sys_close(kp(), fd);
      },
    },
  );
  builds.set(self, b);
  return b;
}

/** LibAliasInit(3): a new instance for the caller (la null), or la reset;
 *  either way the process's modules are reloaded, as the userland
 *  LibAliasInit ends by doing. */
export function LibAliasInit(self: libalias_self, la: libalias | null): libalias {
  const r = la_init(la, la === null ? build_for(self) : la.build);
  RefreshModules(r.build);
  return r;
}

/** Where LibAliasRefreshModules reads the modules' paths. */
export const LIBALIAS_CONF = "/etc/libalias.conf";

/** lib/libalias/libalias/libalias.conf, as FreeBSD installs it. */
export const LIBALIAS_CONF_STOCK = "/lib/libalias_ftp.so\n/lib/libalias_irc.so\n/lib/libalias_nbt.so\n/lib/libalias_pptp.so\n/lib/libalias_skinny.so\n/lib/libalias_smedia.so\n";

/** The shared objects built: a file name and the module data that
 *  dlsym(handle, "alias_mod") and dlsym(handle, "handlers") would find. */
const shared_objects: ReadonlyMap<string, alias_moduledata> = new Map([["libalias_ftp.so", alias_ftp_mod]]);

/** LibAliasRefreshModules(3): drop the calling process's modules and load
 *  those /etc/libalias.conf names. */
export function LibAliasRefreshModules(self: libalias_self): number {
  return RefreshModules(build_for(self));
}

function RefreshModules(b: libalias_build): number {
  let conf: string;
  try {
    conf = fs.readFileSync(LIBALIAS_CONF, "latin1");
  } catch {
    conf = LIBALIAS_CONF_STOCK;
  }
  UnLoadAllModule(b);
  // fgets(3) lines of at most 255 bytes; a line counts when longer than
  // its newline and its first non-blank is not '#'; its last byte (the
  // newline) is cut off.
  let rest = conf;
  while (rest.length > 0) {
    let nl = rest.indexOf("\n");
    if (nl < 0 || nl > 254) nl = Math.min(rest.length, 255) - 1;
    const buf = rest.slice(0, nl + 1);
    rest = rest.slice(nl + 1);
    // fgets then feof: a last line without its newline is never used.
    if (rest.length === 0 && !buf.endsWith("\n")) break;
    if (buf.length > 1) {
      const t = buf.replace(/^[ \t\n\v\f\r]+/, "");
      if (t.startsWith("#")) continue;
      LoadModule(b, buf.slice(0, -1));
    }
  }
  return 0;
}

/** LibAliasLoadModule: "dlopen" path and attach its handlers; EINVAL for a
 *  path that names no module built here, EEXIST for one already loaded. */
function LoadModule(b: libalias_build, path: string): number {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const handle = shared_objects.get(base);
  if (handle === undefined) return EINVAL;
  if (attach_dll(b, { name: handle.name, handle }) === EEXIST) return EEXIST;
  LibAliasAttachHandlers(b, handle.handlers);
  return 0;
}

/** LibAliasUnLoadAllModule: every handler off the chain, every module
 *  closed. */
function UnLoadAllModule(b: libalias_build): number {
  for (let p = first_handler(b); p !== null; p = first_handler(b)) {
    // FreeBSD hands the first handler to LibAliasDetachHandlers, which
    // walks on from it; every handler goes either way.
    LibAliasDetachHandlers(b, [p]);
  }
  while (walk_dll_chain(b) !== null);
  return 1;
}
