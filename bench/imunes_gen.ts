// A generated IMUNES-style topology (the JSON form IMUNES saves) for the
// imunes benchmark (bench/wl_imunes.ts): no kernel needed to make one.
//   node --import=tsx -e 'import("./bench/imunes_gen.ts").then((m) => process.stdout.write(m.imunes_gen(10, 100)))' > big.json

/** The topology: routers r0..r{R-1} in a chain (10.1.i.0/24 between ri
 *  and ri+1), switch swi with PCs pci_1..pci_P on 10.0.i.0/24 behind ri
 *  (.254).  Every router has a static route to every other LAN. */
export function imunes_gen(routers: number, pcs_per_lan: number): string {
  const nodes: Record<string, unknown> = {};
  const links: Record<string, unknown> = {};
  let nl = 0;
  const link = (a: string, ai: string, b: string, bi: string, extra: Record<string, string> = {}): string => {
    const id = `l${nl++}`;
    links[id] = { peers: `${a} ${b}`, peers_ifaces: `${ai} ${bi}`, ...extra };
    return id;
  };
  const rid = (i: number): string => `n${i}`;
  const sid = (i: number): string => `n${routers + i}`;
  const pid = (i: number, j: number): string => `n${2 * routers + i * pcs_per_lan + j}`;
  const r_ifaces: Record<string, Record<string, unknown>>[] = [];
  const s_ifaces: Record<string, Record<string, unknown>>[] = [];
  for (let i = 0; i < routers; i++) {
    r_ifaces.push({ ifc0: { name: "lo0", type: "lo", ipv4_addrs: ["127.0.0.1/8"] } });
    s_ifaces.push({});
  }
  for (let i = 0; i < routers; i++) {
    // The LAN: the router's eth0 on the switch's first port.
    const l = link(rid(i), "ifc1", sid(i), "ifc0", { delay: "100" });
    r_ifaces[i].ifc1 = { name: "eth0", type: "phys", ipv4_addrs: [`10.0.${i}.254/24`], link: l };
    s_ifaces[i].ifc0 = { name: "e0", type: "phys", link: l };
    for (let j = 0; j < pcs_per_lan; j++) {
      const lp = link(pid(i, j), "ifc1", sid(i), `ifc${j + 1}`);
      s_ifaces[i][`ifc${j + 1}`] = { name: `e${j + 1}`, type: "phys", link: lp };
      nodes[pid(i, j)] = {
        type: "pc",
        name: `pc${i}_${j + 1}`,
        ifaces: { ifc0: { name: "lo0", type: "lo", ipv4_addrs: ["127.0.0.1/8"] }, ifc1: { name: "eth0", type: "phys", ipv4_addrs: [`10.0.${i}.${j + 1}/24`], link: lp } },
        croutes4: [`0.0.0.0/0 10.0.${i}.254`],
      };
    }
  }
  for (let i = 0; i + 1 < routers; i++) {
    const l = link(rid(i), i === 0 ? "ifc2" : "ifc3", rid(i + 1), "ifc2", { bandwidth: "1000000000", delay: "500" });
    r_ifaces[i][i === 0 ? "ifc2" : "ifc3"] = { name: i === 0 ? "eth1" : "eth2", type: "phys", ipv4_addrs: [`10.1.${i}.1/24`], link: l };
    r_ifaces[i + 1].ifc2 = { name: "eth1", type: "phys", ipv4_addrs: [`10.1.${i}.2/24`], link: l };
  }
  for (let i = 0; i < routers; i++) {
    const routes: string[] = [];
    for (let k = 0; k < routers; k++) {
      if (k < i) routes.push(`10.0.${k}.0/24 10.1.${i - 1}.1`);
      if (k > i) routes.push(`10.0.${k}.0/24 10.1.${i}.2`);
    }
    nodes[rid(i)] = { type: "router", name: `r${i}`, model: "static", ifaces: r_ifaces[i], croutes4: routes };
    nodes[sid(i)] = { type: "lanswitch", name: `sw${i}`, ifaces: s_ifaces[i] };
  }
  return JSON.stringify({ nodes, links, options: { version: "1" } });
}

