// sbin/sh.ts: FreeBSD's sh for scripts: expansions, builtins, set -e/-u,
// traps, read loops.  Each row is a script with the stdout, stderr and exit
// status FreeBSD's /bin/sh gives it (as a script file named t.sh).
import test from "ava";
import fc from "fast-check";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadKernelUnbooted } from "../helpers/builds.ts";
import { run, type progs } from "./sh_helpers.ts";
import { run_script } from "./prog_helpers.ts";

interface row {
  name: string;
  src: string;
  out: string;
  err?: string;
  status?: number;
}

const ROWS: row[] = [
  // --- parameter expansion
  { name: "${x%p} and friends", src: 'x=epair0a\necho ${x%a}b ${x%%0*} ${x#ep} ${x##*i} ${x%?} ${x#"ep"}', out: "epair0b epair air0a r0a epair0 air0a\n" },
  { name: "quoted pattern parts are literal", src: "x='a*b'; v='*'\necho \"${x#a$v}\" \"${x#a\"$v\"}\" ${x%'*b'}", out: "*b b a\n" },
  { name: "longest and shortest with classes", src: "f=/usr/local/lib/libfoo.so.1\necho ${f##*/} ${f%/*} ${f%%.*} ${f#*o} ${f##*[!0-9]}", out: "libfoo.so.1 /usr/local/lib /usr/local/lib/libfoo cal/lib/libfoo.so.1 1\n" },
  { name: "- and :-", src: 'y=\necho "[${y-d}] [${y:-d}] [${z-d}] [${z:-d}]"', out: "[] [d] [d] [d]\n" },
  { name: "+ and :+", src: 'y=; x=1\necho "[${y+p}] [${y:+p}] [${z+p}] [${x:+p}]"', out: "[p] [] [] [p]\n" },
  { name: "= and := assign", src: 'y=\necho ${w=wv} $w "${y:=yv}" $y ${y=no}', out: "wv wv yv yv yv\n" },
  { name: "? with a message ends the script", src: 'echo a\necho ${x?custom message}\necho b', out: "a\n", err: "t.sh: x: custom message\n", status: 2 },
  { name: ":? without a message", src: "x=\n: ${x:?}", out: "", err: "t.sh: x: parameter null or not set\n", status: 2 },
  { name: "? unset without a message", src: ": ${x?}", out: "", err: "t.sh: x: parameter not set\n", status: 2 },
  { name: "${#x} and $#", src: "x=hello\nset -- a b c\necho ${#x} $# ${#} ${#@}", out: "5 3 3 3\n" },
  { name: "word of :- keeps its quoting", src: 'unset x\nfor w in ${x:-"a  b"} c; do echo "<$w>"; done\necho "${x:-"c  d"}"', out: "<a  b>\n<c>\nc  d\n" },
  { name: "$@ and $* in and out of quotes", src: 'set -- a "b c" d\nfor i in "$@"; do echo "<$i>"; done\nfor i in $*; do echo "($i)"; done\necho "$*"\nIFS=:\necho "$*"', out: "<a>\n<b c>\n<d>\n(a)\n(b)\n(c)\n(d)\na b c d\na:b c:d\n" },
  { name: '"$@" with no parameters is no field', src: 'set --\nfor i in "$@"; do echo x; done\nset -- ""\nfor i in "$@"; do echo "[$i]"; done', out: "[]\n" },
  { name: "special parameters", src: 'echo $$ $0 "$-" $?\nfalse; echo $?\nset -u; echo "$-"', out: "4242 t.sh  0\n1\nu\n" },
  { name: "field splitting on IFS", src: 's="a:b::c"; IFS=:\nset -- $s; echo $#\nIFS=" :"; s=" a : b "; set -- $s; echo $# "$1$2"\nIFS=; s="a b"; set -- $s; echo $#', out: "4\n2 ab\n1\n" },
  { name: "empty unquoted expansion makes no field", src: 'e=\nset -- $e "" $e; echo $#', out: "1\n" },
  { name: "tilde", src: "echo ~ ~/x '~' a~\nP=~/bin:~/sbin; echo $P", out: "/home/u /home/u/x ~ a~\n/home/u/bin:/home/u/sbin\n" },
  { name: "command substitution forms", src: "echo $(echo a) `echo b` \"$(echo \"c  d\")\"\necho $(case x in x) echo y;; esac)\necho `echo \\`echo nested\\``", out: "a b c  d\ny\nnested\n" },
  { name: "status of an assignment is its substitution's", src: "a=$(false); echo $?\na=$(true); echo $?", out: "1\n0\n" },
  // --- arithmetic
  { name: "arithmetic", src: "n=3\necho $((1+2*3)) $((7/2)) $((-7%3)) $((1<<4)) $((n>2?10:20)) $((n*=2)) $n $((!0)) $((~0)) $((0x10)) $((010)) $((2>1&&0||1)) $(( $(echo 4) * n ))", out: "7 3 -1 16 10 6 6 1 -1 16 8 1 24\n" },
  { name: "arithmetic errors", src: "echo $((1/0))\necho no", out: "", err: 't.sh: arithmetic expression: division by zero: "1/0"\n', status: 2 },
  // --- here-documents
  { name: "here-document expands", src: 'x=v\ncat <<EOF\nhello $x `echo bq` $((1+1))\n\\$x \\\\ "q"\nEOF', out: 'hello v bq 2\n$x \\ "q"\n', status: 0 },
  { name: "quoted delimiter turns expansion off", src: "x=v\ncat <<'EOF'\n$x `no`\nEOF\ncat <<\"E\"F\n$x\nEF", out: "$x `no`\n$x\n" },
  { name: "<<- strips leading tabs", src: "cat <<-EOF\n\tone\n\t\ttwo\n\tEOF\necho after", out: "one\ntwo\nafter\n" },
  { name: "two here-documents on one line", src: "cat <<A; cat <<B\nfirst\nA\nsecond\nB", out: "first\nsecond\n" },
  { name: "here-document inside $( )", src: "x=$(cat <<E\nin subst\nE\n)\necho \"[$x]\"", out: "[in subst]\n" },
  // --- read
  { name: "read splits on IFS into names", src: "read a b <<E\none two three\nE\necho \"$a|$b\"\nIFS=: read -r a b c <<E\nx:y:z:w\nE\necho \"$a $b $c\"", out: "one|two three\nx y z:w\n" },
  {
    name: "read with IFS=' :' as miscbltin.c's table",
    src: "IFS=' :'\nfor l in 'a b' ' a b ' ':b' ':' '::' ': :' ':::' ':b c:'; do printf '%s\\n' \"$l\" | { read x y; echo \"[$x][$y]\"; }; done",
    out: "[a][b]\n[a][b]\n[][b]\n[][]\n[][]\n[][]\n[][::]\n[][b c:]\n",
  },
  { name: "read -r and backslashes", src: "read -r r <<'E'\na\\tb\\\nE\necho \"$r\"\nread r <<'E'\na\\\nb\nE\necho \"$r\"", out: "a\\tb\\\nab\n" },
  { name: "while read over a here-document and a pipe", src: "while read l; do echo \"L:$l\"; done <<E\n1\n2\nE\nprintf 'a b\\nc d\\n' | while read x y; do echo \"$y$x\"; done", out: "L:1\nL:2\nba\ndc\n" },
  { name: "read at end of input", src: "read x </dev/null; echo $? \"[$x]\"\nprintf 'last' | { read x; echo $? $x; }", out: "1 []\n1 last\n" },
  // --- trap
  { name: "trap EXIT on exit", src: "trap 'echo bye $?' EXIT\necho hi\nexit 3", out: "hi\nbye 3\n", status: 3 },
  { name: "trap EXIT on error", src: "trap 'echo cleanup' EXIT\necho ${u?gone}", out: "cleanup\n", err: "t.sh: u: gone\n", status: 2 },
  { name: "trap a signal, list, reset, ignore", src: "trap 'echo caught' TERM\nkill -TERM $$\necho alive\ntrap '' INT\ntrap\ntrap - TERM\ntrap\nkill -INT $$; echo still", out: "caught\nalive\ntrap -- '' INT\ntrap -- 'echo caught' TERM\ntrap -- '' INT\nstill\n" },
  { name: "an untrapped TERM ends the shell", src: "trap 'echo exit trap' EXIT\nkill $$\necho never", out: "", status: 143 },
  { name: "trap: bad signal", src: "trap 'x' NOSUCH; echo $?", out: "1\n", err: "trap: bad signal NOSUCH\n" },
  // --- set -e / -u / -x
  {
    name: "set -e as POSIX",
    src: "set -e\ntrap 'echo trap $?' EXIT\nfalse || echo or\nif false; then :; fi\n! true\nfalse && echo no\nf() { false; echo \"f goes on\"; }\nf || echo x\nwhile false; do :; done\necho before\nfalse\necho never",
    out: "or\nf goes on\nbefore\ntrap 1\n",
    status: 1,
  },
  { name: "set -e in a pipeline and subshell", src: "set -e\n(false) || echo sub\ntrue | false\necho never", out: "sub\n", status: 1 },
  { name: "set -o pipefail", src: "false | true; echo $?\nset -o pipefail\nfalse | true; echo $?\n(exit 3) | false | true; echo $?\ntrue | true; echo $?", out: "0\n1\n1\n0\n" },
  { name: "set -o and +o list the options", src: "set -eu\nset -o\nset +o", out: "Current option settings\nerrexit         on\nnoglob          off\nnoexec          off\nxtrace          off\nverbose         off\nnoclobber       off\nallexport       off\nnounset         on\npipefail        off\nset -o errexit +o noglob +o noexec +o xtrace +o verbose +o noclobber\nset +o allexport -o nounset +o pipefail\n" },
  { name: "set -v and -n", src: "set -v\necho a # note\nset +v\nset -n\necho never", out: "a\n", err: "echo a # note\nset +v\n" },
  { name: "set: bad option", src: "set -k\necho never", out: "", err: "set: Illegal option -k\n", status: 2 },
  { name: "set +e", src: "set -e\nset +e\nfalse\necho on", out: "on\n" },
  { name: "set -u", src: 'set -u\necho "${u-dflt}"\necho $u\necho never', out: "dflt\n", err: "t.sh: u: parameter not set\n", status: 2 },
  { name: "set -x", src: 'set -x\necho "a b" c\nset +x', out: "a b c\n", err: "+ echo 'a b' c\n+ set +x\n" },
  { name: "set -- and shift", src: "set -- a b c\nshift\necho $# $1\nshift 2\necho $#\nshift 1", out: "2 b\n0\n", status: 1 },
  // --- functions, local, return, digits
  { name: "function names starting with a digit", src: "235704_head() { echo head \"$@\"; }\n235704_head x y", out: "head x y\n" },
  { name: "local and return", src: "v=g\nf() { local v=l; echo \"$v $1\"; return 3; }\nf a; echo \"$? $v\"", out: "l a\n3 g\n" },
  { name: "local outside a function", src: "local x\necho $?", out: "2\n", err: "local: not in a function\n" },
  { name: "assignments before a function are temporary", src: "f() { echo $v; }\nv=1 f; echo \"[$v]\"", out: "1\n[]\n" },
  // --- loops
  { name: "break N and continue N", src: "for i in 1 2 3; do for j in a b c; do [ $j = b ] && continue 2; [ $i = 3 ] && break 2; echo $i$j; done; done\nn=0; until [ $n -ge 3 ]; do n=$((n+1)); done; echo $n", out: "1a\n2a\n3\n" },
  { name: "case with patterns", src: "for f in a.c b.h c.txt '[x]'; do case $f in *.c|*.h) echo \"src $f\";; \\[*) echo bracket;; *) echo \"other $f\";; esac; done", out: "src a.c\nsrc b.h\nother c.txt\nbracket\n" },
  { name: "LINENO in the script and in a function", src: "echo $LINENO\n\nf() {\n  echo $LINENO\n}\nf; echo $LINENO", out: "1\n2\n6\n" },
  { name: "case ;& falls through", src: "case a in a) echo one ;& b) echo two ;; c) echo three ;; esac", out: "one\ntwo\n" },
  // --- builtins
  { name: "getopts", src: 'while getopts ab:c o -a -b arg -cx rest; do echo "$o ${OPTARG-}"; done\necho $OPTIND', out: "a \nb arg\nc \n? \n5\n", err: "Illegal option -x\n" },
  { name: "getopts: OPTIND inside a group of options, reset by OPTIND=1", src: 'getopts ab o -ab x; echo "$o $OPTIND"\ngetopts ab o -ab x; echo "$o $OPTIND"\ngetopts ab o -ab x; echo "$? $o $OPTIND"\nOPTIND=1\ngetopts ab o -b; echo "$o $OPTIND"\nf() { getopts a o -a; echo "f $o"; }\nf', out: "a 2\nb 2\n1 ? 2\nb 2\nf a\n" },
  { name: "getopts silent", src: 'getopts :a: o -a; echo "$o $OPTARG"\nOPTIND=1; getopts :a o -z; echo "$o $OPTARG"', out: ": a\n? z\n" },
  { name: "printf", src: "printf '%s-%d\\n' a 1 b 2\nprintf '%5s|%-5s|%05d|%x|%X|%o|%c|%b|%%\\n' ab cd 42 255 255 8 xyz 'a\\tb'\nprintf '%.2f %e %g\\n' 3.14159 1500 0.0001\nprintf '%d\\n' \"'A\" abc", out: "a-1\nb-2\n   ab|cd   |00042|ff|FF|10|x|a\tb|%\n3.14 1.500000e+03 0.0001\n65\n0\n", err: "printf: abc: expected numeric value\n", status: 1 },
  { name: "echo: -n, escapes only with -e, as bltin/echo.c", src: "echo -n a; echo 'b\\tc'; echo -e 'x\\ty\\0101\\q'; echo -e 'stop\\c' never; echo; echo -n -e x; echo -- -n", out: "ab\\tc\nx\tyA\\q\nstop\n-e x-- -n\n" },
  { name: "test and [", src: "[ 3 -lt 5 -a x = x ] && echo and\n[ ! -z a ] && echo notz\ntest \\( 1 -eq 2 -o -n x \\) && echo paren\n[ -d / ] && [ ! -f / ] && [ -e /etc/passwd ] && echo files\n[ a = b ]; echo $?\n[ 1 -eq x ]; echo $?\n[ 1 = 1", out: "and\nnotz\nparen\nfiles\n1\n2\n", err: "[: x: bad number\n[: missing ]\n", status: 2 },
  { name: "eval", src: "x='echo evaled; y=5'\neval \"$x\"\necho $y", out: "evaled\n5\n" },
  { name: "export, readonly, unset", src: "export A=1\nexport -p | grep -c . >/dev/null\nreadonly R=2\nR=3\necho never", out: "", err: "t.sh: R: is read only\n", status: 2 },
  { name: "unset -f and -v", src: "g() { echo g; }\nv=1\nunset -f g; unset -v v\ng; echo \"[$v]\"", out: "[]\n", err: "t.sh: g: not found\n" },
  { name: "command -v, command NAME, type", src: "echo() { builtin_not; }\ncommand echo direct\ncommand -v echo; command -v cd\ntype : cd if\ntype nosuch; printf '%s\\n' $?\ncommand -v a b", out: "direct\necho\ncd\n: is a special shell builtin\ncd is a shell builtin\nif is a shell keyword\n127\n", err: "nosuch: not found\ncommand: wrong number of arguments\n", status: 2 },
  { name: "errors inside eval name eval", src: "eval 'nosuch_cmd'\necho $?\neval 'echo ${u?unset here}'\necho never", out: "127\n", err: "eval: nosuch_cmd: not found\neval: u: unset here\n", status: 2 },
  { name: "wait for jobs by pid and %N", src: "(exit 7) & p=$!\nwait $p; echo \"$p $?\"\n(exit 3) &\nwait %2; echo $?\nwait 9999; echo $?", out: "4243 7\n3\n127\n" },
  {
    name: "kill -l, a bad signal, a bad pid",
    src: "kill -l 143\nkill -s BOGUS 1; echo $?\nkill x; echo $?",
    out: "TERM\n2\n2\n",
    err: "kill: unknown signal BOGUS; valid signals:\nHUP INT QUIT ILL TRAP ABRT EMT FPE KILL BUS SEGV SYS PIPE ALRM TERM URG\nSTOP TSTP CONT CHLD TTIN TTOU IO XCPU XFSZ VTALRM PROF WINCH INFO USR1 USR2\nkill: illegal process id: x\n",
  },
  { name: "cd errors, cd -, CDPATH", src: "cd /nonexistent; echo $?\ncd /etc/passwd\ncd a b\ncd /tmp; cd /; cd -; pwd\nCDPATH=/usr; cd lib; pwd; echo $OLDPWD", out: "2\n/tmp\n/usr/lib\n/tmp\n", err: "cd: /nonexistent: No such file or directory\ncd: /etc/passwd: Not a directory\ncd: too many arguments\n" },
  { name: "exec redirections stay", src: "exec 3>&1\necho to3 >&3\nexec 2>&1\necho err >&2", out: "to3\nerr\n" },
  { name: "subshell keeps its variables", src: "x=1; (x=2; echo in $x); echo out $x\n{ x=3; }; echo $x", out: "in 2\nout 1\n3\n" },
  { name: "pipeline stages are subshells", src: "x=1; echo 2 | read x; echo $x", out: "1\n" },
  { name: "break and continue outside loops do nothing", src: "break; continue; echo ok", out: "ok\n" },
  { name: "exit with no argument keeps $?", src: "false\nexit", out: "", status: 1 },
  { name: "true false :", src: "true; echo $?; false; echo $?; :; echo $?", out: "0\n1\n0\n" },
  // --- errors
  { name: "not found is 127", src: "nosuch arg\necho after $?", out: "after 127\n", err: "t.sh: nosuch: not found\n" },
  { name: "redirection from a missing file", src: "cat </nonexistent/x; echo $?", out: "2\n", err: "t.sh: cannot open /nonexistent/x: No such file or directory\n" },
];

