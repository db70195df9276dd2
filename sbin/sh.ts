// bin/sh, reduced: the shell `virtnet run` uses to run a script of FreeBSD
// commands against the simulated kernel.  It understands what such scripts
// use: comments, quoting, variables and parameters ($?, $!, $#, $1...),
// assignments, command substitution $(...) and `...`, arithmetic $((...)),
// ; && || & and wait, pipelines, redirections (> >> < 2> 2>&1), if/elif/else,
// for, while/until, case, { } and ( ) groups, and functions.  Commands are the
// simulated programs (ifconfig, ping, ...) and a few builtins.

export interface sh_io {
  write(s: string): void;
}

/** What a program gets when it runs: FreeBSD's argv, stdio and environment. */
export interface sh_cmd_ctx {
  argv: string[];
  stdin: string;
  stdout: sh_io;
  stderr: sh_io;
  env: Map<string, string>;
}

export type sh_program = (ctx: sh_cmd_ctx) => Promise<number>;

// ---------------------------------------------------------------------------
// Lexer.

type tok =
  | { t: "word"; v: string } // raw text, quotes kept, expanded later
  | { t: "op"; v: string }
  | { t: "nl" }
  | { t: "eof" };

const OPS = ["&&", "||", ";;", ">>", "2>&1", "2>>", "2>", ">&2", "1>&2", ";", "&", "|", "(", ")", "<", ">"];

class sh_syntax_error extends Error {}

function lex(src: string): tok[] {
  const out: tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "\n") {
      out.push({ t: "nl" });
      i++;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op !== undefined) {
      out.push({ t: "op", v: op });
      i += op.length;
      continue;
    }
    // A word: up to an unquoted blank or operator character.
    let w = "";
    while (i < n) {
      const d = src[i];
      if (d === " " || d === "\t" || d === "\n" || d === ";" || d === "&" || d === "|" || d === "<" || d === ">" || d === "(" || d === ")") {
        if (d === "(" && w.endsWith("$")) {
          // $( ... ) or $(( ... )): take the balanced text.
          const end = balanced(src, i);
          w += src.slice(i, end);
          i = end;
          continue;
        }
        break;
      }
      if (d === "\\") {
        w += src.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (d === "'") {
        const e = src.indexOf("'", i + 1);
        if (e < 0) throw new sh_syntax_error("unterminated quoted string");
        w += src.slice(i, e + 1);
        i = e + 1;
        continue;
      }
      if (d === '"') {
        let j = i + 1;
        while (j < n && src[j] !== '"') {
          if (src[j] === "\\") j++;
          else if (src[j] === "$" && src[j + 1] === "(") {
            j = balanced(src, j + 1) - 1;
          }
          j++;
        }
        if (j >= n) throw new sh_syntax_error("unterminated quoted string");
        w += src.slice(i, j + 1);
        i = j + 1;
        continue;
      }
      if (d === "`") {
        const e = src.indexOf("`", i + 1);
        if (e < 0) throw new sh_syntax_error("unterminated `");
        w += src.slice(i, e + 1);
        i = e + 1;
        continue;
      }
      if (d === "$" && src[i + 1] === "{") {
        const e = src.indexOf("}", i);
        if (e < 0) throw new sh_syntax_error("bad substitution");
        w += src.slice(i, e + 1);
        i = e + 1;
        continue;
      }
      w += d;
      i++;
    }
    out.push({ t: "word", v: w });
  }
  out.push({ t: "eof" });
  return out;
}

/** Index just past the parenthesis group starting at src[i] === "(". */
function balanced(src: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < src.length) {
    const c = src[j];
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === "'") {
      j = src.indexOf("'", j + 1) + 1;
      if (j === 0) throw new sh_syntax_error("unterminated quoted string");
      continue;
    }
    if (c === '"') {
      j++;
      while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
      j++;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  throw new sh_syntax_error("unterminated $(");
}

// ---------------------------------------------------------------------------
// Parser.

