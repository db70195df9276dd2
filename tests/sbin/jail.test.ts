// sbin/jail.ts: jail(8) and jls(8) as FreeBSD 14's jail.c/config.c/
// state.c/command.c and jls.c: create, modify (with the create-only check),
// remove (one, several, wildcards against the configuration or the running
// jails), jail.conf, the flags, and jls's formats.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script } from "./prog_helpers.ts";

interface jcase {
  name: string;
  script: string;
  out: string;
  err: string;
}

const USAGE =
  "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n" +
  "            -[cmr] param=value ... [command=command ...]\n" +
  "       jail [-dqv] [-f file] [-e separator] -[cmr] [jail]\n" +
  "       jail [-qv] [-f file] -[rR] ['*' | jail ...]\n" +
  "       jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n" +
  "            [-n jailname] [-s securelevel]\n" +
  "            path hostname [ip[,...]] command ...\n";

const cases: jcase[] = [
  {
    name: "-m vnet: unchanged is no change; a change is refused (create-only)",
    script: `jail -c name=a persist vnet
jail -c name=b persist
jail -m name=a vnet=new; echo "exit $?"
jail -m name=b vnet=new; echo "exit $?"
jail -m name=b vnet; echo "exit $?"
jail -m name=a vnet=inherit; echo "exit $?"
jls -n name vnet
jail -r a b
`,
    out: "a: created\nb: created\na: updated\nexit 0\nexit 1\nexit 1\nexit 1\nname=a vnet=new\nname=b vnet=inherit\na: removed\nb: removed\n",
    err: "jail: b: vnet cannot be changed after creation\njail: b: vnet cannot be changed after creation\njail: a: vnet cannot be changed after creation\n",
  },
  {
    name: "-m host.hostname, nopersist; -m of a jail that is not there",
    script: `jail -c name=a persist host.hostname=one
jail -m name=a host.hostname=two; echo "exit $?"
jls -j a host.hostname
jexec a sysctl -n kern.hostname
jail -m name=a nopersist; echo "exit $?"
jls name
jail -m name=a persist; echo "exit $?"
jail -m persist; echo "exit $?"
`,
    out: "a: created\na: updated\nexit 0\ntwo\ntwo\na: updated\nexit 0\nexit 1\nexit 1\n",
    // One argument without "=": a jail of the configuration file, and
    // there is no /etc/jail.conf.
    err: 'jail: "a" not found\njail: /etc/jail.conf: No such file or directory\n',
  },
  {
    name: "-r: one jail quietly, several by name, -r '*' the configured ones (none here), -R '*' every running one",
    script: `jail -c name=a persist
jail -c name=b persist
jail -c name=c persist
jail -c name=d persist
jail -r a; echo "exit $?"
jail -r b c; echo "exit $?"
jail -r '*'; echo "exit $?"
jls name
jail -R '*'; echo "exit $?"
jls name
jail -r a; echo "exit $?"
jail -r; echo "exit $?"
jail -r a=b; echo "exit $?"
`,
    out: "a: created\nb: created\nc: created\nd: created\nexit 0\nb: removed\nc: removed\nexit 0\nexit 0\nd\nd: removed\nexit 0\nexit 1\nexit 1\nexit 1\n",
    err: `jail: "a" not found\n${USAGE}${USAGE}`,
  },
  {
    name: "-c: already there, unknown parameter, bad boolean, -i, -q, -v",
    script: `jail -c name=a persist
jail -c name=a persist; echo "exit $?"
jail -c name=x foo=bar; echo "exit $?"
jail -c name=x persist=maybe; echo "exit $?"
jail -i -c name=b persist; echo "exit $?"
jail -q -c name=c persist; echo "exit $?"
jail -v -c name=d persist vnet host.hostname="my host"; echo "exit $?"
jail -q -r a b c d; echo "exit $?"
jail; echo "exit $?"
`,
    out: 'a: created\nexit 1\nexit 1\nexit 1\n2\nexit 0\nexit 0\nd: jail_set(JAIL_CREATE) name=d persist=true vnet=new host.hostname="my host"\nd: created\nexit 0\nexit 0\nexit 1\n',
    err: `jail: "a" already exists\njail: x: unknown parameter: foo\njail: x: persist: unknown boolean value "maybe"\n${USAGE}`,
  },
  {
    name: "command=: runs in the jail, which goes when it ends without persist; a failing command undoes the start",
    script: `jail -c name=a vnet command=sysctl -n security.jail.vnet; echo "exit $?"
jls name
jail -c name=b exec.start="sysctl -n no.such.thing"; echo "exit $?"
jls name
jail / myhost "" sysctl -n kern.hostname; echo "exit $?"
`,
    out: "a: created\n1\nexit 0\nb: created\nb: removed\nexit 1\nmyhost\nexit 0\n",
    err: "sysctl: unknown oid 'no.such.thing'\njail: b: sysctl -n no.such.thing: failed\n",
  },
  {
    name: "-cm creates or modifies, -rc restarts",
    script: `jail -cm name=a persist host.hostname=x
jail -cm name=a host.hostname=y
jls -j a host.hostname
jail -rc name=a persist
jls -j a jid name
`,
    out: "a: created\na: updated\ny\na: created\n2 a\n",
    err: "",
  },
];

