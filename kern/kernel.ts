// sys/sys/kernel.h, sys/kern/init_main.c: SYSINIT/SYSUNINIT ordering and the
// boot sequence (mi_startup) that runs them in (subsystem, order) order.

export const SI_SUB_DUMMY = 0x0000000;
export const SI_SUB_TUNABLES = 0x0700000;
export const SI_SUB_COPYRIGHT = 0x0800001;
export const SI_SUB_VM = 0x1000000;
export const SI_SUB_KMEM = 0x1800000;
export const SI_SUB_VNET_PRELINK = 0x1e00000;
export const SI_SUB_KLD = 0x2000000;
export const SI_SUB_CPU = 0x2100000;
export const SI_SUB_RANDOM = 0x2120000;
export const SI_SUB_VNET = 0x21e0000;
export const SI_SUB_MBUF = 0x2700000;
export const SI_SUB_INTR = 0x2800000;
export const SI_SUB_CALLOUT = 0x2c00000;
export const SI_SUB_INIT_IF = 0x3000000;
export const SI_SUB_NETGRAPH = 0x3010000;
export const SI_SUB_DRIVERS = 0x3100000;
export const SI_SUB_CONFIGURE = 0x3800000;
export const SI_SUB_INTRINSIC = 0x4600000;
export const SI_SUB_PSEUDO = 0x7000000;
export const SI_SUB_EXEC = 0x7400000;
export const SI_SUB_PROTO_BEGIN = 0x8000000;
export const SI_SUB_PROTO_PFIL = 0x8100000;
export const SI_SUB_PROTO_IF = 0x8400000;
export const SI_SUB_PROTO_DOMAININIT = 0x8600000;
export const SI_SUB_PROTO_MC = 0x8700000;
export const SI_SUB_PROTO_DOMAIN = 0x8800000;
export const SI_SUB_PROTO_FIREWALL = 0x8806000;
export const SI_SUB_PROTO_IFATTACHDOMAIN = 0x8808000;
export const SI_SUB_PROTO_END = 0x8ffffff;
export const SI_SUB_KPROF = 0x9000000;
export const SI_SUB_KICK_SCHEDULER = 0xa000000;
export const SI_SUB_INT_CONFIG_HOOKS = 0xa800000;
export const SI_SUB_ROOT_CONF = 0xb000000;
export const SI_SUB_INTRINSIC_POST = 0xd000000;
export const SI_SUB_SYSCALLS = 0xd800000;
export const SI_SUB_VNET_DONE = 0xdc00000;
export const SI_SUB_KTHREAD_INIT = 0xe000000;
export const SI_SUB_LAST = 0xfffffff;

export const SI_ORDER_FIRST = 0x0000000;
export const SI_ORDER_SECOND = 0x0000001;
export const SI_ORDER_THIRD = 0x0000002;
export const SI_ORDER_FOURTH = 0x0000003;
export const SI_ORDER_FIFTH = 0x0000004;
export const SI_ORDER_SIXTH = 0x0000005;
export const SI_ORDER_SEVENTH = 0x0000006;
export const SI_ORDER_EIGHTH = 0x0000007;
export const SI_ORDER_MIDDLE = 0x1000000;
export const SI_ORDER_ANY = 0xfffffff;

/** struct sysinit: one entry of the SYSINIT linker set. */
export class sysinit {
  constructor(
    readonly name: string,
    readonly subsystem: number,
    readonly order: number,
    readonly func: (arg: unknown) => void,
    readonly udata: unknown,
  ) {}
}

// The linker sets: in FreeBSD the linker gathers SYSINIT entries from every
// object file; here each module registers its entries when it is loaded.
const sysinit_set: sysinit[] = [];
const sysuninit_set: sysinit[] = [];
let booted = false;

/** Sort (subsystem, order) ascending, keeping registration order for ties. */
function sysinit_cmp(a: sysinit, b: sysinit): number {
  return a.subsystem - b.subsystem || a.order - b.order;
}

function insert_sorted(list: sysinit[], si: sysinit): void {
  let i = list.length;
  while (i > 0 && sysinit_cmp(list[i - 1], si) > 0) i--;
  list.splice(i, 0, si);
}

/**
 * SYSINIT(uniquifier, subsystem, order, func, ident). A SYSINIT registered
 * after boot behaves as one from a module loaded late: it runs at once, as
 * linker_file_sysinit does for a kld.
 */
export function SYSINIT<T>(name: string, subsystem: number, order: number, func: (arg: T) => void, udata?: T): sysinit {
  const si = new sysinit(name, subsystem, order, func as (arg: unknown) => void, udata);
  insert_sorted(sysinit_set, si);
  if (booted) si.func(si.udata);
  return si;
}

/** SYSUNINIT: runs at shutdown (module unload), in reverse order. */
export function SYSUNINIT<T>(name: string, subsystem: number, order: number, func: (arg: T) => void, udata?: T): sysinit {
  const si = new sysinit(name, subsystem, order, func as (arg: unknown) => void, udata);
  insert_sorted(sysuninit_set, si);
  return si;
}

/** mi_startup(): run every SYSINIT in order. Entries added while booting
 *  (a SYSINIT registering another) are picked up in their place. */
export function mi_startup(): void {
  if (booted) return;
  const done = new Set<sysinit>();
  for (;;) {
    const next = sysinit_set.find((si) => !done.has(si));
    if (next === undefined) break;
    done.add(next);
    next.func(next.udata);
  }
  booted = true;
}

/** Run the SYSUNINITs in reverse order, as kern_shutdown/linker unload do. */
export function mi_shutdown(): void {
  if (!booted) return;
  for (let i = sysuninit_set.length - 1; i >= 0; i--) {
    const si = sysuninit_set[i];
    si.func(si.udata);
  }
  booted = false;
}

export function kernel_booted(): boolean {
  return booted;
}

/** The names of the registered SYSINITs in run order (DDB's `show sysinit`). */
export function sysinit_list(): readonly sysinit[] {
  return sysinit_set;
}
/** The registered SYSUNINITs, in registration order sorted as SYSINITs are
 *  (shutdown runs them last first). */
export function sysuninit_list(): readonly sysinit[] {
  return sysuninit_set;
}