interface redir {
  op: string; // ">", ">>", "<", "2>", "2>>", "2>&1", ">&2"
  target: string;
}
type node =
  | { k: "simple"; assigns: string[]; words: string[]; redirs: redir[] }
  | { k: "pipe"; cmds: node[]; bang: boolean }
  | { k: "andor"; first: node; rest: { op: string; n: node }[] }
  | { k: "list"; items: { n: node; bg: boolean }[] }
  | { k: "if"; arms: { cond: node; body: node }[]; els: node | null; redirs: redir[] }
  | { k: "for"; v: string; words: string[] | null; body: node; redirs: redir[] }
  | { k: "while"; until: boolean; cond: node; body: node; redirs: redir[] }
  | { k: "case"; word: string; arms: { pats: string[]; body: node }[]; redirs: redir[] }
  | { k: "group"; body: node; sub: boolean; redirs: redir[] }
  | { k: "func"; name: string; body: node };

class parser {
  private p = 0;
  constructor(private readonly toks: tok[]) {}

  private peek(): tok {
    return this.toks[this.p];
  }
  private next(): tok {
    return this.toks[this.p++];
  }
  private isword(v?: string): boolean {
    const t = this.peek();
    return t.t === "word" && (v === undefined || t.v === v);
  }
  private isop(v: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === v;
  }
  private skipnl(): void {
    while (this.peek().t === "nl" || this.isop(";")) this.p++;
  }
  private skipnl_only(): void {
    while (this.peek().t === "nl") this.p++;
  }
  private expect_word(v: string): void {
    this.skipnl();
    if (!this.isword(v)) throw new sh_syntax_error(`Syntax error: ${describe(this.peek())} unexpected (expecting "${v}")`);
    this.p++;
  }

  program(): node {
    const l = this.list(new Set());
    if (this.peek().t !== "eof") throw new sh_syntax_error(`Syntax error: ${describe(this.peek())} unexpected`);
    return l;
  }

  /** A list up to one of the terminator words (then, fi, done, ...). */
  list(stop: Set<string>): node {
    const items: { n: node; bg: boolean }[] = [];
    for (;;) {
      this.skipnl();
      const t = this.peek();
      if (t.t === "eof" || (t.t === "word" && stop.has(t.v)) || this.isop(")") || this.isop(";;")) break;
      const n = this.andor();
      let bg = false;
      if (this.isop("&")) {
        this.p++;
        bg = true;
      } else if (this.isop(";")) this.p++;
      items.push({ n, bg });
    }
    return { k: "list", items };
  }

  andor(): node {
    const first = this.pipeline();
    const rest: { op: string; n: node }[] = [];
    while (this.isop("&&") || this.isop("||")) {
      const op = (this.next() as { v: string }).v;
      this.skipnl_only();
      rest.push({ op, n: this.pipeline() });
    }
    return rest.length ? { k: "andor", first, rest } : first;
  }

  pipeline(): node {
    let bang = false;
    if (this.isword("!")) {
      this.p++;
      bang = true;
    }
    const cmds = [this.command()];
    while (this.isop("|")) {
      this.p++;
      this.skipnl_only();
      cmds.push(this.command());
    }
    return cmds.length > 1 || bang ? { k: "pipe", cmds, bang } : cmds[0];
  }

  redirs(into: redir[]): void {
    for (;;) {
      const t = this.peek();
      if (t.t !== "op") return;
      if (t.v === "2>&1" || t.v === ">&2" || t.v === "1>&2") {
        this.p++;
        into.push({ op: t.v === "1>&2" ? ">&2" : t.v, target: "" });
      } else if (t.v === ">" || t.v === ">>" || t.v === "<" || t.v === "2>" || t.v === "2>>") {
        this.p++;
        const w = this.next();
        if (w.t !== "word") throw new sh_syntax_error(`Syntax error: ${describe(w)} unexpected`);
        into.push({ op: t.v, target: w.v });
      } else return;
    }
  }

