// VirtNet: the library.  One bundle per kernel configuration (build.mjs):
// VIMAGE on, VIMAGE off, and VIMAGE with VNET_DEBUG.  Importing a bundle
// loads one kernel; kern_boot() brings it up.

export * from "./kern/errno.ts";
export * from "./kern/kernel.ts";
export * from "./kern/subr_prf.ts";
export * from "./kern/arc4random.ts";
export * from "./kern/sysctl.ts";
export * from "./kern/kern_sysctl.ts";
export * from "./kern/kern_prot.ts";
export * from "./kern/kern_priv.ts";
export * from "./kern/kern_jail.ts";
export * from "./kern/kern_mib.ts";
export * from "./kern/subr_taskqueue.ts";
export * from "./kern/kern_timeout.ts";
export * from "./kern/uma.ts";
export * from "./kern/mbuf.ts";
export * from "./kern/kern_mbuf.ts";
export * from "./kern/uipc_mbuf.ts";
export * from "./kern/init_main.ts";
export * from "./net/vnet.ts";

/** Which kernel configuration this bundle is. */
export const KERNCONF = { VIMAGE, VNET_DEBUG } as const;
