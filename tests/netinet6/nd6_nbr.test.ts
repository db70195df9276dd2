// netinet6/nd6_nbr: duplicate address detection (a tentative address whose
// solicitation another node answers becomes IN6_IFF_DUPLICATED, with
// FreeBSD's log lines; net.inet6.ip6.dad_count 0 skips DAD), neighbor
// advertisements with the router and override flags, and proxy NDP
// (ndp -s ADDR MAC proxy answers solicitations for ADDR with MAC).
import test from "ava";
import { SEC, bytes, entry, run, sin6, two_jails, udp6 } from "./nd6_helpers.ts";

/** The flags of ifp's address addr (SIOCGIFAFLAG_IN6's), -1 if there is no such address. */
function aflags(k: Awaited<ReturnType<typeof two_jails>>["k"], ifp: Awaited<ReturnType<typeof two_jails>>["ifa"], addr: string): number {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(addr);
  return k.vnet_run(ifp.if_vnet, "t", () => {
    const ia = k.in6ifa_ifpwithaddr(ifp, a);
    return ia === null ? -1 : ia.ia6_flags;
  });
}

test.serial("vimage: DAD: b configures a's address, a answers b's solicitation, b's address is duplicated with FreeBSD's log lines", async (t) => {
  const { k, ifa, ifb } = await two_jails("jexec b ifconfig epair0b inet6 2001:db8::1/64 alias\n");
  // Right after the request the address is tentative; the first NS is out.
  t.true((aflags(k, ifb, "2001:db8::1") & k.IN6_IFF_TENTATIVE) !== 0);
  t.is(aflags(k, ifb, "2001:db8::1") & k.IN6_IFF_DUPLICATED, 0);
  k.kern_advance_ns(2 * SEC);
  // nd6_dad_duplicated: no longer tentative, duplicated.
  t.is(aflags(k, ifb, "2001:db8::1") & (k.IN6_IFF_TENTATIVE | k.IN6_IFF_DUPLICATED), k.IN6_IFF_DUPLICATED);
  t.is(aflags(k, ifa, "2001:db8::1") & (k.IN6_IFF_TENTATIVE | k.IN6_IFF_DUPLICATED), 0, "a's own address is untouched");
  t.is(aflags(k, ifb, "2001:db8::2") & (k.IN6_IFF_TENTATIVE | k.IN6_IFF_DUPLICATED), 0, "b's other address passed its DAD");
  const ifc = await run(k, ["jexec", "b", "ifconfig", "epair0b", "inet6"]);
  t.regex(ifc.out, /\tinet6 2001:db8::1 prefixlen 64 duplicated\n/);
  const d = await run(k, ["dmesg"]);
  t.true(
    d.out.includes(
      "epair0b: DAD detected duplicate IPv6 address 2001:db8::1: NS in/out/loopback=0/1/0, NA in=1\n" +
        "epair0b: DAD complete for 2001:db8::1 - duplicate found\n" +
        "epair0b: manual intervention required\n",
    ),
    d.out,
  );
});

test.serial("vimage: DAD: dad_count solicitations a RetransTimer apart, then the address is ready; dad_count 0 skips DAD", async (t) => {
  const { k, pb, ifb } = await two_jails("jexec b sysctl net.inet6.ip6.dad_count=3 >/dev/null\njexec b ifconfig epair0b inet6 2001:db8::3/64 alias\n");
  const out = () => {
    const r = k.kernel_sysctlbyname(pb.p_ucred, "net.inet6.icmp6.stats");
    return Array.isArray(r.value) ? r.value[k.icp6s_outhist + k.ND_NEIGHBOR_SOLICIT] : -1;
  };
  const n0 = out();
  // The first NS goes after a random delay of up to MAX_RTR_SOLICITATION_DELAY.
  k.kern_advance_ns(SEC + SEC / 10);
  t.true((aflags(k, ifb, "2001:db8::3") & k.IN6_IFF_TENTATIVE) !== 0);
  k.kern_advance_ns(3 * SEC);
  t.is(aflags(k, ifb, "2001:db8::3") & k.IN6_IFF_TENTATIVE, 0);
  t.is(out() - n0, 3, "three solicitations");
  t.is((await run(k, ["jexec", "b", "sysctl", "net.inet6.ip6.dad_count=0"])).status, 0);
  t.is((await run(k, ["jexec", "b", "ifconfig", "epair0b", "inet6", "2001:db8::4/64", "alias"])).status, 0);
  t.is(aflags(k, ifb, "2001:db8::4") & (k.IN6_IFF_TENTATIVE | k.IN6_IFF_DUPLICATED), 0, "ready at once");
  k.kern_advance_ns(2 * SEC);
  t.is(out() - n0, 3, "no solicitation for it");
});

test.serial("vimage: proxy NDP: b publishes 2001:db8::6 with another MAC; a's solicitation is answered with it", async (t) => {
  const { k, pa, ifa } = await two_jails("jexec b ndp -s 2001:db8::6 02:00:00:00:00:06 proxy\n");
  const r = await run(k, ["jexec", "b", "ndp", "-an"]);
  t.regex(r.out, /\n2001:db8::6 +02:00:00:00:00:06 epair0b permanent R p\n/);
  const tx = udp6(k, pa);
  t.is(k.sys_sendto(pa, tx, bytes("p"), 0, sin6(k, "2001:db8::6", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(entry(k, ifa, "2001:db8::6"), { state: k.ND6_LLINFO_REACHABLE, asked: 0, router: 0, valid: true });
  const a = await run(k, ["jexec", "a", "ndp", "-n", "2001:db8::6"]);
  t.regex(a.out, /\n2001:db8::6 +02:00:00:00:00:06 epair0a \S+ +R \n$/);
  // Deleting the published entry stops the answers.
  t.is((await run(k, ["jexec", "b", "ndp", "-d", "2001:db8::6"])).out, "2001:db8::6 (2001:db8::6) deleted\n");
  t.is((await run(k, ["jexec", "a", "ndp", "-d", "2001:db8::6"])).status, 0);
  t.is(k.sys_sendto(pa, tx, bytes("q"), 0, sin6(k, "2001:db8::6", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::6")?.state, k.ND6_LLINFO_INCOMPLETE);
  k.proc_exit(pa);
});

test.serial("vimage: a router's NA carries the R flag: the neighbor entry is a router (ndp's R flag)", async (t) => {
  const { k, pa, pb, ifa } = await two_jails("jexec b sysctl net.inet6.ip6.forwarding=1 >/dev/null\n");
  const rx = udp6(k, pb, 4000);
  const tx = udp6(k, pa);
  t.is(k.sys_sendto(pa, tx, bytes("r"), 0, sin6(k, "2001:db8::2", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_REACHABLE, asked: 0, router: 1, valid: true });
  const r = await run(k, ["jexec", "a", "ndp", "-an"]);
  t.regex(r.out, /\n2001:db8::2 +\S+ epair0a \S+ +R R\n/);
  t.is(k.sys_recvfrom(pb, rx, 10, 0).error, 0);
  for (const p of [pa, pb]) k.proc_exit(p);
});
