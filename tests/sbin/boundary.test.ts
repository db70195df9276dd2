// Userland reaches the kernel only through system calls: the rule of
// tests/sbin/boundary.ts over the whole tree, and the checker itself on
// synthetic files (so that the rule can be seen to fail).

import test from "ava";
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { KERNEL_GLUE, USERLAND_BUILDS, check_file, check_tree, parse_imports, userland_may_import } from "./boundary.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * What programs still reach past the syscall surface, each to be replaced
 * by the FreeBSD way (and then removed from here: an entry that no longer
 * happens fails the test too, so this list only shrinks).
 */
const PENDING = new Map<string, string>([]);

test("no program imports a kernel function that is not a system call; the kernel imports no userland", (t) => {
  const seen = new Set<string>();
  const unexpected: string[] = [];
  for (const v of check_tree(root)) {
    const key = `${v.file} ${v.name}`;
    seen.add(key);
    if (!PENDING.has(key)) unexpected.push(`${v.file}:${v.line}: ${v.name} from ${v.spec}: ${v.why}`);
  }
  t.deepEqual(unexpected, []);
  // A pending entry that is gone must leave the list.
  t.deepEqual(
    [...PENDING.keys()].filter((k) => !seen.has(k)),
    [],
  );
});

test("the kernel-side glue files exist, and every other sbin file is held to the rule", (t) => {
  for (const f of KERNEL_GLUE.keys()) t.true(fs.existsSync(path.join(root, f)), f);
  const held = fs.readdirSync(path.join(root, "sbin")).filter((f) => f.endsWith(".ts") && !KERNEL_GLUE.has(`sbin/${f}`));
  for (const f of ["ifconfig.ts", "jail.ts", "sysctl.ts", "ping.ts", "libc.ts", "libjail.ts", "libc_sysctl.ts"]) t.true(held.includes(f), f);
});

test("a program importing prison_find_name is reported", (t) => {
  const v = check_file("sbin/fake.ts", 'import { prison_find_name } from "../kern/kern_jail.ts";\n');
  t.is(v.length, 1);
  t.is(v[0].name, "prison_find_name");
  t.is(v[0].line, 1);
});

test("multi-line clauses, aliases, namespaces, defaults, re-exports and dynamic imports are read", (t) => {
  const src = [
    "import {",
    "  sys_socket,",
    "  AF_INET,",
    "  kern_sysctl as ks,",
    "  type ucred,",
    '} from "../kern/kern_sysctl.ts";',
    'import * as k from "../net/if.ts";',
    'import ifdef from "../netinet/in.ts";',
    'export { rt_dump } from "../net/route.ts";',
    'const m = await import("../netgraph/ng_base.ts");',
    'import type { prison } from "../kern/kern_jail.ts";',
    'import { type jail_value } from "../kern/kern_jail.ts";',
    'import { strerror } from "../kern/errno.ts";',
  ].join("\n");
  const names = check_file("sbin/fake.ts", src).map((v) => `${v.line}:${v.name}`);
  t.deepEqual(names, ["1:kern_sysctl", "7:*", "8:default", "9:rt_dump", "10:*"]);
});

test("an import written in a string, a comment or a template is not one", (t) => {
  const src = [
    "// import { prison_find_name } from \"../kern/kern_jail.ts\";",
    "/* import { kern_sysctl } from \"../kern/kern_sysctl.ts\"; */",
    "const s = 'import { allprison } from \"../kern/kern_jail.ts\"';",
    "const u = `import { prison0 } from \"../kern/kern_jail.ts\" ${'x'}`;",
    "const r = /import \"..\\/kern\\/x.ts\"/;",
  ].join("\n");
  t.deepEqual(check_file("sbin/fake.ts", src), []);
  t.deepEqual(parse_imports(src), []);
});

test("the kernel importing sbin/ or bench/ is reported, even a type", (t) => {
  t.is(check_file("net/fake.ts", 'import type { prog_ctx } from "../sbin/libc.ts";').length, 1);
  t.is(check_file("kern/fake.ts", 'import { run } from "../bench/run.ts";').length, 1);
  t.is(check_file("netinet/fake.ts", 'import { x } from "./ip.ts";').length, 0);
});

test("glue files may use kernel functions; programs may use syscalls, constants and the listed libc names", (t) => {
  t.deepEqual(check_file("sbin/virtnet.ts", 'import { kern_boot } from "../kern/init_main.ts";'), []);
  t.true(userland_may_import("sys_jail_set"));
  t.true(userland_may_import("AF_INET"));
  t.true(userland_may_import("inet_ntoa"));
  t.false(userland_may_import("kern_jail_set"));
  t.false(userland_may_import("nanouptime_ns"));
  t.false(userland_may_import("allprison"));
  // An UPPER_CASE name that is code (a macro) is not a constant.
  t.false(userland_may_import("CURVNET_SET", "export function CURVNET_SET(v: vnet): vnet | null {"));
  t.true(userland_may_import("IFF_UP", "export const IFF_UP = 0x1;"));
});

test("a userland build of kernel code may be imported by its library file only", (t) => {
  for (const { lib } of USERLAND_BUILDS.values()) t.true(fs.existsSync(path.join(root, lib)), lib);
  const src = 'import { LibAliasInit } from "../netinet/libalias/alias_db.ts";';
  t.deepEqual(check_file("sbin/libalias.ts", src), []);
  t.is(check_file("sbin/natd.ts", src).length, 1);
  t.is(check_file("sbin/libalias.ts", 'import { ip_output } from "../netinet/ip_output.ts";').length, 1);
});
