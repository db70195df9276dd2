// netinet6/in6_src: source address selection as a socket sees it (the
// address connect(2) binds), the rule that decided counted in
// ip6s_sources_rule, the hop limit, and the address selection policy
// table (net.inet6.ip6.addrctlpolicy) against a reference longest match.
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { run_script } from "../sbin/prog_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

/** ip6s_sources_rule's index in struct ip6stat (netinet6/ip6_var.ts). */
const ip6s_sources_rule = 399;

function sin6(k: Kernel, addr: string, port: number, scope = 0): InstanceType<Kernel["sockaddr_in6"]> {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(`bad address ${addr}`);
  return new k.sockaddr_in6(a, port, scope);
}

/** The source connect(2) chooses toward dst (what in6_selectsrc says). */
function source_for(k: Kernel, p: Proc, dst: InstanceType<Kernel["sockaddr_in6"]>): string | number {
  const s = k.sys_socket(p, k.PF_INET6, k.SOCK_DGRAM, 0).fd;
  const e = k.sys_connect(p, s, dst);
  const name = k.satosin6(k.sys_getsockname(p, s).sa);
  k.sys_close(p, s);
  if (e !== 0) return e;
  return name === null ? -1 : k.inet_ntop6(name.sin6_addr);
}

function ip6stat(k: Kernel, cred: Parameters<Kernel["kernel_sysctlbyname"]>[0]): readonly number[] {
  const r = k.kernel_sysctlbyname(cred, "net.inet6.ip6.stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet6.ip6.stats");
  return r.value;
}

test.serial("vimage: the source by RFC 6724: same address, scope, longest match; ip6s_sources_rule counts the deciding rule", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
jexec a ifconfig epair0a inet6 2001:db8:1::1/64 up
jexec a ifconfig epair0a inet6 2001:db8:2::1/64 alias
jexec a ifconfig lo0 inet6 2001:db8:ff::1/128
sleep 3
`);
  t.is(r.status, 0, r.err);
  const k = r.k;
  const ja = k.prison_find_name("a");
  if (ja === null) throw new Error("jail");
  const p = k.proc_create(k.cred0, "t");
  t.is(k.sys_jail_attach_proc(p, ja.pr_id), 0);
  const before = ip6stat(k, p.p_ucred);
  // Rule 1: to one of our own addresses, that address.
  t.is(source_for(k, p, sin6(k, "2001:db8:2::1", 7)), "2001:db8:2::1");
  // Rule 14: the longest matching prefix among the globals.
  t.is(source_for(k, p, sin6(k, "2001:db8:2::99", 7)), "2001:db8:2::1");
  t.is(source_for(k, p, sin6(k, "2001:db8:1::99", 7)), "2001:db8:1::1");
  // Rule 2: a link-local destination gets a link-local source.
  const ai = k.getaddrinfo(p, "fe80::99%epair0a", "7", { ai_socktype: k.SOCK_DGRAM });
  t.is(ai.error, 0);
  const lldst = ai.res[0].ai_addr;
  if (!("sin6_addr" in lldst)) throw new Error("getaddrinfo");
  const ll = source_for(k, p, lldst);
  t.true(typeof ll === "string" && ll.startsWith("fe80::"), `link-local source, got ${ll}`);
  t.true(ip6stat(k, p.p_ucred)[ip6s_sources_rule + 2] > before[ip6s_sources_rule + 2], "rule 2 decided");
  const after = ip6stat(k, p.p_ucred);
  t.true(after[ip6s_sources_rule + 1] > before[ip6s_sources_rule + 1], "rule 1 decided");
  t.true(after[ip6s_sources_rule + 14] > before[ip6s_sources_rule + 14], "rule 14 decided");
  k.proc_exit(p);
  t.is(k.sys_jail_remove(k.cred0, ja.pr_id), 0);
  const host = k.proc_create(k.cred0, "host");
  const hs = k.sys_socket(host, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  t.is(k.sys_ioctl(host, hs, k.SIOCIFDESTROY, { ifr_name: "epair0a" }), 0);
  k.proc_exit(host);
  k.kern_advance_ns(1_000_000_000);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

for (const build of BOTH) {
  test.serial(`${build}: the hop limit: net.inet6.ip6.hlim by default, the interface's current limit on a route`, async (t) => {
    const k = await loadKernel(build);
    const saved = k.CURVNET_SET(k.vnet0, "test");
    t.is(k.in6_selecthlim(null, null), 64);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.hlim", 33).error, 0);
    t.is(k.in6_selecthlim(null, null), 33);
    k.CURVNET_RESTORE(saved);
  });
}

/** A reference longest-prefix match over the policies added. */
function ref_match(pols: { addr: number[]; plen: number; label: number }[], key: number[]): number {
  let best = -1;
  let bestlen = -1;
  for (const p of pols) {
    let ok = true;
    for (let i = 0; i < p.plen; i++) {
      const bit = (x: number[]) => (x[i >> 3] >> (7 - (i & 7))) & 1;
      if (bit(p.addr) !== bit(key)) {
        ok = false;
        break;
      }
    }
    if (ok && p.plen > bestlen) {
      best = p.label;
      bestlen = p.plen;
    }
  }
  return best;
}

test.serial("novimage: the policy table: SIOCAADDRCTL_POLICY adds, lookups take the longest prefix, the sysctl lists it; EEXIST, ESRCH", async (t) => {
  const k = await loadKernel("novimage");
  const byte = fc.integer({ min: 0, max: 255 });
  fc.assert(
    fc.property(
      fc.array(fc.record({ addr: fc.array(byte, { minLength: 16, maxLength: 16 }), plen: fc.integer({ min: 0, max: 128 }), label: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 6 }),
      fc.array(byte, { minLength: 16, maxLength: 16 }),
      (pols, key) => {
        const added: { addr: number[]; plen: number; label: number }[] = [];
        const ents = [];
        for (const p of pols) {
          const e = new k.in6_addrpolicy();
          e.addr.sin6_addr.s6_addr.set(p.addr);
          k.in6_prefixlen2mask(e.addrmask.sin6_addr, p.plen);
          e.label = p.label;
          e.preced = 10;
          const masked = p.addr.map((b, i) => b & e.addrmask.sin6_addr.s6_addr[i]);
          const dup = added.some((a) => a.plen === p.plen && a.addr.every((b, i) => b === masked[i]));
          const error = k.in6_src_ioctl(k.SIOCAADDRCTL_POLICY, e);
          if (error !== (dup ? k.EEXIST : 0)) return false;
          if (!dup) {
            added.push({ addr: masked, plen: p.plen, label: p.label });
            ents.push(e);
          }
        }
        const listed = k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.addrctlpolicy").value;
        const ok_list = Array.isArray(listed) && listed.length === added.length * k.ADDRPOLICY_WORDS;
        const got = k.lookup_addrsel_policy(k.in6_addr_from(key)).label;
        const want = ref_match(added, key);
        for (const e of ents) if (k.in6_src_ioctl(k.SIOCDADDRCTL_POLICY, e) !== 0) return false;
        return ok_list && got === (want < 0 ? k.ADDR_LABEL_NOTAPP : want);
      },
    ),
  );
  const e = new k.in6_addrpolicy();
  t.is(k.in6_src_ioctl(k.SIOCDADDRCTL_POLICY, e), k.ESRCH);
  e.label = k.ADDR_LABEL_NOTAPP;
  t.is(k.in6_src_ioctl(k.SIOCAADDRCTL_POLICY, e), k.EINVAL);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.addrctlpolicy", [1]).error, k.EPERM);
});