  command(): node {
    const t = this.peek();
    if (t.t === "word") {
      switch (t.v) {
        case "if":
          return this.if_clause();
        case "for":
          return this.for_clause();
        case "while":
        case "until":
          return this.while_clause(t.v === "until");
        case "case":
          return this.case_clause();
        case "{": {
          this.p++;
          const body = this.list(new Set(["}"]));
          this.expect_word("}");
          const redirs: redir[] = [];
          this.redirs(redirs);
          return { k: "group", body, sub: false, redirs };
        }
      }
      // name() { ... }
      const t1 = this.toks[this.p + 1];
      const t2 = this.toks[this.p + 2];
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.v) && t1?.t === "op" && t1.v === "(" && t2?.t === "op" && t2.v === ")") {
        this.p += 3;
        this.skipnl_only();
        return { k: "func", name: t.v, body: this.command() };
      }
    }
    if (this.isop("(")) {
      this.p++;
      const body = this.list(new Set());
      if (!this.isop(")")) throw new sh_syntax_error(`Syntax error: ${describe(this.peek())} unexpected (expecting ")")`);
      this.p++;
      const redirs: redir[] = [];
      this.redirs(redirs);
      return { k: "group", body, sub: true, redirs };
    }
    return this.simple();
  }

  simple(): node {
    const assigns: string[] = [];
    const words: string[] = [];
    const redirs: redir[] = [];
    for (;;) {
      this.redirs(redirs);
      const t = this.peek();
      if (t.t !== "word") break;
      if (words.length === 0 && ["then", "fi", "do", "done", "elif", "else", "esac", "}"].includes(t.v)) break;
      if (words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t.v)) assigns.push(t.v);
      else words.push(t.v);
      this.p++;
    }
    if (assigns.length === 0 && words.length === 0 && redirs.length === 0) throw new sh_syntax_error(`Syntax error: ${describe(this.peek())} unexpected`);
    return { k: "simple", assigns, words, redirs };
  }

  if_clause(): node {
    this.p++; // if
    const arms: { cond: node; body: node }[] = [];
    let els: node | null = null;
    const cond = this.list(new Set(["then"]));
    this.expect_word("then");
    arms.push({ cond, body: this.list(new Set(["elif", "else", "fi"])) });
    for (;;) {
      this.skipnl();
      if (this.isword("elif")) {
        this.p++;
        const c = this.list(new Set(["then"]));
        this.expect_word("then");
        arms.push({ cond: c, body: this.list(new Set(["elif", "else", "fi"])) });
      } else if (this.isword("else")) {
        this.p++;
        els = this.list(new Set(["fi"]));
      } else break;
    }
    this.expect_word("fi");
    const redirs: redir[] = [];
    this.redirs(redirs);
    return { k: "if", arms, els, redirs };
  }

  for_clause(): node {
    this.p++;
    const v = this.next();
    if (v.t !== "word") throw new sh_syntax_error("Syntax error: bad for loop variable");
    let words: string[] | null = null;
    this.skipnl_only();
    if (this.isword("in")) {
      this.p++;
      words = [];
      while (this.peek().t === "word" && !this.isword("do")) words.push((this.next() as { v: string }).v);
    }
    this.expect_word("do");
    const body = this.list(new Set(["done"]));
    this.expect_word("done");
    const redirs: redir[] = [];
    this.redirs(redirs);
    return { k: "for", v: v.v, words, body, redirs };
  }

  while_clause(until: boolean): node {
    this.p++;
    const cond = this.list(new Set(["do"]));
    this.expect_word("do");
    const body = this.list(new Set(["done"]));
    this.expect_word("done");
    const redirs: redir[] = [];
    this.redirs(redirs);
    return { k: "while", until, cond, body, redirs };
  }

  case_clause(): node {
    this.p++;
    const w = this.next();
    if (w.t !== "word") throw new sh_syntax_error("Syntax error: bad case word");
    this.skipnl_only();
    if (!this.isword("in")) throw new sh_syntax_error('Syntax error: expecting "in"');
    this.p++;
    const arms: { pats: string[]; body: node }[] = [];
    for (;;) {
      this.skipnl_only();
      if (this.isword("esac")) break;
      if (this.isop("(")) this.p++;
      const pats: string[] = [];
      for (;;) {
        const p = this.next();
        if (p.t !== "word") throw new sh_syntax_error("Syntax error: bad case pattern");
        pats.push(p.v);
        if (this.isop("|")) {
          this.p++;
          continue;
        }
        break;
      }
      if (!this.isop(")")) throw new sh_syntax_error('Syntax error: expecting ")"');
      this.p++;
      const body = this.list(new Set(["esac"]));
      arms.push({ pats, body });
      if (this.isop(";;")) this.p++;
    }
    this.p++; // esac
    const redirs: redir[] = [];
    this.redirs(redirs);
    return { k: "case", word: w.v, arms, redirs };
  }
}

function describe(t: tok): string {
  if (t.t === "eof") return "end of file";
  if (t.t === "nl") return "newline";
  return `"${t.v}"`;
}