test("sh: expansions, builtins, traps, set -e/-u as FreeBSD's sh", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const progs: progs = { cat: (_a, stdin) => [stdin, 0], grep: (a, stdin) => [String(stdin.split("\n").filter((l) => l !== "" && l.includes(a[a.length - 1])).length) + "\n", 0] };
  for (const r of ROWS) {
    const got = await run(k, r.src, progs);
    t.is(got.out, r.out, `${r.name}: stdout`);
    t.is(got.err, r.err ?? "", `${r.name}: stderr`);
    t.is(got.status, r.status ?? 0, `${r.name}: status`);
  }
});

test("sh: pathname expansion, cd, pwd and . against the host file system", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-sh-"));
  try {
    for (const f of ["a.txt", "b.txt", ".hidden", "c.log"]) fs.writeFileSync(path.join(dir, f), "");
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "sub", "lib.sh"), 'echo "sourced $1"; lv=1; return 5; echo never\n');
    const r = await run(
      k,
      `echo *.txt\necho .*\necho '*.txt' "*".txt nomatch*\necho s*/l?b.sh [ab].txt [!a].txt\nset -f; echo *.txt; set +f\ncd sub && pwd\n. ./lib.sh; echo "dot $? $lv"\ncd ..; PATH=$PWD/sub; . lib.sh; echo $?\n. nosuch.sh`,
      {},
      dir,
    );
    t.is(r.out, `a.txt b.txt\n. .. .hidden\n*.txt *.txt nomatch*\nsub/lib.sh a.txt b.txt b.txt\n*.txt\n${dir}/sub\nsourced \ndot 5 1\nsourced \n5\n`);
    t.is(r.err, ".: nosuch.sh: not found\n");
    t.is(r.status, 2);
    const w = await run(k, "echo x > out.txt\necho y >> out.txt\nwhile read l; do echo \"got $l\"; done < out.txt\nset -C; echo z > out.txt", {}, dir);
    t.is(w.out, "got x\ngot y\n");
    t.is(w.err, "t.sh: cannot create out.txt: File exists\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sh: programs get argv, stdin, and status; pipelines and background jobs", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const progs: progs = {
    upper: (_a, stdin) => [stdin.toUpperCase(), 0],
    name: () => ["epair0a\n", 0],
    prog: (argv) => [`${argv.slice(1).join(",")}\n`, Number(argv[1] ?? 0)],
  };
  const r = await run(k, `e=$(name); echo "[$e]" \`echo sub\`\necho piped | upper\nname & wait\necho "bg $!"\nprog 3 || echo "failed $?"\n! prog 0 || echo negated`, progs);
  t.is(r.out, "[epair0a] sub\nPIPED\nepair0a\nbg 4243\n3\nfailed 3\n0\nnegated\n");
});

