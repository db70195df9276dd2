// Helpers for the shell tests: run a script in a bare shell (no kernel
// programs), named t.sh, with its pid 4242 and HOME=/home/u.
import type { Kernel } from "../helpers/builds.ts";

export type progs = Record<string, (argv: string[], stdin: string) => [string, number]>;

export async function run(k: Kernel, src: string, progs: progs = {}, cwd = process.cwd()) {
  let out = "";
  let err = "";
  const sh = new k.sh_shell({
    name: "t.sh",
    script: true,
    pid: 4242,
    cwd,
    lookup: (n) => {
      const f = progs[n];
      if (f === undefined) return null;
      return async (c) => {
        const [o, s] = f(c.argv, c.stdin);
        c.stdout.write(o);
        return s;
      };
    },
  });
  sh.vars.set("HOME", "/home/u");
  const status = await sh.run(src, { write: (s) => (out += s) }, { write: (s) => (err += s) });
  return { out, err, status };
}

