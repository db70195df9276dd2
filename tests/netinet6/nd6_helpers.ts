// Helpers of the nd6 tests: two vnet jails on an epair with IPv6 on, UDP
// sockets, the neighbor cache entry of an address, running a program.
import type { Kernel } from "../helpers/builds.ts";
import { run_script } from "../sbin/prog_helpers.ts";

export type Proc = ReturnType<Kernel["proc_create"]>;

export const SEC = 1e9;
export const bytes = (s: string) => new TextEncoder().encode(s);

/** Two jails a (2001:db8::1/64 on epair0a) and b (2001:db8::2/64 on epair0b), IPv6 on, DAD done. */
export const TWO_JAILS6 = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ndp -i epair0a -- -disabled >/dev/null
jexec b ndp -i epair0b -- -disabled >/dev/null
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

export interface setup {
  k: Kernel;
  pa: Proc;
  pb: Proc;
  ifa: ReturnType<Kernel["ifunit"]> & object;
  ifb: ReturnType<Kernel["ifunit"]> & object;
}

export async function two_jails(extra = ""): Promise<setup & { out: string; err: string }> {
  const r = await run_script(TWO_JAILS6 + extra);
  if (r.status !== 0) throw new Error(`setup: ${r.err}`);
  const k = r.k;
  const ja = k.prison_find_name("a");
  const jb = k.prison_find_name("b");
  if (ja === null || jb === null) throw new Error("jails");
  const pa = k.proc_create(k.cred0, "a");
  const pb = k.proc_create(k.cred0, "b");
  if (k.sys_jail_attach_proc(pa, ja.pr_id) !== 0 || k.sys_jail_attach_proc(pb, jb.pr_id) !== 0) throw new Error("attach");
  const ifa = k.vnet_run(ja.pr_vnet as NonNullable<typeof ja.pr_vnet>, "t", () => k.ifunit("epair0a"));
  const ifb = k.vnet_run(jb.pr_vnet as NonNullable<typeof jb.pr_vnet>, "t", () => k.ifunit("epair0b"));
  if (ifa === null || ifb === null) throw new Error("interfaces");
  return { k, pa, pb, ifa, ifb, out: r.out, err: r.err };
}

export function sin6(k: Kernel, addr: string, port: number): InstanceType<Kernel["sockaddr_in6"]> {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(addr);
  return new k.sockaddr_in6(a, port, 0);
}

export function udp6(k: Kernel, p: Proc, port = -1): number {
  const s = k.sys_socket(p, k.PF_INET6, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  if (port >= 0 && k.sys_bind(p, s.fd, sin6(k, "::", port)) !== 0) throw new Error("bind");
  return s.fd;
}

/** The cache entry for addr on ifp: its state, probes sent, router flag; null if none. */
export function entry(k: Kernel, ifp: setup["ifa"], addr: string) {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(addr);
  return k.vnet_run(ifp.if_vnet, "t", () => {
    const ln = k.nd6_lookup(a, 0, ifp);
    return ln === null ? null : { state: ln.ln_state, asked: ln.la_asked, router: ln.ln_router, valid: (ln.la_flags & k.LLE_VALID) !== 0 };
  });
}

export async function run(k: Kernel, argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const root = k.proc_create(k.cred0, "sh");
  const status = await k.exec_prog(root, argv, { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: new Map() });
  k.proc_exit(root);
  return { status, out, err };
}
