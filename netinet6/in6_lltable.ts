// sys/netinet6/in6.c (its in6_lltable_* half): the IPv6 neighbor table of an interface.
// Kept apart from in6.ts this session so two helpers can work at once; it folds into in6.ts.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (nd6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";
import type { lltable } from "../net/if_llatbl.ts";

export function in6_lltable_get(_ifp: ifnet): lltable | null {
  throw new Error("CONTRACT-STUB: in6_lltable_get (owner: nd6)");
}
export function in6_lltattach(_ifp: ifnet): lltable {
  throw new Error("CONTRACT-STUB: in6_lltattach (owner: nd6)");
}
