// One way for tests to run a host command asynchronously (the test process
// may be the kernel daemon too, so it must keep serving meanwhile) and get
// its stdout, stderr and exit status.
import { spawn, type SpawnOptions } from "node:child_process";

export interface run_result {
  out: string;
  err: string;
  status: number | null;
}

/** Run file with args; its stdin is an empty pipe, or /dev/null with
 *  stdin "ignore". */
export function run_captured(file: string, args: string[], opts: SpawnOptions = {}, stdin: "empty" | "ignore" = "empty"): Promise<run_result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...opts, stdio: [stdin === "empty" ? "pipe" : "ignore", "pipe", "pipe"] });
    child.stdin?.end();
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ out, err, status }));
  });
}
