// Host tools a test needs (tshark, socat, tcpdump, ip, /bin/sh).  A test
// that needs one is decided when its file loads: with the tools present it
// is an ordinary test; without them it is registered skipped, the reason in
// its title; and when CI is set (.ci/run installs the tools) it is
// registered as a test that fails with the reason, so a missing tool never
// passes unnoticed.
//
//   import { needs } from "../helpers/tools.ts";
//   const tshark = needs("tshark");
//   tshark.test("tshark reads the pcap", async (t) => { ... });
//   tshark.serial("...", async (t) => { ... });
import test, { type ExecutionContext, type ImplementationFn } from "ava";
import fs from "node:fs";
import path from "node:path";

/** How a newcomer gets each tool on Debian or Ubuntu. */
const INSTALL: Record<string, string> = {
  tshark: "apt-get install tshark",
  socat: "apt-get install socat",
  tcpdump: "apt-get install tcpdump",
  ip: "apt-get install iproute2",
  "/bin/sh": "apt-get install dash",
  sh: "apt-get install dash",
  python3: "apt-get install python3",
  scapy: "apt-get install python3-scapy",
  dot: "apt-get install graphviz",
  arping: "apt-get install arping",
  hping3: "apt-get install hping3",
  traceroute: "apt-get install traceroute",
  nc: "apt-get install netcat-openbsd",
  unshare: "apt-get install util-linux",
};

type env = Record<string, string | undefined>;

/** The path of an executable named `name`: itself when it contains a
 *  slash, else the first match on PATH; null when there is none. */
export function find_tool(name: string, e: env = process.env): string | null {
  const exe = (p: string): boolean => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes("/")) return exe(name) ? name : null;
  for (const dir of (e.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const p = path.join(dir, name);
    if (exe(p)) return p;
  }
  return null;
}

/** Why the tools cannot be used (null: all present). */
export function tools_missing(tools: readonly string[], e: env = process.env): string | null {
  const gone = tools.filter((n) => find_tool(n, e) === null);
  if (gone.length === 0) return null;
  const hints = gone.map((n) => INSTALL[n]).filter((h): h is string => h !== undefined);
  return `${gone.join(", ")} not found${gone.some((n) => !n.includes("/")) ? " on PATH" : ""}${hints.length > 0 ? `; install with: ${hints.join("; ")}` : ""}`;
}

/** Whether the tests run under CI, as ava decides it (CI set to anything
 *  but "" or "false"). */
export function in_ci(e: env = process.env): boolean {
  return e.CI !== undefined && e.CI !== "" && e.CI !== "false";
}

/** What becomes of a test that needs the tools: run it, skip it (with the
 *  title it is shown under), or fail it (with the message). */
export type decision = { kind: "run" } | { kind: "skip"; title: (t: string) => string } | { kind: "fail"; message: string };

export function decide(missing: string | null, ci: boolean): decision {
  if (missing === null) return { kind: "run" };
  if (!ci) return { kind: "skip", title: (t) => `${t} (${missing})` };
  return { kind: "fail", message: `${missing}; CI is set, where a missing tool is a failure, not a skip` };
}

type impl = ImplementationFn<[], unknown>;

export interface tool_test {
  /** Why the tools are unusable, or null. */
  readonly missing: string | null;
  test(title: string, fn: impl): void;
  serial(title: string, fn: impl): void;
}

/** Register tests that need the given host tools (see the top of this file). */
export function needs(...tools: string[]): tool_test {
  const missing = tools_missing(tools);
  const d = decide(missing, in_ci());
  const reg = (serial: boolean) => (title: string, fn: impl) => {
    const r = serial ? test.serial : test;
    if (d.kind === "run") r(title, fn);
    else if (d.kind === "skip") r.skip(d.title(title), fn);
    else r(title, (t: ExecutionContext) => void t.fail(d.message));
  };
  return { missing, test: reg(false), serial: reg(true) };
}
