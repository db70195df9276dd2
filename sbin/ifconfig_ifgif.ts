// sbin/ifconfig/ifgif.c: gif(4)'s options.  `ignore_source` and
// `-ignore_source` set and clear GIF_IGNORE_SOURCE (GIFGOPTS, then
// GIFSOPTS; a failure of either is only a warning), and the interface block
// shows "options=2<IGNORE_SOURCE>" when any option is set.

import { sys_ioctl } from "../kern/uipc_syscalls.ts";
import type { ifreq } from "../net/if.ts";
import { GIFGOPTS, GIFSOPTS, GIF_IGNORE_SOURCE } from "../net/if_gif.ts";
import { printb, type ifc_env, type ifconfig_module as module_t } from "./ifconfig.ts";
import type { ifconfig_if } from "./libifconfig.ts";
import { warn } from "./libc.ts";

/** GIFBITS. */
const GIFBITS: [number, string][] = [[GIF_IGNORE_SOURCE, "IGNORE_SOURCE"]];

/** gif_status: af_gif's af_other_status. */
function gif_status(env: ifc_env, _i: ifconfig_if): string {
  const ifr: ifreq = { ifr_name: env.name };
  if (sys_ioctl(env.kp, env.fd, GIFGOPTS, ifr) !== 0) return "";
  const opts = ifr.ifr_opts ?? 0;
  if (opts === 0) return "";
  return `\t${printb("options", opts, GIFBITS)}\n`;
}

/** setgifopts: d > 0 sets the option, d < 0 clears -d. */
function setgifopts(env: ifc_env, d: number): void {
  const ifr: ifreq = { ifr_name: env.name };
  let e = sys_ioctl(env.kp, env.fd, GIFGOPTS, ifr);
  if (e !== 0) {
    warn(env.ctx, "ioctl(GIFGOPTS)", e);
    return;
  }
  let opts = ifr.ifr_opts ?? 0;
  if (d < 0) opts &= ~-d;
  else opts |= d;
  ifr.ifr_opts = opts;
  e = sys_ioctl(env.kp, env.fd, GIFSOPTS, ifr);
  if (e !== 0) warn(env.ctx, "ioctl(GIFSOPTS)", e);
}

export const ifconfig_module: module_t = {
  cmds: [
    { name: "ignore_source", nargs: 0, fn: (env) => setgifopts(env, GIF_IGNORE_SOURCE) },
    { name: "-ignore_source", nargs: 0, fn: (env) => setgifopts(env, -GIF_IGNORE_SOURCE) },
  ],
  status: gif_status,
};
