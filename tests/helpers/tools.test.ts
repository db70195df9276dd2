// tests/helpers/tools.ts: how a test that needs a host tool is decided:
// run when the tool is there, skipped with the reason when it is not, and
// failed instead under CI.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decide, find_tool, in_ci, tools_missing } from "./tools.ts";

test("find_tool: PATH lookup, executables only; absolute paths as given", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-tools-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const exe = path.join(dir, "mytool");
  fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "plain"), "", { mode: 0o644 });
  fs.mkdirSync(path.join(dir, "adir"));
  const env = { PATH: `/nonexistent${path.delimiter}${dir}` };
  t.is(find_tool("mytool", env), exe);
  t.is(find_tool("plain", env), null, "not executable");
  t.is(find_tool("adir", env), null, "a directory");
  t.is(find_tool("mytool", { PATH: "" }), null);
  t.is(find_tool("mytool", {}), null);
  t.is(find_tool(exe, { PATH: "" }), exe);
  t.is(find_tool(path.join(dir, "nothing"), env), null);
});

test("tools_missing names every absent tool with how to install it", (t) => {
  const env = { PATH: "/nonexistent" };
  t.is(tools_missing([], env), null);
  t.is(tools_missing(["tshark", "socat"], env), "tshark, socat not found on PATH; install with: apt-get install tshark; apt-get install socat");
  t.is(tools_missing(["no-such-tool-here"], env), "no-such-tool-here not found on PATH");
  t.is(tools_missing(["/nonexistent/sh"], env), "/nonexistent/sh not found");
});

test("in_ci: CI set to anything but empty or false", (t) => {
  t.false(in_ci({}));
  t.false(in_ci({ CI: "" }));
  t.false(in_ci({ CI: "false" }));
  t.true(in_ci({ CI: "true" }));
  t.true(in_ci({ CI: "1" }));
});

test("decide: run, skip with the reason in the title, or fail under CI", (t) => {
  t.deepEqual(decide(null, false), { kind: "run" });
  t.deepEqual(decide(null, true), { kind: "run" });
  const s = decide("tshark not found on PATH", false);
  t.is(s.kind, "skip");
  if (s.kind === "skip") t.is(s.title("reads pcaps"), "reads pcaps (tshark not found on PATH)");
  const f = decide("tshark not found on PATH", true);
  t.is(f.kind, "fail");
  if (f.kind === "fail") t.regex(f.message, /^tshark not found on PATH; CI is set/);
});
