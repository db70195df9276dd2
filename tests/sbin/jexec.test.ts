// sbin/jexec.ts and sbin/setfib.ts: jexec(8) finds the jail with
// jail_getid(3) (jid or name), attaches with jail_attach(2) and runs the
// command or the shell, with -l/-u/-U's environment; setfib(1) runs a
// command with another FIB.  Messages and statuses as jexec.c's and
// setfib.c's.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const USAGE = "usage: jexec [-l] [-u username | -U username] jail [command ...]\n";

const cases: [string, string, string, string][] = [
  ["by name", "jexec a sysctl -n security.jail.jailed", "1\n", ""],
  ["by jid", "jexec 1 sysctl -n security.jail.vnet", "1\n", ""],
  ["-- before the jail", "jexec -- a sysctl -n security.jail.jailed", "1\n", ""],
  ["no such jail (name)", "jexec x sysctl -n kern.hostname", "exit 1\n", 'jexec: jail "x" not found\n'],
  ["no such jail (jid)", "jexec 9 sysctl -n kern.hostname", "exit 1\n", "jexec: jail 9 not found\n"],
  ["no jail", "jexec", "exit 1\n", USAGE],
  ["-u and -U together", "jexec -u root -U root a sysctl -n kern.hostname", "exit 1\n", USAGE],
  ["unknown option", "jexec -x a", "exit 1\n", "jexec: illegal option -- x\n" + USAGE],
  ["-u user unknown", "jexec -u nobody a sysctl -n kern.hostname", "exit 1\n", "jexec: nobody: no such user\n"],
  ["-U user unknown in the jail", "jexec -U nobody a sysctl -n kern.hostname", "exit 1\n", "jexec: nobody: no such user\n"],
  ["-l: a clean environment with the user's", "jexec -l a sh -c 'echo $PATH $HOME $USER $SHELL $FOO'", "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin:/root/bin /root root /bin/sh\n", ""],
  ["-U root keeps the environment", "jexec -U root a sh -c 'echo $HOME $FOO'", "/root bar\n", ""],
  ["no command: the shell, reading stdin", "echo 'sysctl -n security.jail.jailed' | jexec a", "1\n", ""],
  ["setfib -N, N and -F N run the command", "sysctl net.fibs=2 >/dev/null; setfib 1 sysctl -n net.fibs; setfib -1 sysctl -n net.fibs; setfib -F 0 sysctl -n net.fibs", "2\n2\n2\n", ""],
  ["setfib: a FIB that is not there", "setfib 5 sysctl -n net.fibs", "exit 1\n", "setfib: 5: invalid FIB (max 0)\n"],
  ["setfib: not a number", "setfib -F x sysctl -n net.fibs", "exit 1\n", "setfib: x: invalid FIB (max 0)\n"],
  ["setfib: usage", "setfib", "exit 1\n", "usage: setfib [-[F]]value command\n"],
  // execvp(3)'s errors in each program's words: jexec err(1, "execvp: %s"),
  // setfib err(errno == ENOENT ? 127 : 126, "%s"); the shell's own stay.
  ["no such program", "jexec a nosuchprog", "exit 1\n", "jexec: execvp: nosuchprog: No such file or directory\n"],
  ["no such program by path", "jexec a /nonexistent/prog -x", "exit 1\n", "jexec: execvp: /nonexistent/prog: No such file or directory\n"],
  ["a file that may not be run", "jexec a /etc/passwd", "exit 1\n", "jexec: execvp: /etc/passwd: Permission denied\n"],
  ["no command, no such shell", "SHELL=/nonexistent/nosuchshell jexec a", "exit 1\n", "jexec: execlp: /nonexistent/nosuchshell: No such file or directory\n"],
  ["setfib: no such program", "setfib 0 nosuchprog", "exit 127\n", "setfib: nosuchprog: No such file or directory\n"],
  ["setfib: a word that is no FIB is the command", "setfib abc ifconfig", "exit 127\n", "setfib: abc: No such file or directory\n"],
  ["setfib: a file that may not be run", "setfib 0 /etc/passwd", "exit 126\n", "setfib: /etc/passwd: Permission denied\n"],
  ["sh keeps its own words", "nosuchprog", "exit 127\n", "t.sh: nosuchprog: not found\n"],
  ["sh: a file that may not be run", "/etc/passwd", "exit 126\n", "t.sh: /etc/passwd: Permission denied\n"],
  ["jexec then sh", "jexec a sh -c nosuchprog", "exit 127\n", "sh: nosuchprog: not found\n"],
];

for (const [name, cmd, out, err] of cases) {
  test(`jexec/setfib: ${name}`, async (t) => {
    const r = await run_script(`jail -c name=a persist vnet >/dev/null
export FOO=bar
${cmd} || echo "exit $?"
`);
    t.is(r.out, out);
    t.is(r.err, err);
  });
}
