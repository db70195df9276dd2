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
export * from "./net/if.ts";
export * from "./net/if_dl.ts";
export * from "./net/ethernet.ts";
export * from "./net/netisr.ts";
export * from "./net/pfil.ts";
export * from "./net/bpf.ts";
export * from "./net/if_clone.ts";
export * from "./net/if_loop.ts";
export * from "./net/if_ethersubr.ts";
export * from "./net/if_epair.ts";
export * from "./netinet/ip.ts";
export * from "./netinet/in_cksum.ts";
export * from "./netinet/ip_var.ts";
export * from "./netinet/ip_options.ts";
export * from "./netinet/ip_reass.ts";
export * from "./netinet/ip_output.ts";
export * from "./netinet/ip_icmp.ts";
export * from "./netinet/ip_fastfwd.ts";
export * from "./netinet/ip_input.ts";
export * from "./net/route.ts";
export * from "./net/rtsock.ts";
export * from "./net/if_llatbl.ts";
export * from "./netinet/in.ts";
export * from "./netinet/in_fib.ts";
export * from "./netinet/if_ether.ts";
export * from "./kern/socket.ts";
export * from "./kern/uipc_socket.ts";
export * from "./kern/sys_socket.ts";
export * from "./kern/uipc_syscalls.ts";
export * from "./netinet/in_pcb.ts";
export * from "./netinet/udp_usrreq.ts";
export * from "./netinet/raw_ip.ts";
export * from "./netinet/in_proto.ts";
export * from "./kern/kern_synch.ts";
export * from "./kern/sys_generic.ts";
export * from "./sbin/sh.ts";
export * from "./sbin/libc.ts";
export * from "./sbin/programs.ts";
export * from "./sbin/virtnet.ts";

/** Which kernel configuration this bundle is. */
export const KERNCONF = { VIMAGE, VNET_DEBUG } as const;
