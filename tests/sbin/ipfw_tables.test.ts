// sbin/ipfw_tables.ts: `ipfw table ...` (sbin/ipfw/tables.c): the command
// words and options, with tables.c's messages and exit codes for bad ones.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

test("ipfw table: bad names, commands and options give tables.c's messages", async (t) => {
  const r = await run_script(`ipfw -n table 2>&1; echo "status \$?"
ipfw -n table t 2>&1; echo "status \$?"
ipfw -n table 'b\$d' create 2>&1; echo "status \$?"
ipfw -n table all add 1.2.3.4 2>&1; echo "status \$?"
ipfw -n table t frob 2>&1; echo "status \$?"
ipfw -n table t create type foo 2>&1; echo "status \$?"
ipfw -n table t create valtype foo 2>&1; echo "status \$?"
ipfw -n table t create type flow:src-ip,bogus 2>&1; echo "status \$?"
ipfw -n table t create type addr:x 2>&1; echo "status \$?"
ipfw -n table t create frob 2>&1; echo "status \$?"
ipfw -n table t atomic delete 1.2.3.4 2>&1; echo "status \$?"
ipfw -n table t swap 'b\$d' 2>&1; echo "status \$?"
ipfw -n table t modify type addr 2>&1; echo "status \$?"
ipfw -n table t add 2>&1; echo "status \$?"
ipfw -n table t lookup 2>&1; echo "status \$?"
ipfw -n table t create type addr valtype skipto,fib algo addr:hash limit 10 locked; echo "status \$?"
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "ipfw: table needs name\n" +
    "status 64\n" +
    "ipfw: table needs command\n" +
    "status 64\n" +
    "ipfw: table name b$d is invalid\n" +
    "status 64\n" +
    "ipfw: table name required\n" +
    "status 64\n" +
    "ipfw: ambiguous table command frob\n" +
    "status 64\n" +
    "ipfw: Unknown tabletype: foo. Supported: addr, iface, number, flow\n" +
    "status 64\n" +
    "ipfw: Unknown value type: foo. Supported: skipto, pipe, fib, nat, dscp, tag, divert, netgraph, limit, ipv4, ipv6\n" +
    "status 64\n" +
    "ipfw: unable to parse flow option bogus\n" +
    "status 64\n" +
    "ipfw: Unsupported suboptions: x\n" +
    "status 64\n" +
    "ipfw: ambiguous option frob\n" +
    "status 64\n" +
    "ipfw: atomic is not compatible with delete\n" +
    "status 64\n" +
    "ipfw: table name b$d is invalid\n" +
    "status 64\n" +
    "ipfw: cmd is not supported for modificatiob\n" +
    "status 64\n" +
    "ipfw: address required\n" +
    "status 64\n" +
    "ipfw: address required\n" +
    "status 64\n" +
    "status 0\n",
  );
});

test("ipfw table in a vnet jail: create, add, list, info, lookup, delete, a rule that uses it, destroy", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
kldload ipfw
jexec a ipfw table t1 create type addr
jexec a ipfw table t1 add 10.0.0.0/24 5
jexec a ipfw table t1 add 10.9.0.1
jexec a ipfw table t1 add 10.9.0.1 2>&1; echo "status $?"
jexec a ipfw table t1 list
jexec a ipfw table t1 info
jexec a ipfw table t1 lookup 10.0.0.7
jexec a ipfw table t1 lookup 10.1.0.7 2>&1; echo "status $?"
jexec a ipfw table t1 delete 10.9.0.1
jexec a ipfw table all list
jexec a ipfw add 400 deny ip from 'table(t1)' to any
jexec a ipfw list 400
jexec a ipfw table t2 add 1.2.3.4 2>&1
jexec a ipfw table all info
jexec a ipfw table t1 destroy 2>&1; echo "status $?"
jexec a ipfw delete 400
jexec a ipfw table t1 destroy; echo "status $?"
jexec a ipfw table t1 list 2>&1; echo "status $?"
jexec a ipfw table ports create type number valtype skipto,fib
jexec a ipfw table ports add 22 1000,1
jexec a ipfw table ports add 80 2000 2>&1; echo "status $?"
jexec a ipfw table ports list
jexec a ipfw -q table all flush
jexec a ipfw table all list
jail -r a
`);
  t.is(r.err, "");
  t.is(
    r.out,
    `added: 10.0.0.0/24 5
added: 10.9.0.1/32 0
exists: 10.9.0.1/32 0
ipfw: Adding record failed: record already exists
status 71
10.0.0.0/24 5
10.9.0.1/32 0
--- table(t1), set(0) ---
 kindex: 1, type: addr
 references: 0, valtype: legacy
 algorithm: addr:radix
 items: 2, size: 560
10.0.0.0/24 5
ipfw: Entry 10.1.0.7 not found
status 69
deleted: 10.9.0.1/32 0
--- table(t1), set(0) ---
10.0.0.0/24 5
00400 deny ip from table(t1) to any
00400 deny ip from table(t1) to any
ipfw: DEPRECATED: inserting data into non-existent table t2. (auto-created)
added: 1.2.3.4/32 0
--- table(t1), set(0) ---
 kindex: 1, type: addr
 references: 1, valtype: legacy
 algorithm: addr:radix
 items: 1, size: 432
--- table(t2), set(0) ---
 kindex: 2, type: addr
 references: 0, valtype: legacy
 algorithm: addr:radix
 items: 1, size: 432
ipfw: failed to destroy table t1: Device busy
status 71
status 0
ipfw: failed to request table info: No such process
status 71
added: 22 1000,1
ipfw: Not enough fields inside value
status 64
22 1000,1
--- table(t2), set(0) ---
--- table(ports), set(0) ---
`,
  );
});
