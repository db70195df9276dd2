// sys/kern/init_main.c: bringing the kernel up.  kern_boot() seeds the
// random source, sets kern.hz and runs every SYSINIT (mi_startup); after it
// vnet0 exists and curvnet is NULL again, as after a FreeBSD boot.

import { mi_startup, kernel_booted } from "./kernel.ts";
import { arc4random_seed } from "./arc4random.ts";
import { callout_set_hz } from "./kern_timeout.ts";
// The linker makes the kernel's own file before any module registers.
import "./kern_linker.ts";

export interface boot_options {
  /** Seed for everything random in the kernel (default 0). */
  seed?: number;
  /** kern.hz (default 1000). */
  hz?: number;
}

export function kern_boot(opts: boot_options = {}): void {
  if (kernel_booted()) return;
  arc4random_seed(opts.seed ?? 0);
  callout_set_hz(opts.hz ?? 1000);
  mi_startup();
}