// ---------------------------------------------------------------------------
// Interpreter.

class sh_exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}
class sh_loopctl extends Error {
  constructor(
    readonly kind: "break" | "continue",
    readonly levels: number,
  ) {
    super(kind);
  }
}
class sh_return extends Error {
  constructor(readonly status: number) {
    super("return");
  }
}

export interface sh_options {
  /** Look up a program by name (ifconfig, ping, ...). */
  lookup(name: string): sh_program | null;
  /** Read and write files named in redirections (relative to the caller's cwd). */
  readFile?(path: string): string | null;
  writeFile?(path: string, data: string, append: boolean): void;
  /** Script name for error messages ($0). */
  name?: string;
}

interface job {
  id: number;
  done: Promise<number>;
  status: number | null;
}

/** One shell: variables, functions, background jobs. */
export class sh_shell {
  vars = new Map<string, string>();
  funcs = new Map<string, node>();
  params: string[] = [];
  status = 0;
  private jobs: job[] = [];
  private nextjob = 1;
  lastbg = 0;
  errexit = false;

  constructor(private readonly opts: sh_options) {}

  /** Parse and run a script; resolves with its exit status. */
  async run(src: string, stdout: sh_io, stderr: sh_io, stdin = ""): Promise<number> {
    let tree: node;
    try {
      tree = new parser(lex(src)).program();
    } catch (e) {
      if (e instanceof sh_syntax_error) {
        stderr.write(`${this.opts.name ?? "sh"}: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    try {
      await this.exec(tree, { stdout, stderr, stdin });
    } catch (e) {
      if (e instanceof sh_exit) this.status = e.status;
      else if (e instanceof sh_loopctl || e instanceof sh_return) {
        /* break/continue/return at top level end the script quietly */
      } else throw e;
    }
    await this.wait_all();
    return this.status;
  }

  async wait_all(): Promise<void> {
    for (const j of this.jobs) await j.done;
    this.jobs = [];
  }

  private async exec(n: node, io: { stdout: sh_io; stderr: sh_io; stdin: string }): Promise<number> {
    switch (n.k) {
      case "list": {
        for (const it of n.items) {
          if (it.bg) {
            const id = this.nextjob++;
            const j: job = { id, status: null, done: Promise.resolve(0) };
            j.done = this.exec(it.n, { ...io, stdin: "" }).then(
              (s) => (j.status = s),
              (e) => {
                if (e instanceof sh_exit) return (j.status = e.status);
                throw e;
              },
            );
            this.jobs.push(j);
            this.lastbg = id;
            this.status = 0;
          } else {
            this.status = await this.exec(it.n, io);
            if (this.errexit && this.status !== 0 && it.n.k !== "andor" && !(it.n.k === "pipe" && it.n.bang)) throw new sh_exit(this.status);
          }
        }
        return this.status;
      }
      case "andor": {
        let s = await this.exec(n.first, io);
        for (const r of n.rest) {
          if ((r.op === "&&" && s === 0) || (r.op === "||" && s !== 0)) s = await this.exec(r.n, io);
        }
        return (this.status = s);
      }
      case "pipe": {
        let input = io.stdin;
        let s = 0;
        for (let i = 0; i < n.cmds.length; i++) {
          const last = i === n.cmds.length - 1;
          let buf = "";
          const out: sh_io = last ? io.stdout : { write: (x) => (buf += x) };
          s = await this.exec(n.cmds[i], { stdout: out, stderr: io.stderr, stdin: input });
          input = buf;
        }
        if (n.bang) s = s === 0 ? 1 : 0;
        return (this.status = s);
      }
      case "if": {
        const rio = await this.apply_redirs(n.redirs, io);
        if (rio === null) return (this.status = 1);
        for (const arm of n.arms) {
          if ((await this.exec(arm.cond, rio)) === 0) return (this.status = await this.exec(arm.body, rio));
        }
        return (this.status = n.els !== null ? await this.exec(n.els, rio) : 0);
      }
      case "for": {
        const rio = await this.apply_redirs(n.redirs, io);
        if (rio === null) return (this.status = 1);
        const items = n.words === null ? this.params.slice() : (await Promise.all(n.words.map((w) => this.expand(w, rio)))).flat();
        let s = 0;
        for (const it of items) {
          this.vars.set(n.v, it);
          const r = await this.loop_body(n.body, rio);
          if (r === "break") break;
          if (r !== "continue") s = r;
        }
        return (this.status = s);
      }
      case "while": {
        const rio = await this.apply_redirs(n.redirs, io);
        if (rio === null) return (this.status = 1);
        let s = 0;
        for (;;) {
          const c = await this.exec(n.cond, rio);
          if ((c === 0) === n.until) break;
          const r = await this.loop_body(n.body, rio);
          if (r === "break") break;
          if (r !== "continue") s = r;
        }
        return (this.status = s);
      }
      case "case": {
        const rio = await this.apply_redirs(n.redirs, io);
        if (rio === null) return (this.status = 1);
        const w = (await this.expand(n.word, rio, false)).join(" ");
        for (const arm of n.arms) {
          for (const p of arm.pats) {
            const pat = (await this.expand(p, rio, false, true)).join(" ");
            if (glob_match(pat, w)) return (this.status = await this.exec(arm.body, rio));
          }
        }
        return (this.status = 0);
      }
      case "group": {
        const rio = await this.apply_redirs(n.redirs, io);
        if (rio === null) return (this.status = 1);
        if (!n.sub) return (this.status = await this.exec(n.body, rio));
        // A subshell: its variable changes and exit stay inside.
        const saved = new Map(this.vars);
        try {
          return (this.status = await this.exec(n.body, rio));
        } catch (e) {
          if (e instanceof sh_exit) return (this.status = e.status);
          throw e;
        } finally {
          this.vars = saved;
        }
      }
      case "func":
        this.funcs.set(n.name, n.body);
        return (this.status = 0);
      case "simple":
        return (this.status = await this.simple(n, io));
    }
  }

  /** One pass of a loop body; break/continue of this loop come back as
   *  words, those aimed at outer loops go on up. */
  private async loop_body(body: node, io: { stdout: sh_io; stderr: sh_io; stdin: string }): Promise<number | "break" | "continue"> {
    try {
      return await this.exec(body, io);
    } catch (e) {
      if (e instanceof sh_loopctl) {
        if (e.levels > 1) throw new sh_loopctl(e.kind, e.levels - 1);
        return e.kind;
      }
      throw e;
    }
  }

  private async apply_redirs(redirs: redir[], io: { stdout: sh_io; stderr: sh_io; stdin: string }): Promise<{ stdout: sh_io; stderr: sh_io; stdin: string } | null> {
    let { stdout, stderr, stdin } = io;
    for (const r of redirs) {
      const target = r.target === "" ? "" : (await this.expand(r.target, io)).join(" ");
      switch (r.op) {
        case "2>&1":
          stderr = stdout;
          break;
        case ">&2":
          stdout = stderr;
          break;
        case "<": {
          const data = target === "/dev/null" ? "" : (this.opts.readFile?.(target) ?? null);
          if (data === null) {
            io.stderr.write(`${this.opts.name ?? "sh"}: cannot open ${target}: No such file\n`);
            return null;
          }
          stdin = data;
          break;
        }
        default: {
          const append = r.op.endsWith(">>");
          const sink: sh_io =
            target === "/dev/null"
              ? { write: () => {} }
              : (() => {
                  this.opts.writeFile?.(target, "", append);
                  return { write: (s: string) => this.opts.writeFile?.(target, s, true) };
                })();
          if (r.op.startsWith("2")) stderr = sink;
          else stdout = sink;
        }
      }
    }
    return { stdout, stderr, stdin };
  }

  private async simple(n: { assigns: string[]; words: string[]; redirs: redir[] }, io: { stdout: sh_io; stderr: sh_io; stdin: string }): Promise<number> {
    const argv: string[] = [];
    for (const w of n.words) argv.push(...(await this.expand(w, io)));
    const assigns: [string, string][] = [];
    for (const a of n.assigns) {
      const eq = a.indexOf("=");
      assigns.push([a.slice(0, eq), (await this.expand(a.slice(eq + 1), io, false)).join(" ")]);
    }
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.vars.set(k, v);
      return this.status;
    }
    const rio = await this.apply_redirs(n.redirs, io);
    if (rio === null) return 1;
    const env = new Map(this.vars);
    for (const [k, v] of assigns) env.set(k, v);
    const name = argv[0];
    const builtin = this.builtin(name);
    if (builtin !== null) return builtin(argv, rio, env);
    const fn = this.funcs.get(name);
    if (fn !== undefined) {
      const saved = this.params;
      this.params = argv.slice(1);
      try {
        return await this.exec(fn, rio);
      } catch (e) {
        if (e instanceof sh_return) return e.status;
        throw e;
      } finally {
        this.params = saved;
      }
    }
    const prog = this.opts.lookup(name);
    if (prog === null) {
      rio.stderr.write(`${this.opts.name ?? "sh"}: ${name}: not found\n`);
      return 127;
    }
    return prog({ argv, stdin: rio.stdin, stdout: rio.stdout, stderr: rio.stderr, env });
  }

  private builtin(name: string): ((argv: string[], io: { stdout: sh_io; stderr: sh_io; stdin: string }, env: Map<string, string>) => Promise<number>) | null {
    switch (name) {
      case ":":
      case "true":
        return async () => 0;
      case "false":
        return async () => 1;
      case "exit":
        return async (argv) => {
          throw new sh_exit(argv.length > 1 ? Number(argv[1]) & 255 : this.status);
        };
      case "return":
        return async (argv) => {
          throw new sh_return(argv.length > 1 ? Number(argv[1]) & 255 : this.status);
        };
      case "break":
      case "continue":
        return async (argv) => {
          throw new sh_loopctl(name, argv.length > 1 ? Number(argv[1]) : 1);
        };
      case "set":
        return async (argv) => {
          // Options first; "--" or the first operand starts new positional parameters.
          let i = 1;
          for (; i < argv.length; i++) {
            const a = argv[i];
            if (a === "--") {
              i++;
              this.params = argv.slice(i);
              return 0;
            }
            if (a === "-e") this.errexit = true;
            else if (a === "+e") this.errexit = false;
            else if (!/^[-+][a-z]+$/.test(a)) break;
          }
          if (i < argv.length) this.params = argv.slice(i);
          return 0;
        };
      case "export":
      case "readonly":
      case "local":
        return async (argv) => {
          for (const a of argv.slice(1)) {
            const eq = a.indexOf("=");
            if (eq > 0) this.vars.set(a.slice(0, eq), a.slice(eq + 1));
          }
          return 0;
        };
      case "unset":
        return async (argv) => {
          for (const a of argv.slice(1)) this.vars.delete(a), this.funcs.delete(a);
          return 0;
        };
      case "shift":
        return async (argv) => {
          this.params = this.params.slice(argv.length > 1 ? Number(argv[1]) : 1);
          return 0;
        };
      case "wait":
        return async (argv) => {
          if (argv.length > 1) {
            let s = 127;
            for (const a of argv.slice(1)) {
              const j = this.jobs.find((x) => String(x.id) === a);
              if (j !== undefined) s = await j.done;
            }
            return s;
          }
          await this.wait_all();
          return 0;
        };
      case "echo":
        return async (argv, io) => {
          let args = argv.slice(1);
          let nl = true;
          if (args[0] === "-n") {
            nl = false;
            args = args.slice(1);
          }
          io.stdout.write(args.join(" ") + (nl ? "\n" : ""));
          return 0;
        };
      case "printf":
        return async (argv, io) => {
          io.stdout.write(sh_printf(argv[1] ?? "", argv.slice(2)));
          return 0;
        };
      case "test":
      case "[":
        return async (argv, io) => {
          const args = argv.slice(1);
          if (name === "[") {
            if (args[args.length - 1] !== "]") {
              io.stderr.write("[: missing ]\n");
              return 2;
            }
            args.pop();
          }
          return sh_test(args) ? 0 : 1;
        };
    }
    return null;
  }

  // -------------------------------------------------------------------------
  // Expansion.

  private param(name: string): string {
    if (name === "?") return String(this.status);
    if (name === "!") return String(this.lastbg);
    if (name === "#") return String(this.params.length);
    if (name === "$") return "1";
    if (name === "@" || name === "*") return this.params.join(" ");
    if (name === "0") return this.opts.name ?? "sh";
    if (/^[1-9][0-9]*$/.test(name)) return this.params[Number(name) - 1] ?? "";
    return this.vars.get(name) ?? "";
  }

  private async subst(cmd: string, io: { stderr: sh_io }): Promise<string> {
    let out = "";
    const saved = this.status;
    const sub = new sh_shell(this.opts);
    sub.vars = new Map(this.vars);
    sub.funcs = this.funcs;
    sub.params = this.params;
    sub.status = saved;
    const s = await sub.run(cmd, { write: (x) => (out += x) }, io.stderr);
    this.status = s;
    return out.replace(/\n+$/, "");
  }

  /**
   * Expand one word: parameters, command substitution, arithmetic, quote
   * removal, and field splitting of unquoted expansions (unless split=false).
   */
  async expand(word: string, io: { stderr: sh_io }, split = true, pattern = false): Promise<string[]> {
    const fields: string[] = [];
    let cur = "";
    let have = false; // a quoted empty string still makes a field
    const push_split = (s: string) => {
      if (!split) {
        cur += s;
        return;
      }
      const parts = s.split(/[ \t\n]+/);
      for (let i = 0; i < parts.length; i++) {
        if (i > 0) {
          if (cur !== "" || have) fields.push(cur);
          cur = "";
          have = false;
        }
        cur += parts[i];
      }
    };
    let i = 0;
    const w = word;
    let inq = false;
    while (i < w.length) {
      const c = w[i];
      if (!inq && c === "'") {
        const e = w.indexOf("'", i + 1);
        cur += pattern ? escape_glob(w.slice(i + 1, e)) : w.slice(i + 1, e);
        have = true;
        i = e + 1;
        continue;
      }
      if (c === '"') {
        inq = !inq;
        have = true;
        i++;
        continue;
      }
      if (c === "\\") {
        const d = w[i + 1] ?? "";
        if (inq && !'$`"\\\n'.includes(d)) cur += "\\";
        cur += pattern ? escape_glob(d) : d;
        i += 2;
        continue;
      }
      if (c === "`") {
        const e = w.indexOf("`", i + 1);
        const r = await this.subst(w.slice(i + 1, e), io);
        if (inq) cur += r;
        else push_split(r);
        i = e + 1;
        continue;
      }
      if (c === "$") {
        const d = w[i + 1];
        if (d === "(" && w[i + 2] === "(") {
          const end = balanced(w, i + 1);
          const expr = w.slice(i + 3, end - 2);
          const ex = (await this.expand(expr, io, false)).join(" ");
          cur += String(sh_arith(ex, (n) => this.param(n)));
          i = end;
          continue;
        }
        if (d === "(") {
          const end = balanced(w, i + 1);
          const r = await this.subst(w.slice(i + 2, end - 1), io);
          if (inq) cur += r;
          else push_split(r);
          i = end;
          continue;
        }
        if (d === "{") {
          const e = w.indexOf("}", i);
          const inner = w.slice(i + 2, e);
          const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?!#@*$])(?::?([-=+?])(.*))?$/.exec(inner);
          let v = "";
          if (m !== null) {
            const val = this.param(m[1]);
            const op = m[2];
            const alt = m[3] ?? "";
            if (op === undefined) v = val;
            else if (op === "-") v = val === "" ? (await this.expand(alt, io, false)).join(" ") : val;
            else if (op === "=") {
              if (val === "") {
                v = (await this.expand(alt, io, false)).join(" ");
                this.vars.set(m[1], v);
              } else v = val;
            } else if (op === "+") v = val === "" ? "" : (await this.expand(alt, io, false)).join(" ");
            else v = val;
          } else if (inner.startsWith("#")) v = String(this.param(inner.slice(1)).length);
          if (inq) cur += v;
          else push_split(v);
          i = e + 1;
          continue;
        }
        const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]|[?!#@*$])/.exec(w.slice(i + 1));
        if (m !== null) {
          const v = this.param(m[1]);
          if (inq) cur += v;
          else push_split(v);
          i += 1 + m[1].length;
          continue;
        }
        cur += "$";
        i++;
        continue;
      }
      cur += c;
      i++;
    }
    if (cur !== "" || have || !split) fields.push(cur);
    return fields;
  }
}

function escape_glob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => "\\" + c);
}

