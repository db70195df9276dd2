// usr.sbin/jail/jail.c, usr.sbin/jls/jls.c: jail(8) and jls(8) over the
// jail_set/jail_remove system calls.  `vnet.interface=IF` is run the way
// jail(8) runs it, as `ifconfig IF vnet JID` after the jail is created.

import { JAIL_CREATE, JAIL_UPDATE, allprison, kern_jail_set, prison_find_name, sys_jail_remove, prison0, PR_PERSIST, PR_VNET } from "../kern/kern_jail.ts";
import { strerror } from "../kern/errno.ts";
import { prog_exit, prog_run, type prog_ctx } from "./libc.ts";

/** How jail(8) runs other programs (ifconfig for vnet.interface). */
export type exec_fn = (ctx: prog_ctx, argv: string[]) => Promise<number>;

function jail_usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n" +
      "            -[cmr] param=value ... [command=command ...]\n" +
      "       jail [-dqv] [-f file] -[cmr] [jail]\n" +
      "       jail [-qv] [-f file] -[rR] ['*' | jail ...]\n" +
      "       jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n" +
      "            [-n jailname] [-s securelevel]\n" +
      "            path hostname ip[,...] command ...\n",
  );
  throw new prog_exit(1);
}

export function make_jail_main(exec: exec_fn) {
  return async function jail_main(ctx: prog_ctx): Promise<number> {
    return prog_run(ctx, async () => {
      let op: "c" | "m" | "r" | "cm" | null = null;
      let quiet = false;
      let iflag = false;
      let i = 1;
      for (; i < ctx.argv.length && ctx.argv[i].startsWith("-"); i++) {
        for (const c of ctx.argv[i].slice(1)) {
          if (c === "c") op = op === "m" ? "cm" : "c";
          else if (c === "m") op = op === "c" ? "cm" : "m";
          else if (c === "r") op = "r";
          else if (c === "q") quiet = true;
          else if (c === "i") iflag = true;
          else if ("dhlv".includes(c)) continue;
          else {
            ctx.stderr.write(`jail: illegal option -- ${c}\n`);
            jail_usage(ctx);
          }
        }
      }
      const args = ctx.argv.slice(i);
      if (op === null) jail_usage(ctx);
      if (op === "r") {
        if (args.length === 0) jail_usage(ctx);
        let status = 0;
        for (const name of args) {
          const pr = prison_find_name(name);
          if (pr === null) {
            ctx.stderr.write(`jail: "${name}" not found\n`);
            status = 1;
            continue;
          }
          // jail(8) gives borrowed interfaces back (ifconfig IF -vnet) when it
          // knows them from its config; the kernel sends the rest home anyway.
          const e = sys_jail_remove(ctx.p.p_ucred, pr.pr_id);
          if (e !== 0) {
            ctx.stderr.write(`jail: ${name}: ${strerror(e)}\n`);
            status = 1;
            continue;
          }
          if (!quiet) ctx.stdout.write(`${name}: removed\n`);
        }
        return status;
      }
      // -c / -m: name=value parameters.
      const params: Record<string, string | boolean> = {};
      const ifaces: string[] = [];
      const commands: string[] = [];
      for (let k = 0; k < args.length; k++) {
        const a = args[k];
        const eq = a.indexOf("=");
        const key = eq >= 0 ? a.slice(0, eq) : a;
        const val = eq >= 0 ? a.slice(eq + 1) : true;
        if (key === "vnet.interface") {
          if (typeof val === "string") ifaces.push(val);
          continue;
        }
        if (key === "command" || key === "exec.start") {
          commands.push([val, ...args.slice(k + 1)].join(" "));
          break;
        }
        if (key.startsWith("no") && eq < 0 && key !== "nopersist") {
          params[key.slice(2)] = false;
          continue;
        }
        params[key] = val;
      }
      if ((params.vnet === true || params.vnet === "new") && (params["ip4.addr"] !== undefined || params["ip6.addr"] !== undefined)) {
        ctx.stderr.write(`jail: vnet jails cannot have IP address restrictions\n`);
        return 1;
      }
      const flags = op === "c" ? JAIL_CREATE : op === "m" ? JAIL_UPDATE : JAIL_CREATE | JAIL_UPDATE;
      const r = kern_jail_set(ctx.p.p_ucred, params, flags);
      if (r.error !== 0) {
        ctx.stderr.write(`jail: ${r.errmsg !== "" ? r.errmsg : strerror(r.error)}\n`);
        return 1;
      }
      const name = typeof params.name === "string" ? params.name : String(r.jid);
      if (iflag) ctx.stdout.write(`${r.jid}\n`);
      if (!quiet && op !== "m") ctx.stdout.write(`${name}: created\n`);
      for (const ifname of ifaces) {
        const s = await exec(ctx, ["ifconfig", ifname, "vnet", String(r.jid)]);
        if (s !== 0) return 1;
      }
      for (const cmd of commands) {
        const s = await exec(ctx, ["jexec", String(r.jid), "/bin/sh", "-c", cmd]);
        if (s !== 0) return s;
      }
      return 0;
    });
  };
}

/** jls(8): the table of running jails, or -N/-n/-v forms. */
export async function jls_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    let nflag = false;
    let Nflag = false;
    let sflag = false;
    let i = 1;
    for (; i < ctx.argv.length && ctx.argv[i].startsWith("-"); i++) {
      for (const c of ctx.argv[i].slice(1)) {
        if (c === "n") nflag = true;
        else if (c === "N") Nflag = true;
        else if (c === "s") sflag = true;
        else if ("dhqv".includes(c)) continue;
        else {
          ctx.stderr.write(`jls: illegal option -- ${c}\n`);
          ctx.stderr.write("usage: jls [-dhNnqv] [-j jail] [param ...]\n");
          throw new prog_exit(1);
        }
      }
    }
    const wanted = ctx.argv.slice(i);
    const me = ctx.p.p_ucred.cr_prison;
    const visible = allprison.filter((pr) => {
      for (let p = pr.pr_parent; p !== null; p = p.pr_parent) if (p === me) return true;
      return false;
    });
    if (wanted.length > 0 || nflag || sflag) {
      for (const pr of visible) {
        const all: Record<string, string> = {
          jid: String(pr.pr_id),
          name: pr.pr_name,
          "host.hostname": pr.pr_hostname,
          path: "/",
          persist: (pr.pr_flags & PR_PERSIST) !== 0 ? "true" : "false",
          vnet: (pr.pr_flags & PR_VNET) !== 0 ? "new" : "inherit",
        };
        const keys = wanted.length ? wanted : Object.keys(all);
        const out = keys.map((k) => {
          if (nflag || sflag) {
            if (k === "persist") return all.persist === "true" ? "persist" : "nopersist";
            return `${k}=${all[k] ?? ""}`;
          }
          return all[k] ?? "";
        });
        ctx.stdout.write(out.join(" ") + "\n");
      }
      return 0;
    }
    if (Nflag) ctx.stdout.write(" JID             IP Address      Hostname                      Path\n");
    else ctx.stdout.write("   JID  IP Address      Hostname                      Path\n");
    for (const pr of visible) {
      const host = pr.pr_hostname !== "" ? pr.pr_hostname : prison0.pr_hostname;
      const id = Nflag ? pr.pr_name.padEnd(15).slice(0, 15).padStart(16) : String(pr.pr_id).padStart(6);
      ctx.stdout.write(`${id}  ${"".padEnd(15)} ${host.slice(0, 29).padEnd(29)} /\n`);
    }
    return 0;
  });
}
