// sys/vm/uma.h, sys/vm/uma_core.c: zone allocators, reduced to what the
// network stack relies on: fixed-size items carved from slabs allocated as
// needed, a free list (UMA's per-CPU cache and zone bucket in one), a limit
// on items in use (uma_zone_set_max), and the counters memstat(3) reports:
// in use, cached (free), allocations, frees, failures.
//
// An allocation over the limit fails at once, whatever M_WAITOK says: the
// simulator cannot sleep.  Such a failure is counted as FreeBSD counts a
// denied request.

export class uma_zone<T> {
  /** Free items, most recently freed last (LIFO like a UMA bucket). */
  private uz_free: T[] = [];
  /** Items in use. */
  uz_used = 0;
  /** Items created (in use + free). */
  uz_total = 0;
  /** Limit on items in use; 0 = none. */
  uz_max = 0;
  uz_allocs = 0;
  uz_frees = 0;
  uz_fails = 0;
  uz_sleeps = 0;

  constructor(
    readonly uz_name: string,
    readonly uz_size: number,
    /** Items per slab. */
    readonly uz_ipers: number,
    /** Build one slab's worth of items (the keg's slab allocator + uma_init). */
    private readonly uz_slab: (count: number) => T[],
  ) {}

  uma_zalloc(): T | null {
    if (this.uz_max !== 0 && this.uz_used >= this.uz_max) {
      this.uz_fails++;
      return null;
    }
    let item = this.uz_free.pop();
    if (item === undefined) {
      const slab = this.uz_slab(this.uz_ipers);
      this.uz_total += slab.length;
      item = slab.pop() as T;
      for (let i = slab.length - 1; i >= 0; i--) this.uz_free.push(slab[i]);
    }
    this.uz_used++;
    this.uz_allocs++;
    return item;
  }

  uma_zfree(item: T): void {
    this.uz_used--;
    this.uz_frees++;
    this.uz_free.push(item);
  }

  uma_zone_set_max(n: number): number {
    this.uz_max = n;
    return n;
  }

  /** Items sitting free in the zone (memstat's "cache"). */
  get uz_cached(): number {
    return this.uz_free.length;
  }

  /** Release cached items beyond `keep` (uma_reclaim / zone_drain). */
  zone_drain(keep = 0): void {
    const n = this.uz_free.length - keep;
    if (n <= 0) return;
    this.uz_free.length = keep;
    this.uz_total -= n;
  }
}

export const M_NOWAIT = 0x0001;
export const M_WAITOK = 0x0002;
export const M_ZERO = 0x0100;
