// usr.sbin/ngctl through `virtnet run`: every command's output as FreeBSD's
// ngctl prints it for the same graph, its errors and exit statuses, -f
// batches, and a vnet jail's graph seen only from inside the jail.
import test from "ava";
import { run_script } from "./prog_helpers.ts";
import { loadKernel } from "../helpers/builds.ts";

/** Two persistent hubs, hubA (ID 2) and hubB (ID 3), joined twice
 *  (hubA:l1 to hubB:m0, hubA:l2 to hubB:m1); the socket node that built
 *  them (ID 1) is gone with its ngctl. */
const GRAPH = `ngctl -n ctl -f - <<E
mkpeer . hub h0 l0
name h0 hubA
msg hubA: setpersistent
mkpeer hubA: hub l1 m0
name hubA:l1 hubB
msg hubB: setpersistent
connect hubA: hubB: l2 m1
E
echo built=$?
`;

const FMT = (a: string, b: string, c: string, d: string, e: string): string => `  ${a.padEnd(15)} ${b.padEnd(15)} ${c.padEnd(12)} ${d.padEnd(15)} ${e.padEnd(15)}\n`;

test("list, show, types and dot print what FreeBSD's ngctl prints for the same graph", async (t) => {
  const r = await run_script(
    GRAPH +
      `ngctl -n lister list
ngctl -n s show hubA:
ngctl -n t types
ngctl -n d dot
ngctl -n d2 dot -c
ngctl -n nn list -n
ngctl -n sn show -n hubB:
`,
  );
  t.is(r.err, "");
  const out = r.out;
  const expected =
    "built=0\n" +
    "There are 3 total nodes:\n" +
    "  Name: hubA            Type: hub             ID: 00000002   Num hooks: 2\n" +
    "  Name: hubB            Type: hub             ID: 00000003   Num hooks: 2\n" +
    "  Name: lister          Type: socket          ID: 00000004   Num hooks: 0\n" +
    "  Name: hubA            Type: hub             ID: 00000002   Num hooks: 2\n" +
    FMT("Local hook", "Peer name", "Peer type", "Peer ID", "Peer hook") +
    FMT("----------", "---------", "---------", "-------", "---------") +
    FMT("l2", "hubB", "hub", "00000003", "m1") +
    FMT("l1", "hubB", "hub", "00000003", "m0");
  t.is(out.slice(0, expected.length), expected);
  const rest = out.slice(expected.length);
  // types: the header, then one line per type (the list grows with the
  // node types the kernel has; socket and hub are always there).
  const types = rest.slice(0, rest.indexOf("graph netgraph"));
  t.regex(types, /^There are \d+ total types:\n      Type name   Number of living nodes\n      ---------   ----------------------\n/);
  t.true(types.includes("         socket       1\n"), types);
  t.true(types.includes("            hub       2\n"), types);
  const records = (me: string, id: number): string =>
    "\tnode [ shape = record, fontsize = 12 ] {\n" +
    '\t\t"2" [ label = "{hubA:|{hub|[2]:}}" ];\n' +
    '\t\t"3" [ label = "{hubB:|{hub|[3]:}}" ];\n' +
    `\t\t"${id}" [ label = "{${me}:|{socket|[${id}]:}}" ];\n` +
    "\t};\n" +
    "\tsubgraph cluster_disconnected {\n" +
    "\t\tbgcolor = pink;\n" +
    `\t\t"${id}";\n` +
    "\t};\n";
  const dot =
    "graph netgraph {\n" +
    "\tedge [ weight = 1.0 ];\n" +
    records("d", 7) +
    "\tnode [ shape = octagon, fontsize = 10 ] {\n" +
    '\t\t"2.l2" [ label = "l2" ];\n' +
    '\t\t"2.l1" [ label = "l1" ];\n' +
    "\t};\n" +
    "\t{\n\t\tedge [ weight = 2.0, style = bold ];\n" +
    '\t\t"2" -- "2.l2";\n' +
    '\t\t"2" -- "2.l1";\n' +
    "\t};\n" +
    "\tnode [ shape = octagon, fontsize = 10 ] {\n" +
    '\t\t"3.m1" [ label = "m1" ];\n' +
    '\t\t"3.m0" [ label = "m0" ];\n' +
    "\t};\n" +
    "\t{\n\t\tedge [ weight = 2.0, style = bold ];\n" +
    '\t\t"3" -- "3.m1";\n' +
    '\t\t"3" -- "3.m0";\n' +
    "\t};\n" +
    '\t"3.m1" -- "2.l2";\n' +
    '\t"3.m0" -- "2.l1";\n' +
    "}\n";
  const compact =
    "digraph netgraph {\n" +
    '\tedge [ dir = "none", fontsize = 10 ];\n' +
    records("d2", 8) +
    '\t"2" -> "3" [ headlabel = "m1", taillabel = "l2" ] ;\n' +
    '\t"2" -> "3" [ headlabel = "m0", taillabel = "l1" ] ;\n' +
    "}\n";
  const named =
    "There are 3 total named nodes:\n" +
    "  Name: hubA            Type: hub             ID: 00000002   Num hooks: 2\n" +
    "  Name: hubB            Type: hub             ID: 00000003   Num hooks: 2\n" +
    "  Name: nn              Type: socket          ID: 00000009   Num hooks: 0\n";
  const shown = "  Name: hubB            Type: hub             ID: 00000003   Num hooks: 2\n";
  t.is(rest.slice(types.length), dot + compact + named + shown);
});

