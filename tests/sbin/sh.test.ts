// sbin/sh.ts: the shell subset `virtnet run` scripts use.
import test from "ava";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

async function run(k: Kernel, src: string, progs: Record<string, (argv: string[], stdin: string) => [string, number]> = {}) {
  let out = "";
  let err = "";
  const sh = new k.sh_shell({
    name: "t.sh",
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
  const status = await sh.run(src, { write: (s) => (out += s) }, { write: (s) => (err += s) });
  return { out, err, status };
}

test("quoting, variables, parameters and field splitting", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const r = await run(k, `x=foo; y="a  b"\necho $x "$y" '$x' \\$x $y\nset -- 1 2; echo $# "$1"\necho \${z:-dflt} \${#x} "\${x}bar"`);
  t.is(r.out, "foo a  b $x $x a b\n2 1\ndflt 3 foobar\n");
  t.is(r.status, 0);
});

test("&&, ||, $?, !, functions, return, case, if, loops with break and continue", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const progs = { prog: (argv: string[]) => [`${argv.slice(1).join(",")}\n`, Number(argv[1] ?? 0)] as [string, number] };
  const r = await run(
    k,
    `prog 3 || echo "failed $?"
prog 0 && echo ok
! prog 1 && echo negated
f() { echo "f:$1"; return 5; }
f x; echo "rc $?"
case abc in a*c) echo glob;; *) echo no;; esac
if prog 1; then echo a; elif prog 0; then echo b; else echo c; fi
for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo -n $i; done; echo
n=0; while [ $n -lt 3 ]; do n=$((n + 1)); done; echo $n
`,
    progs,
  );
  t.is(r.out, "3\nfailed 3\n0\nok\n1\nnegated\nf:x\nrc 5\nglob\n1\n0\nb\n13\n3\n");
});

test("command substitution, pipelines, background jobs and wait", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const progs = {
    upper: (_a: string[], stdin: string) => [stdin.toUpperCase(), 0] as [string, number],
    name: () => ["epair0a\n", 0] as [string, number],
  };
  const r = await run(k, `e=$(name); echo "[$e]" \`echo sub\`\necho piped | upper\nname & wait\necho "bg $!"`, progs);
  t.is(r.out, "[epair0a] sub\nPIPED\nepair0a\nbg 1\n");
});

test("errors: unknown commands, syntax errors, exit status", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const r = await run(k, "nosuch arg\necho after $?\nexit 3\necho never");
  t.is(r.out, "after 127\n");
  t.is(r.err, "t.sh: nosuch: not found\n");
  t.is(r.status, 3);
  const s = await run(k, "if true; then echo x");
  t.is(s.status, 2);
  t.regex(s.err, /^t\.sh: Syntax error: end of file unexpected/);
  const q = await run(k, "echo 'open");
  t.is(q.status, 2);
});
