// Every target file registers itself when imported: a new subsystem adds
// its file and one line here.
import "./frames_inet.ts";
import "./frames_inet6.ts";
import "./frames_gif.ts";
import "./chaos_net.ts";
import "./chaos_ng_links.ts";
import "./badcmd_sbin.ts";
import "./ngmsg_netgraph.ts";
import "./chaos_netgraph.ts";
import "./imunes_topo.ts";
import "./bpdu_bridgestp.ts";
import "./chaos_bridge.ts";
import "./frames_vlan.ts";
import "./chaos_vlan.ts";
import "./badcmd_vlan.ts";
import "./tcp_segments.ts";
import "./badcmd_ipfw_nat.ts";
import "./ipfw_ruleset.ts";
import "./ipfw_divert.ts";
import "./badcmd_ipfw.ts";
import "./badcmd_natd.ts";
import "./badcmd_inetd.ts";
import "./badcmd_timeout.ts";
import "./badcmd_divapp.ts";
import "./libalias_ftp.ts";
