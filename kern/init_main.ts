// sys/kern/init_main.c: bringing the kernel up.  kern_boot() takes the
// loader's environment (the tunables), seeds the random source, sets kern.hz
// (init_param1) and runs every SYSINIT (mi_startup); after it vnet0 exists
// and curvnet is NULL again, as after a FreeBSD boot.

import { mi_startup, kernel_booted } from "./kernel.ts";
import { arc4random_seed } from "./arc4random.ts";
import { callout_set_hz } from "./kern_timeout.ts";
import { TUNABLE_INT_FETCH, kern_setenv, tunable_declared } from "./kern_environment.ts";
import { sysctl_name2oid, sysctl_tunable_value } from "./kern_sysctl.ts";
import { CTLFLAG_TUN, CTLTYPE, CTLTYPE_INT, CTLTYPE_NODE, CTLTYPE_STRING, CTLTYPE_UINT, kvar_of, sysctl_oid } from "./sysctl.ts";
// The linker makes the kernel's own file before any module registers.
import "./kern_linker.ts";

/** A loader tunable's value, as loader.conf would give it. */
export type tunable_value = number | string;

export interface boot_options {
  /** Seed for everything random in the kernel (default 0). */
  seed?: number;
  /** kern.hz as compiled in (the HZ option, default 1000); a kern.hz
   *  tunable overrides it. */
  hz?: number;
  /** Loader tunables (loader.conf's name="value"), in the kernel
   *  environment before the first SYSINIT: kern.hz, kern.ipc.nmbclusters,
   *  kern.ipc.nmbufs, and every CTLFLAG_TUN sysctl. */
  tunables?: Readonly<Record<string, tunable_value>>;
}

/** kern.hz's bounds here: the virtual clock needs whole ns ticks. */
const HZ_MAX = 100000;

/**
 * Check tunables before boot: each name must be one the kernel reads (a
 * CTLFLAG_TUN sysctl, or one a SYSINIT fetches itself) and each value must
 * read as that name's type.  Returns the first problem, or null.
 */
export function kern_tunables_check(tunables: Readonly<Record<string, tunable_value>>): string | null {
  for (const [name, raw] of Object.entries(tunables)) {
    const s = String(raw);
    let type = tunable_declared(name);
    let oid: sysctl_oid | null = null;
    if (type === null) {
      const r = sysctl_name2oid(name);
      oid = r.error === 0 ? r.oid : null;
      if (oid === null || (oid.oid_kind & CTLTYPE) === CTLTYPE_NODE || (oid.oid_kind & CTLFLAG_TUN) === 0) return `${name}: not a loader tunable`;
      type = oid.oid_kind & CTLTYPE;
    }
    const probe = oid ?? new sysctl_oid(null, 0, type, null, 0, name, null, "", "");
    const v = sysctl_tunable_value(probe, s);
    if (v === null) {
      const what = type === CTLTYPE_INT ? "an int" : type === CTLTYPE_UINT ? "an unsigned int" : type === CTLTYPE_STRING ? "a string" : "a number";
      return `${name}: invalid value '${s}' (${what} expected)`;
    }
    if (name === "kern.hz" && (typeof v !== "number" || v < 1 || v > HZ_MAX)) return `${name}: invalid value '${s}' (1 to ${HZ_MAX} ticks per second)`;
  }
  return null;
}

export function kern_boot(opts: boot_options = {}): void {
  if (kernel_booted()) return;
  if (opts.tunables !== undefined) {
    const bad = kern_tunables_check(opts.tunables);
    if (bad !== null) throw new RangeError(`loader tunable ${bad}`);
    for (const [name, v] of Object.entries(opts.tunables)) kern_setenv(name, String(v));
  }
  arc4random_seed(opts.seed ?? 0);
  // init_param1: the compiled-in HZ unless the loader says otherwise.
  const hz = kvar_of(opts.hz ?? 1000);
  TUNABLE_INT_FETCH("kern.hz", hz);
  callout_set_hz(hz.v);
  mi_startup();
}
