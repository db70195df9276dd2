// kern_mib: kern.hostuuid per prison (inherited by new jails, host.hostuuid
// at creation), checked as a UUID, and hashed into the MAC addresses
// ether_gen_addr makes, so two VirtNet processes can tell their ngeth0s apart.
import test from "ava";
import { run_script } from "../sbin/prog_helpers.ts";

test("kern.hostuuid: the all-zero default, set with sysctl, refused when not a UUID, inherited by jails", async (t) => {
  const r = await run_script(`sysctl -n kern.hostuuid
sysctl kern.hostuuid=0b9a3c1e-5f2d-4c8e-9a7b-1d2e3f405162 >/dev/null
sysctl -n kern.hostuuid
sysctl kern.hostuuid=nonsense; echo "bad=$?"
sysctl -n kern.hostuuid
jail -c name=j vnet persist host.hostuuid=11111111-2222-3333-4444-555555555555 >/dev/null
jexec j sysctl -n kern.hostuuid
jls -j j host.hostuuid
jail -c name=k vnet persist >/dev/null
jexec k sysctl -n kern.hostuuid
jail -c name=bad vnet persist host.hostuuid=xyz; echo "jail=$?"
`);
  t.is(
    r.out,
    "00000000-0000-0000-0000-000000000000\n" +
      "0b9a3c1e-5f2d-4c8e-9a7b-1d2e3f405162\n" +
      "bad=1\n" +
      "0b9a3c1e-5f2d-4c8e-9a7b-1d2e3f405162\n" +
      "11111111-2222-3333-4444-555555555555\n" +
      "11111111-2222-3333-4444-555555555555\n" +
      "0b9a3c1e-5f2d-4c8e-9a7b-1d2e3f405162\n" +
      "jail=1\n",
  );
  t.regex(r.err, /^sysctl: kern\.hostuuid=nonsense: Invalid argument\njail: /);
});

test("kern.hostuuid: a generated MAC address follows the host UUID", async (t) => {
  const script = (uuid: string | null): string =>
    `${uuid === null ? "" : `sysctl kern.hostuuid=${uuid} >/dev/null\n`}ngctl mkpeer . eiface e ether\nifconfig ngeth0 | grep ether\n`;
  const a = await run_script(script(null));
  const b = await run_script(script("0b9a3c1e-5f2d-4c8e-9a7b-1d2e3f405162"));
  const again = await run_script(script("0b9a3c1e-5f2d-4c8e-9a7b-1d2e3f405162"));
  t.is(a.out, "\tether 58:9c:fc:10:4a:7d\n");
  t.regex(b.out, /^\tether 58:9c:fc:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}\n$/);
  t.not(b.out, a.out);
  t.is(again.out, b.out);
});
