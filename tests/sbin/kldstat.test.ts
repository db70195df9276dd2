// sbin/kldstat.ts, sbin/kldload.ts, sbin/kldunload.ts: FreeBSD 14's
// kldstat(8), kldload(8) and kldunload(8) over the simulated kernel's linker
// files and modules: output formats, messages and exit statuses.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

test("kldstat: the file table, -v with its modules, -h, -i, -n", async (t) => {
  const r = await run_script(`kldstat
kldstat -v
kldstat -h
kldstat -i 1
kldstat -q -n kernel; echo q=$?
kldstat -n kernel
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "Id Refs Address                Size Name\n" +
      " 1    1 0xffffffff80200000        0 kernel\n" +
      "Id Refs Address                Size Name\n" +
      " 1    1 0xffffffff80200000        0 kernel (/boot/kernel/kernel)\n" +
      "\tContains modules:\n" +
      "\t\t Id Name\n" +
      "\t\t  1 ether\n" +
      "\t\t  2 netgraph\n" +
      "\t\t  3 ng_hub\n" +
      "\t\t  4 ng_eiface\n" +
      "\t\t  5 ng_ksocket\n" +
      "\t\t  6 ng_bridge\n" +
      "\t\t  7 ng_pipe\n" +
      "\t\t  8 if_epair\n" +
      "\t\t  9 bridgestp\n" +
      "\t\t 10 if_vlan\n" +
      "\t\t 11 if_tuntap\n" +
      "\t\t 12 if_tun\n" +
      "\t\t 13 if_tap\n" +
      "\t\t 14 if_gif\n" +
      "\t\t 15 if_bridge\n" +
      "\t\t 16 ng_socket\n" +
      "\t\t 17 if_lo\n" +
      "Id Refs Address             Size Name\n" +
      " 1    1 0xffffffff80200000     0 kernel\n" +
      "Id Refs Address                Size Name\n" +
      " 1    1 0xffffffff80200000        0 kernel\n" +
      "q=0\n" +
      "Id Refs Address                Size Name\n" +
      " 1    1 0xffffffff80200000        0 kernel\n",
  );
  t.is(r.status, 0);
});

test("kldstat -m: a module by name, -d its data, -q only the status; what is missing", async (t) => {
  const r = await run_script(`kldstat -m if_epair
kldstat -d -m ether
kldstat -dv -i 1
kldstat -q -m if_epair; echo a=$?
kldstat -q -m if_lagg; echo b=$?
kldstat -m if_lagg; echo c=$?
kldstat -n if_epair; echo d=$?
kldstat -q -n if_lagg; echo e=$?
kldstat -i 7; echo f=$?
kldstat -i x; echo g=$?
kldstat extra; echo h=$?
`);
  t.is(
    r.out,
    "Id  Refs Name\n  8    1 if_epair\n" +
      "Id  Refs Name data..(int, uint, ulong)\n  1    1 ether (0, 0, 0x0)\n" +
      "Id Refs Address                Size Name\n" +
      " 1    1 0xffffffff80200000        0 kernel (/boot/kernel/kernel)\n" +
      "\tContains modules:\n\t\t Id Name\n" +
      "\t\t  1 ether (0, 0, 0x0)\n\t\t  2 netgraph (0, 0, 0x0)\n\t\t  3 ng_hub (0, 0, 0x0)\n" +
      "\t\t  4 ng_eiface (0, 0, 0x0)\n\t\t  5 ng_ksocket (0, 0, 0x0)\n\t\t  6 ng_bridge (0, 0, 0x0)\n\t\t  7 ng_pipe (0, 0, 0x0)\n\t\t  8 if_epair (0, 0, 0x0)\n\t\t  9 bridgestp (0, 0, 0x0)\n" +
      "\t\t 10 if_vlan (0, 0, 0x0)\n\t\t 11 if_tuntap (0, 0, 0x0)\n\t\t 12 if_tun (0, 0, 0x0)\n\t\t 13 if_tap (0, 0, 0x0)\n" +
      "\t\t 14 if_gif (0, 0, 0x0)\n\t\t 15 if_bridge (0, 0, 0x0)\n\t\t 16 ng_socket (0, 0, 0x0)\n\t\t 17 if_lo (0, 0, 0x0)\n" +
      "a=0\nb=1\nc=1\nd=1\ne=1\n" +
      // -i of a file that is not there: the header, then err(3).
      "Id Refs Address                Size Name\nf=1\ng=1\nh=1\n",
  );
  const usage = "usage: kldstat [-dhqv] [-i id] [-n filename]\n       kldstat [-dq] [-m modname]\n";
  t.is(
    r.err,
    "kldstat: can't find module if_lagg: No such file or directory\n" +
      "kldstat: can't find file if_epair: No such file or directory\n" +
      "kldstat: can't stat file id 7: No such file or directory\n" +
      usage +
      usage,
  );
});

test("kldload: built in is EEXIST (quiet with -n), missing is ENOENT, -v; exit 1 on any error", async (t) => {
  const r = await run_script(`kldload if_epair; echo a=$?
kldload -n if_epair; echo b=$?
kldload -nv if_epair ether; echo c=$?
kldload if_lagg; echo d=$?
kldload -n if_lagg.ko; echo e=$?
kldload kernel if_epair; echo f=$?
kldload; echo g=$?
kldload -x foo; echo h=$?
`);
  t.is(r.out, "a=1\nb=0\nif_epair is already loaded\nether is already loaded\nc=0\nd=1\ne=1\nf=1\ng=1\nh=1\n");
  t.is(
    r.err,
    "kldload: can't load if_epair: module already loaded or in kernel\n" +
      "kldload: can't load if_lagg: No such file or directory\n" +
      "kldload: can't load if_lagg.ko: No such file or directory\n" +
      "kldload: can't load kernel: module already loaded or in kernel\n" +
      "kldload: can't load if_epair: module already loaded or in kernel\n" +
      "usage: kldload [-nqv] file ...\n" +
      "kldload: illegal option -- x\n" +
      "usage: kldload [-nqv] file ...\n",
  );
});

test("kldunload: the kernel is busy (and says so in dmesg), unknown names and ids, usage", async (t) => {
  const r = await run_script(`kldunload kernel; echo a=$?
kldunload -v -i 1; echo b=$?
kldunload -f -n kernel; echo c=$?
kldunload if_epair; echo d=$?
kldunload -i 9; echo e=$?
kldunload -i -- -3; echo f=$?
kldunload; echo g=$?
dmesg
`);
  t.is(r.out, "a=1\nUnloading kernel, id=1\nb=1\nc=1\nd=1\ne=1\nf=1\ng=64\n" + "kldunload: attempt to unload file that was loaded by the kernel\n".repeat(3));
  t.is(
    r.err,
    "kldunload: can't unload file: Device busy\n".repeat(3) +
      "kldunload: can't find file if_epair\n" +
      "kldunload: can't unload file: No such file or directory\n" +
      "kldunload: Invalid ID (null)\n" +
      "usage: kldunload [-fv] -i id ...\n       kldunload [-fv] [-n] name ...\n",
  );
});

test("a jail sees the modules but may not load or unload (EPERM)", async (t) => {
  const r = await run_script(`jail -c name=j persist vnet >/dev/null
jexec j kldstat -q -m if_epair; echo a=$?
jexec j kldload if_epair; echo b=$?
jexec j kldload -n if_lagg; echo c=$?
jexec j kldunload kernel; echo d=$?
jexec j kldstat -m if_lo
jail -r j >/dev/null
`);
  t.is(r.out, "a=0\nb=1\nc=1\nd=1\nId  Refs Name\n 17    1 if_lo\n");
  t.is(
    r.err,
    "kldload: can't load if_epair: Operation not permitted\n" +
      "kldload: can't load if_lagg: Operation not permitted\n" +
      "kldunload: can't unload file: Operation not permitted\n",
  );
});
