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
