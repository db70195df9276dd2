// sys/net/if_llc.h: IEEE 802.2 LLC, the few values the bridge code needs
// (the SAP of 802.1D BPDUs, unnumbered information frames, SNAP).

export const LLC_UI = 0x3;
export const LLC_8021D_LSAP = 0x42;
export const LLC_SNAP_LSAP = 0xaa;
/** sizeof(struct llc) as if_bridge uses it for SNAP: dsap, ssap, control, org code[3], ether_type. */
export const LLC_SNAPFRAMELEN = 8;