/** fnmatch for case patterns: * ? [...] and backslash escapes. */
export function glob_match(pat: string, s: string): boolean {
  let re = "^";
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i];
    if (c === "\\") re += "\\" + (pat[++i] ?? "\\");
    else if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const e = pat.indexOf("]", i + 1);
      if (e < 0) re += "\\[";
      else {
        let cls = pat.slice(i + 1, e);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        re += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = e;
      }
    } else re += c.replace(/[.+^${}()|/]/g, "\\$&");
  }
  return new RegExp(re + "$", "s").test(s);
}

/** test(1). */
export function sh_test(a: string[]): boolean {
  if (a.length === 0) return false;
  if (a[0] === "!") return !sh_test(a.slice(1));
  const oi = a.indexOf("-o");
  if (oi > 0) return sh_test(a.slice(0, oi)) || sh_test(a.slice(oi + 1));
  const ai = a.indexOf("-a");
  if (ai > 0) return sh_test(a.slice(0, ai)) && sh_test(a.slice(ai + 1));
  if (a.length === 1) return a[0] !== "";
  if (a.length === 2) {
    switch (a[0]) {
      case "-n":
        return a[1] !== "";
      case "-z":
        return a[1] === "";
    }
    return false;
  }
  const [x, op, y] = a;
  switch (op) {
    case "=":
    case "==":
      return x === y;
    case "!=":
      return x !== y;
    case "-eq":
      return Number(x) === Number(y);
    case "-ne":
      return Number(x) !== Number(y);
    case "-lt":
      return Number(x) < Number(y);
    case "-le":
      return Number(x) <= Number(y);
    case "-gt":
      return Number(x) > Number(y);
    case "-ge":
      return Number(x) >= Number(y);
  }
  return false;
}