test("sh: kill and wait for background jobs of simulated programs", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a ping -q 127.0.0.1 &
sleep 2
kill -INT %1
wait %1; echo "ping $?"
{ sleep 100; echo never; } &
sleep 1; kill %2; wait %2; echo "group $?"
sleep 50 & kill $!; wait $!; echo "sleep $?"
kill 99999; echo "nosuch $?"
jail -r a >/dev/null
`);
  t.is(
    r.out,
    "PING 127.0.0.1 (127.0.0.1): 56 data bytes\n\n--- 127.0.0.1 ping statistics ---\n2 packets transmitted, 2 packets received, 0.0% packet loss\nround-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms\nping 0\ngroup 143\nsleep 143\nnosuch 1\n",
  );
  t.is(r.err, "kill: 99999: No such process\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// Bytes and the shell's strings: any byte sequence survives the trip into a
// string and back (invalid UTF-8 as U+DC00+byte), in one piece or cut
// anywhere by the streaming decoder; valid UTF-8 reads as TextDecoder reads it.
test("sh_from_bytes / sh_to_bytes: every byte sequence comes back unchanged, however it is cut", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  /** b into a string and back, whole and streamed in pieces cut at `cuts`. */
  const survives = (b: Uint8Array, cuts: number[]): boolean => {
      const s = k.sh_from_bytes(b);
      if (Buffer.compare(Buffer.from(k.sh_to_bytes(s)), Buffer.from(b)) !== 0) return false;
      const d = new k.sh_byte_decoder();
      let at = 0;
      let streamed = "";
      for (const c of [...cuts].sort((x, y) => x - y)) {
        const end = Math.min(c, b.length);
        if (end < at) continue;
        streamed += d.decode(b.subarray(at, end), true);
        at = end;
      }
      streamed += d.decode(b.subarray(at), true) + d.end();
      return streamed === s;
  };
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(64), { maxLength: 4 }), (b, cuts) => survives(b, cuts)),
    { seed: 14, numRuns: 2000 },
  );
  // Mostly ASCII (the decoder's and encoder's fast path), with a multi-byte
  // character or a stray byte here and there, cut anywhere.
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff)), { maxLength: 48 }), fc.array(fc.nat(48), { maxLength: 4 }), (bytes, cuts) => {
      return survives(Uint8Array.from(bytes), cuts);
    }),
    { seed: 15, numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 32 }), (text) => {
      const b = new TextEncoder().encode(text);
      return k.sh_from_bytes(b) === text && Buffer.compare(Buffer.from(k.sh_to_bytes(text)), Buffer.from(b)) === 0;
    }),
    { seed: 14, numRuns: 500 },
  );
  // Bytes that are no UTF-8: a lone continuation, a surrogate's encoding, an overlong NUL, 0xff.
  t.is(k.sh_from_bytes(Uint8Array.from([0x80, 0xed, 0xa0, 0x80, 0xc0, 0x80, 0xff, 0x41])), "\udc80\udced\udca0\udc80\udcc0\udc80\udcff" + "A");
});