test("list -l shows every node; the default name is ngctl<pid>; status and config without text; help", async (t) => {
  const r = await run_script(
    GRAPH +
      `ngctl list -l
ngctl status hubA:; echo st=$?
ngctl config hubA:; echo cf=$?
ngctl help show
ngctl help
ngctl ? mkpeer
`,
  );
  t.is(r.err, "");
  const m = /Name: (ngctl\d+) +Type: socket +ID: 00000004/.exec(r.out);
  t.truthy(m, r.out);
  const me = m === null ? "" : m[1];
  t.true(r.out.startsWith(
    "built=0\n" +
      "There are 3 total nodes:\n" +
      "  Name: hubA            Type: hub             ID: 00000002   Num hooks: 2\n" +
      FMT("Local hook", "Peer name", "Peer type", "Peer ID", "Peer hook") +
      FMT("----------", "---------", "---------", "-------", "---------") +
      FMT("l2", "hubB", "hub", "00000003", "m1") +
      FMT("l1", "hubB", "hub", "00000003", "m0") +
      "\n" +
      "  Name: hubB            Type: hub             ID: 00000003   Num hooks: 2\n" +
      FMT("Local hook", "Peer name", "Peer type", "Peer ID", "Peer hook") +
      FMT("----------", "---------", "---------", "-------", "---------") +
      FMT("m1", "hubA", "hub", "00000002", "l2") +
      FMT("m0", "hubA", "hub", "00000002", "l1") +
      "\n" +
      `  Name: ${me.padEnd(15)} Type: socket          ID: 00000004   Num hooks: 0\n` +
      'No status available for "hubA:"\nst=0\n' +
      'No config available for "hubA:"\ncf=0\n' +
      "usage:    show [-n] <path>\n" +
      "Aliases:  inquire, info\n" +
      "Summary:  Show information about the node at <path>\n" +
      "Description:\n" +
      "  If the -n flag is given, hooks are not listed.\n" +
      "Available commands:\n" +
      "  config     get or set configuration of node at <path>\n" +
      "  connect    Connects hook <peerhook> of the node at <relpath> to <hook>\n" +
      "  debug      Get/set debugging verbosity level\n" +
      "  dot        Produce a GraphViz (.dot) of the entire netgraph.\n" +
      "  help       Show command summary or get more help on a specific command\n",
  ), r.out);
  // Help text is cut at 64 characters, after a space (which stays).
  t.true(
    r.out.endsWith(
      "usage:    mkpeer [path] <type> <hook> <peerhook>\n" +
        'Summary:  Create and connect a new node to the node at "path"\n' +
        "Description:\n" +
        '  The mkpeer command atomically creates a new node of type "type" \n' +
        '  and connects it to the node at "path". The hooks used for the \n' +
        '  connection are "hook" on the original node and "peerhook" on \n' +
        '  the new node. If "path" is omitted then "." is assumed.\n',
    ),
    r.out,
  );
});

test("mkpeer, connect, name, rmhook, shutdown and msg: FreeBSD's messages and exit statuses", async (t) => {
  const r = await run_script(
    GRAPH +
      `ngctl mkpeer nosuch: hub a b; echo a=$?
ngctl mkpeer hubA: nosuchtype x y; echo b=$?
ngctl mkpeer hubA: hub l1 z; echo c=$?
ngctl connect hubA: hubB: l1 zz; echo d=$?
ngctl name hubA: hubB; echo e=$?
ngctl rmhook nosuch: x; echo f=$?
ngctl shutdown nosuch:; echo g=$?
ngctl name hubA:; echo h=$?
ngctl msg hubA: bogus; echo i=$?
ngctl msg nosuch: setpersistent; echo j=$?
ngctl -d show nosuch:; echo k=$?
ngctl bogus; echo l=$?
ngctl sh; echo m=$?
ngctl -x; echo n=$?
ngctl; echo o=$?
ngctl -f /nonexistent/cmds; echo p=$?
ngctl -n hubA list; echo q=$?
ngctl rmhook hubA: l2; echo r=$?
ngctl shutdown hubB:; echo s=$?
ngctl list -n
`,
  );
  t.regex(
    r.out,
    new RegExp(
      "^built=0\na=71\nb=71\nc=71\nd=71\ne=71\nf=71\ng=71\nh=64\ni=71\nj=71\nk=71\nl=71\nm=71\nn=64\no=64\np=66\nq=71\nr=0\ns=0\n" +
        "There are 2 total named nodes:\n" +
        "  Name: hubA            Type: hub             ID: 00000002   Num hooks: 0\n" +
        "  Name: ngctl\\d+ +Type: socket          ID: [0-9a-f]{8}   Num hooks: 0\n$",
    ),
  );
  const NOENT = "ngctl: send msg: No such file or directory\n";
  const USAGE = "usage: ngctl [-d] [-f file] [-n name] [command ...]\n";
  t.is(
    r.err,
    NOENT +
      NOENT +
      "ngctl: send msg: File exists\n" +
      "ngctl: send msg: File exists\n" +
      "ngctl: send msg: Address already in use\n" +
      NOENT +
      "ngctl: shutdown: No such file or directory\n" +
      "ngctl: usage: name <path> <name>\n" +
      "ngctl: send msg: Function not implemented\n" +
      NOENT +
      "ngctl: sendto(nosuch:): No such file or directory\n" +
      NOENT +
      'ngctl: "bogus": unknown command\n' +
      'ngctl: "sh": ambiguous command\n' +
      "ngctl: illegal option -- x\n" +
      USAGE +
      "ngctl: no command specified\n" +
      USAGE +
      "ngctl: /nonexistent/cmds: No such file or directory\n" +
      "ngctl: can't create node: Address already in use\n",
  );
});