/** $(( )) arithmetic: integers, + - * / % comparisons, parentheses, variables. */
export function sh_arith(expr: string, get: (name: string) => string): number {
  const toks = expr.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||<<|>>|[-+*/%()<>!]/g) ?? [];
  let p = 0;
  const prim = (): number => {
    const t = toks[p++];
    if (t === "(") {
      const v = or();
      p++;
      return v;
    }
    if (t === "-") return -prim();
    if (t === "!") return prim() ? 0 : 1;
    if (t === undefined) return 0;
    if (/^\d+$/.test(t)) return Number(t);
    return Number(get(t)) || 0;
  };
  const bin = (next: () => number, ops: Record<string, (a: number, b: number) => number>) => (): number => {
    let v = next();
    while (toks[p] !== undefined && ops[toks[p]] !== undefined) {
      const f = ops[toks[p++]];
      v = f(v, next());
    }
    return v;
  };
  const mul = bin(prim, { "*": (a, b) => a * b, "/": (a, b) => Math.trunc(a / b), "%": (a, b) => a % b });
  const add = bin(mul, { "+": (a, b) => a + b, "-": (a, b) => a - b });
  const shift = bin(add, { "<<": (a, b) => a << b, ">>": (a, b) => a >> b });
  const cmp = bin(shift, { "<": (a, b) => +(a < b), ">": (a, b) => +(a > b), "<=": (a, b) => +(a <= b), ">=": (a, b) => +(a >= b) });
  const eq = bin(cmp, { "==": (a, b) => +(a === b), "!=": (a, b) => +(a !== b) });
  const and = bin(eq, { "&&": (a, b) => +(a !== 0 && b !== 0) });
  const or = bin(and, { "||": (a, b) => +(a !== 0 || b !== 0) });
  return or();
}

/** printf(1): %s %d %x %% and backslash escapes. */
export function sh_printf(fmt: string, args: string[]): string {
  let out = "";
  let ai = 0;
  do {
    out += fmt.replace(/\\(n|t|\\)|%(-?\d*)([sdxu%])/g, (_m, esc: string | undefined, width: string | undefined, conv: string | undefined) => {
      if (esc !== undefined) return esc === "n" ? "\n" : esc === "t" ? "\t" : "\\";
      if (conv === "%") return "%";
      const a = args[ai++] ?? "";
      let s = conv === "s" ? a : conv === "x" ? (Number(a) || 0).toString(16) : String(Math.trunc(Number(a) || 0));
      const wd = Number(width ?? "");
      if (wd > 0) s = s.padStart(wd);
      else if (wd < 0) s = s.padEnd(-wd);
      return s;
    });
  } while (ai < args.length && /%[sdxu]/.test(fmt));
  return out;
}