for (const c of cases) {
  test(`jail ${c.name}`, async (t) => {
    const r = await run_script(c.script);
    t.is(r.out, c.out);
    t.is(r.err, c.err);
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("jail -f: jail.conf blocks, wildcard and global parameters, variables; -e lists them; -c/-r by name and '*'", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-jail-"));
  try {
    const conf = path.join(dir, "jail.conf");
    fs.writeFileSync(
      conf,
      `# A comment, and globals for every jail.
persist;
$domain = "example.org";
host.hostname = "$name.\${domain}";
* {
  vnet;
}
/* A block comment. */
a {
  exec.start = "sysctl -n kern.hostname";
}
b { vnet = inherit; exec.poststart += "sysctl -n security.jail.jailed"; }
c { jid = 7; path = "/jails/$name"; }
`,
    );
    const r = await run_script(`jail -f ${conf} -e ' | '
jail -f ${conf} -c a; echo "exit $?"
jail -f ${conf} -c b; echo "exit $?"
jail -f ${conf} -c c; echo "exit $?"
jls -n jid name vnet host.hostname path
jail -f ${conf} -r '*'; echo "exit $?"
jls name
jail -f ${conf} -c nosuch; echo "exit $?"
jail -f ${dir}/missing -c a; echo "exit $?"
`);
    t.is(
      r.out,
      [
        "name=a | persist | host.hostname=a.example.org | vnet | exec.start=\"sysctl -n kern.hostname\"",
        "name=b | persist | host.hostname=b.example.org | vnet=inherit | exec.poststart=\"sysctl -n security.jail.jailed\"",
        "name=c | persist | host.hostname=c.example.org | vnet | path=/jails/c",
        "a: created",
        "a.example.org",
        "exit 0",
        "b: created",
        "0",
        "exit 0",
        "c: created",
        "exit 0",
        "jid=1 name=a vnet=new host.hostname=a.example.org path=/",
        "jid=2 name=b vnet=inherit host.hostname=b.example.org path=/",
        "jid=7 name=c vnet=new host.hostname=c.example.org path=/jails/c",
        "a: removed",
        "b: removed",
        "c: removed",
        "exit 0",
        "exit 1",
        "exit 1",
        "",
      ].join("\n"),
    );
    t.is(r.err, `jail: "nosuch" not found\njail: ${dir}/missing: No such file or directory\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("jail -J: the created jail's parameters to a file", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-jail-"));
  try {
    const r = await run_script(`jail -J ${dir}/jids -c name=w persist host.hostname=h
jail -r w
`);
    t.is(r.out, "w: created\n");
    t.is(fs.readFileSync(path.join(dir, "jids"), "utf8"), "jid=1\tname=w\tpersist\thost.hostname=h\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("jls: the default table, -N, -v's long format, -n, -q, -s, -h, parameter lists, -j", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jail -c name=b persist host.hostname="b host" >/dev/null
jls
jls -N
jls -v
jls -n
jls -q name host.hostname ip4.addr
jls -s
jls -h name vnet
jls -j b jid name
jls -j 1 name
jls -j zz; echo "exit $?"
jls nosuch; echo "exit $?"
jls -x; echo "exit $?"
`);
  t.is(
    r.out,
    [
      "   JID  IP Address      Hostname                      Path",
      "     1                  virtnet                       /",
      "     2                  b host                        /",
      " JID             IP Address      Hostname                      Path",
      " a                               virtnet                       /",
      " b                               b host                        /",
      "   JID  Hostname                      Path",
      "        Name                          State",
      "        CPUSetID",
      "        IP Address(es)",
      "     1  virtnet                       /",
      "        a                             ACTIVE",
      "        2",
      "     2  b host                        /",
      "        b                             ACTIVE",
      "        3",
      "nodying jid=1 name=a parent=0 path=/ persist vnet=new cpuset.id=2 host.hostname=virtnet host.hostuuid=00000000-0000-0000-0000-000000000000 ip4.addr=",
      "nodying jid=2 name=b parent=0 path=/ persist vnet=inherit cpuset.id=3 host.hostname=b host host.hostuuid=00000000-0000-0000-0000-000000000000 ip4.addr=",
      'a virtnet ""',
      'b "b host" ""',
      'jid=1 name=a path=/ persist vnet=new host.hostname=virtnet host.hostuuid=00000000-0000-0000-0000-000000000000 ip4.addr=""',
      'jid=2 name=b path=/ persist vnet=inherit host.hostname="b host" host.hostuuid=00000000-0000-0000-0000-000000000000 ip4.addr=""',
      "name vnet",
      "a new",
      "b inherit",
      "2 b",
      "a",
      "   JID  IP Address      Hostname                      Path",
      "exit 1",
      "exit 1",
      "exit 1",
      "",
    ].join("\n"),
  );
  t.is(r.err, 'jls: jail "zz" not found\njls: unknown parameter: nosuch\njls: illegal option -- x\njls: usage: jls [-dhNnqv] [-j jail] [param ...]\n');
});