test("-f: comments are skipped, the first failing line ends the batch with its number; quit ends it too", async (t) => {
  const r = await run_script(
    GRAPH +
      `ngctl -n b -f - <<E
# a comment
show -n hubA:
show nosuch:
list
E
echo a=$?
printf 'show -n hubB:\nquit\nlist\n' > /tmp/ngctl-batch.$$
ngctl -n c -f /tmp/ngctl-batch.$$; echo b=$?
ngctl -n d read /tmp/ngctl-batch.$$; echo c=$?
ngctl -n e . /nonexistent/cmds; echo d=$?
rm -f /tmp/ngctl-batch.$$
`,
  );
  const A = "  Name: hubA            Type: hub             ID: 00000002   Num hooks: 2\n";
  const B = "  Name: hubB            Type: hub             ID: 00000003   Num hooks: 2\n";
  // quit in a file is an "error" line, but main maps CMDRTN_QUIT to 0.
  t.is(r.out, `built=0\n${A}a=71\n${B}b=0\n${B}c=0\nd=71\n`);
  t.is(
    r.err,
    "ngctl: send msg: No such file or directory\n" +
      "ngctl: line 3: error in file\n" +
      "ngctl: line 2: error in file\n" +
      "ngctl: line 2: error in file\n" +
      "ngctl: /nonexistent/cmds: No such file or directory\n",
  );
});

test("vimage: a graph made in a vnet jail is the jail's: invisible from the host, IDs from 1", async (t) => {
  const r = await run_script(`jail -c name=j persist vnet >/dev/null
jexec j ngctl -n jctl -f - <<E
mkpeer . hub a b
msg a setpersistent
name a jhub
E
jexec j ngctl -n jl list
ngctl -n hl list
ngctl -n hs show jhub:; echo rc=$?
jail -r j
`);
  t.is(
    r.out,
    "There are 2 total nodes:\n" +
      "  Name: jhub            Type: hub             ID: 00000002   Num hooks: 0\n" +
      "  Name: jl              Type: socket          ID: 00000003   Num hooks: 0\n" +
      "There are 1 total nodes:\n" +
      "  Name: hl              Type: socket          ID: 00000001   Num hooks: 0\n" +
      "rc=71\n",
  );
  t.is(r.err, "ngctl: send msg: No such file or directory\n");
});

test("msg: ASCII messages to a hub and the generic ones, replies printed as FreeBSD prints them", async (t) => {
  const r = await run_script(
    GRAPH +
      `ngctl -n m msg hubA: nodeinfo
ngctl -n m msg hubA: setpersistent; echo a=$?
`,
  );
  t.is(r.err, "");
  t.is(r.out, 'built=0\nRec\'d response "nodeinfo" (805306374) from "[2]:":\nArgs:\t{ name="hubA" type="hub" id=0x2 hooks=2 }\na=0\n');
});

test("interactive: the summary, a prompt per line, frames coming back on a hook shown as they arrive", async (t) => {
  const k = await loadKernel("vimage");
  const main = k.programs.get("ngctl");
  if (main === undefined) return t.fail("no ngctl");
  let out = "";
  let err = "";
  const p = k.proc_create(k.cred0, "ngctl");
  const status = await main({
    argv: ["ngctl", "-n", "me"],
    stdin: "mkpeer . hub h1 l1\nconnect h1 h2 l2\nwrite h1 1 2 0x41\nlist\n",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    env: new Map(),
    p,
    tty: true,
  });
  k.proc_exit(p);
  t.is(status, 0);
  t.is(err, "");
  const body = out.slice(out.indexOf("  quit       Exit program\n") + "  quit       Exit program\n".length);
  t.true(out.startsWith("Available commands:\n  config "));
  t.is(
    body,
    "+ + + " +
      'Rec\'d data packet on hook "h2":\n' +
      "0000:  01 02 41                                         ..A             \n" +
      "+ There are 2 total nodes:\n" +
      "  Name: me              Type: socket          ID: 00000001   Num hooks: 2\n" +
      "  Name: <unnamed>       Type: hub             ID: 00000002   Num hooks: 2\n" +
      "+ \n",
  );
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
