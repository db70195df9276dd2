// bin/sh/parser.c: the shell's lexer and parser.  As in FreeBSD's sh, a
// script is parsed one complete command at a time (parsecmd), so that the
// commands before a syntax error have run when it is reported.  Words keep
// their source text (quotes and all); expansion reads that text later.
// Here-documents are read after the newline that ends their command line.

export class sh_syntax_error extends Error {
  constructor(
    msg: string,
    readonly line: number,
  ) {
    super(msg);
  }
}

export interface sh_heredoc {
  body: string;
  /** Unquoted delimiter: the body is expanded like a double-quoted string. */
  expand: boolean;
}

export interface redir {
  fd: number;
  op: string; // > >> >| < <> >& <& << <<-
  target: string; // raw word ("" for here-documents)
  here: sh_heredoc | null;
}

export type node =
  | { k: "simple"; assigns: string[]; words: string[]; redirs: redir[]; line: number }
  | { k: "pipe"; cmds: node[] }
  | { k: "not"; n: node }
  | { k: "andor"; first: node; rest: { op: "&&" | "||"; n: node }[] }
  | { k: "list"; items: { n: node; bg: boolean }[] }
  | { k: "if"; arms: { cond: node; body: node }[]; els: node | null; redirs: redir[] }
  | { k: "for"; v: string; words: string[] | null; body: node; redirs: redir[] }
  | { k: "while"; until: boolean; cond: node; body: node; redirs: redir[] }
  | { k: "case"; word: string; arms: { pats: string[]; body: node; fallthru: boolean }[]; redirs: redir[] }
  | { k: "group"; body: node; sub: boolean; redirs: redir[] }
  | { k: "func"; name: string; body: node; line: number };

type tok =
  | { t: "word"; v: string; quoted: boolean; line: number }
  | { t: "op"; v: string; line: number }
  | { t: "redir"; r: redir; line: number }
  | { t: "nl"; line: number }
  | { t: "eof"; line: number };

const KEYWORDS = new Set(["!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while"]);
/** Tokens that end a list (tokendlist). */
const LIST_END = new Set(["}", "do", "done", "elif", "else", "esac", "fi", "then", ")", ";;", ";&"]);
const SPECIAL_BUILTINS = new Set(["break", ":", ".", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset"]);

function is_meta(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === ";" || c === "&" || c === "|" || c === "<" || c === ">" || c === "(" || c === ")";
}

/** Remove quotes from a here-document delimiter word. */
function unquote_delim(w: string): string {
  let out = "";
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === "'") {
      const e = w.indexOf("'", i + 1);
      out += w.slice(i + 1, e < 0 ? w.length : e);
      i = e < 0 ? w.length : e;
    } else if (c === '"') continue;
    else if (c === "\\") out += w[++i] ?? "";
    else out += c;
  }
  return out;
}

class lexer {
  pos: number;
  line: number;
  private pending: { r: redir; delim: string; strip: boolean }[] = [];

  constructor(
    readonly src: string,
    pos = 0,
    line = 1,
  ) {
    this.pos = pos;
    this.line = line;
  }

  err(msg: string, line = this.line): never {
    throw new sh_syntax_error(msg, line);
  }

  next(): tok {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === " " || c === "\t") this.pos++;
      else if (c === "\\" && s[this.pos + 1] === "\n") {
        this.pos += 2;
        this.line++;
      } else if (c === "#") {
        while (this.pos < s.length && s[this.pos] !== "\n") this.pos++;
      } else break;
    }
    const line = this.line;
    if (this.pos >= s.length) {
      if (this.pending.length > 0) this.read_heredocs();
      return { t: "eof", line };
    }
    const c = s[this.pos];
    if (c === "\n") {
      this.pos++;
      this.line++;
      this.read_heredocs();
      return { t: "nl", line };
    }
    for (const op of ["&&", "||", ";;", ";&", "&", "|", ";", "(", ")"]) {
      if (s.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { t: "op", v: op, line };
      }
    }
    // A redirection, with an optional descriptor number before it.
    const m = /^([0-9]?)(<<-|<<|<>|<&|>>|>&|>\||<|>)/.exec(s.slice(this.pos, this.pos + 4));
    if (m !== null) {
      this.pos += m[0].length;
      const op = m[2];
      const fd = m[1] !== "" ? Number(m[1]) : op.startsWith("<") ? 0 : 1;
      return { t: "redir", r: { fd, op, target: "", here: null }, line };
    }
    const start = this.pos;
    const quoted = this.scan_word();
    this.line += count_nl(s, start, this.pos);
    return { t: "word", v: s.slice(start, this.pos), quoted, line };
  }

  /** Advance over one word; true if any part of it was quoted. */
  private scan_word(): boolean {
    const s = this.src;
    let quoted = false;
    while (this.pos < s.length && !is_meta(s[this.pos])) {
      const c = s[this.pos];
      if (c === "\\") {
        quoted = true;
        this.pos += 2;
      } else if (c === "'") {
        quoted = true;
        const e = s.indexOf("'", this.pos + 1);
        if (e < 0) this.err("Unterminated quoted string");
        this.pos = e + 1;
      } else if (c === '"') {
        quoted = true;
        this.scan_dquote();
      } else if (c === "`") this.scan_backq();
      else if (c === "$") this.scan_dollar();
      else this.pos++;
    }
    if (this.pos > s.length) this.pos = s.length;
    return quoted;
  }

  private scan_dquote(): void {
    const s = this.src;
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) this.err("Unterminated quoted string");
      const c = s[this.pos];
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === "\\") this.pos += 2;
      else if (c === "`") this.scan_backq();
      else if (c === "$") this.scan_dollar();
      else this.pos++;
    }
  }

  private scan_backq(): void {
    const s = this.src;
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) this.err("EOF in backquote substitution");
      const c = s[this.pos];
      if (c === "`") {
        this.pos++;
        return;
      }
      this.pos += c === "\\" ? 2 : 1;
    }
  }

  /** $name, ${...}, $(...), $((...)). */
  private scan_dollar(): void {
    const s = this.src;
    const d = s[this.pos + 1];
    if (d === "(" && s[this.pos + 2] === "(") {
      this.pos += 3;
      let depth = 0;
      for (;;) {
        if (this.pos >= s.length) this.err("Missing '))'");
        const c = s[this.pos];
        if (c === "(") depth++;
        else if (c === ")") {
          if (depth > 0) depth--;
          else if (s[this.pos + 1] === ")") {
            this.pos += 2;
            return;
          }
        } else if (c === "$") {
          this.scan_dollar();
          continue;
        } else if (c === "'" || c === '"') {
          if (c === "'") {
            const e = s.indexOf("'", this.pos + 1);
            if (e < 0) this.err("Unterminated quoted string");
            this.pos = e + 1;
          } else this.scan_dquote();
          continue;
        } else if (c === "\\") this.pos++;
        this.pos++;
      }
    }
    if (d === "(") {
      const end = parser.end_of_cmdsubst(s, this.pos + 2, this.line);
      this.pos = end;
      return;
    }
    if (d === "{") {
      const start = this.pos;
      this.pos += 2;
      for (;;) {
        if (this.pos >= s.length) this.err("Missing '}'");
        const c = s[this.pos];
        if (c === "}") {
          this.pos++;
          break;
        }
        if (c === "\\") this.pos += 2;
        else if (c === "'") {
          const e = s.indexOf("'", this.pos + 1);
          if (e < 0) this.err("Unterminated quoted string");
          this.pos = e + 1;
        } else if (c === '"') this.scan_dquote();
        else if (c === "`") this.scan_backq();
        else if (c === "$") this.scan_dollar();
        else this.pos++;
      }
      const inner = s.slice(start + 2, this.pos - 1);
      if (!/^(#?([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])|([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])(:?[-=?+]|%%?|##?)[^]*)$/.test(inner)) this.err("Bad substitution");
      return;
    }
    this.pos++;
  }

  /** Queue a here-document to read after the current line. */
  heredoc(r: redir, word: string, quoted: boolean): void {
    let delim = unquote_delim(word);
    if (r.op === "<<-") delim = delim.replace(/^\t+/, "");
    r.here = { body: "", expand: !quoted };
    this.pending.push({ r, delim, strip: r.op === "<<-" });
  }

  private read_heredocs(): void {
    const s = this.src;
    for (const h of this.pending.splice(0)) {
      let body = "";
      while (this.pos < s.length) {
        let e = s.indexOf("\n", this.pos);
        const last = e < 0;
        if (last) e = s.length;
        let ln = s.slice(this.pos, e);
        this.pos = last ? e : e + 1;
        this.line++;
        if (h.strip) ln = ln.replace(/^\t+/, "");
        if (ln === h.delim) break;
        body += ln + "\n";
      }
      if (h.r.here !== null) h.r.here.body = body;
    }
  }
}

function count_nl(s: string, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function tokname(t: tok): string {
  switch (t.t) {
    case "eof":
      return "end of file";
    case "nl":
      return "newline";
    case "op":
      return `"${t.v}"`;
    case "redir":
      return "redirection";
    case "word":
      return !t.quoted && KEYWORDS.has(t.v) ? `"${t.v}"` : "word";
  }
}

export class parser {
  private back: tok | null = null;
  private last: tok = { t: "nl", line: 1 };

  constructor(readonly lx: lexer) {}

  static of(src: string): parser {
    return new parser(new lexer(src));
  }

  /** Where the $( ) whose command starts at src[pos] ends (just past its ")"). */
  static end_of_cmdsubst(src: string, pos: number, line = 1): number {
    const sub = new lexer(src, pos, line);
    const p = new parser(sub);
    p.list(false, false);
    const t = p.readtoken();
    if (!(t.t === "op" && t.v === ")")) p.synexpect(t, '")"');
    return sub.pos;
  }

  readtoken(): tok {
    if (this.back !== null) {
      this.last = this.back;
      this.back = null;
      return this.last;
    }
    this.last = this.lx.next();
    return this.last;
  }
  private pushback(t: tok): void {
    this.back = t;
  }
  private peek(): tok {
    const t = this.readtoken();
    this.pushback(t);
    return t;
  }
  private iskw(t: tok, v: string): boolean {
    return t.t === "word" && !t.quoted && t.v === v;
  }

  synexpect(t: tok, expecting: string | null): never {
    throw new sh_syntax_error(`${tokname(t)} unexpected${expecting === null ? "" : ` (expecting ${expecting})`}`, t.line);
  }
  private synerror(msg: string, line: number): never {
    throw new sh_syntax_error(msg, line);
  }

  /** The next complete command: a node, null for an empty line, "eof". */
  parsecmd(): node | null | "eof" {
    const t = this.readtoken();
    if (t.t === "eof") return "eof";
    if (t.t === "nl") return null;
    this.pushback(t);
    return this.list(true, true);
  }

  /** Line of the token read last (for LINENO-like reports). */
  get line(): number {
    return this.last.line;
  }

  private skip_nl(): tok {
    let t = this.readtoken();
    while (t.t === "nl") t = this.readtoken();
    return t;
  }

  private at_list_end(t: tok): boolean {
    if (t.t === "eof") return true;
    if (t.t === "op") return t.v === ")" || t.v === ";;" || t.v === ";&";
    return t.t === "word" && !t.quoted && LIST_END.has(t.v);
  }

  /** list(): and-or lists separated by ; & or newlines. */
  list(nlflag: boolean, erflag: boolean): node {
    const items: { n: node; bg: boolean }[] = [];
    if (!nlflag) {
      const t = this.skip_nl();
      this.pushback(t);
      if (!erflag && this.at_list_end(t)) return { k: "list", items };
    }
    for (;;) {
      const n = this.andor();
      let t = this.readtoken();
      const bg = t.t === "op" && t.v === "&";
      items.push({ n, bg });
      if (t.t === "op" && (t.v === "&" || t.v === ";")) {
        t = this.readtoken();
        if (t.t !== "nl" && t.t !== "eof") {
          this.pushback(t);
          if (!nlflag && !erflag && this.at_list_end(t)) return { k: "list", items };
          continue;
        }
      }
      if (t.t === "nl") {
        if (nlflag) return { k: "list", items };
        t = this.skip_nl();
        this.pushback(t);
        if (!erflag && this.at_list_end(t)) return { k: "list", items };
        continue;
      }
      if (t.t === "eof") {
        this.pushback(t);
        return { k: "list", items };
      }
      if (nlflag || erflag) this.synexpect(t, null);
      this.pushback(t);
      return { k: "list", items };
    }
  }

  private andor(): node {
    const first = this.pipeline();
    const rest: { op: "&&" | "||"; n: node }[] = [];
    for (;;) {
      const t = this.readtoken();
      if (t.t === "op" && (t.v === "&&" || t.v === "||")) {
        this.skip_nl_pushback();
        rest.push({ op: t.v, n: this.pipeline() });
      } else {
        this.pushback(t);
        return rest.length > 0 ? { k: "andor", first, rest } : first;
      }
    }
  }

  private skip_nl_pushback(): void {
    this.pushback(this.skip_nl());
  }

  private pipeline(): node {
    let negate = false;
    let t = this.skip_nl();
    while (this.iskw(t, "!")) {
      negate = !negate;
      t = this.skip_nl();
    }
    this.pushback(t);
    const cmds = [this.command()];
    for (;;) {
      const u = this.readtoken();
      if (u.t === "op" && u.v === "|") {
        this.skip_nl_pushback();
        cmds.push(this.command());
      } else {
        this.pushback(u);
        break;
      }
    }
    const n: node = cmds.length > 1 ? { k: "pipe", cmds } : cmds[0];
    return negate ? { k: "not", n } : n;
  }

  private redir_target(r: redir): void {
    const w = this.readtoken();
    if (w.t !== "word") this.synexpect(w, null);
    if (r.op === "<<" || r.op === "<<-") {
      if (/[$`]/.test(w.v) && !w.quoted) this.synerror("Illegal eof marker for << redirection", w.line);
      this.lx.heredoc(r, w.v, w.quoted);
    } else if ((r.op === ">&" || r.op === "<&") && !/^([0-9]|-)$/.test(w.v) && !/[$`'"\\]/.test(w.v)) {
      this.synerror("Bad fd number", w.line);
    } else r.target = w.v;
  }

  private trailing_redirs(into: redir[]): void {
    for (;;) {
      const t = this.readtoken();
      if (t.t !== "redir") {
        this.pushback(t);
        return;
      }
      this.redir_target(t.r);
      into.push(t.r);
    }
  }

  private expect_kw(v: string): void {
    const t = this.skip_nl();
    if (!this.iskw(t, v)) this.synexpect(t, `"${v}"`);
  }

  private command(): node {
    const t = this.skip_nl();
    if (t.t === "word" && !t.quoted) {
      switch (t.v) {
        case "if": {
          const arms: { cond: node; body: node }[] = [];
          let els: node | null = null;
          let kw = "if";
          while (kw === "if" || kw === "elif") {
            const cond = this.list(false, false);
            if (cond.k === "list" && cond.items.length === 0) this.synexpect(this.peek(), null);
            this.expect_kw("then");
            arms.push({ cond, body: this.list(false, false) });
            const u = this.skip_nl();
            kw = this.iskw(u, "elif") ? "elif" : this.iskw(u, "else") ? "else" : "";
            if (kw === "else") els = this.list(false, false);
            else if (kw === "") this.pushback(u);
          }
          this.expect_kw("fi");
          const redirs: redir[] = [];
          this.trailing_redirs(redirs);
          return { k: "if", arms, els, redirs };
        }
        case "while":
        case "until": {
          const cond = this.list(false, false);
          if (cond.k === "list" && cond.items.length === 0) this.synexpect(this.peek(), null);
          this.expect_kw("do");
          const body = this.list(false, false);
          this.expect_kw("done");
          const redirs: redir[] = [];
          this.trailing_redirs(redirs);
          return { k: "while", until: t.v === "until", cond, body, redirs };
        }
        case "for": {
          const v = this.readtoken();
          if (v.t !== "word" || v.quoted || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.v)) this.synerror("Bad for loop variable", v.line);
          let u = this.skip_nl();
          let words: string[] | null = null;
          if (this.iskw(u, "in")) {
            words = [];
            for (u = this.readtoken(); u.t === "word"; u = this.readtoken()) words.push(u.v);
            if (!(u.t === "nl" || (u.t === "op" && u.v === ";"))) this.synexpect(u, null);
          } else if (!(u.t === "op" && u.v === ";")) this.pushback(u);
          const d = this.skip_nl();
          let end: string;
          if (this.iskw(d, "do")) end = "done";
          else if (this.iskw(d, "{")) end = "}";
          else this.synexpect(d, null);
          const body = this.list(false, false);
          this.expect_kw(end);
          const redirs: redir[] = [];
          this.trailing_redirs(redirs);
          return { k: "for", v: v.v, words, body, redirs };
        }
        case "case": {
          const w = this.readtoken();
          if (w.t !== "word") this.synexpect(w, "word");
          const i = this.skip_nl();
          if (!this.iskw(i, "in")) this.synerror('expecting "in"', i.line);
          const arms: { pats: string[]; body: node; fallthru: boolean }[] = [];
          let u = this.skip_nl();
          while (!this.iskw(u, "esac")) {
            if (u.t === "op" && u.v === "(") u = this.readtoken();
            const pats: string[] = [];
            for (;;) {
              if (u.t !== "word") this.synexpect(u, null);
              pats.push(u.v);
              u = this.readtoken();
              if (u.t === "op" && u.v === "|") {
                u = this.readtoken();
                continue;
              }
              break;
            }
            if (!(u.t === "op" && u.v === ")")) this.synexpect(u, '")"');
            const body = this.list(false, false);
            const arm = { pats, body, fallthru: false };
            arms.push(arm);
            u = this.skip_nl();
            if (this.iskw(u, "esac")) break;
            if (!(u.t === "op" && (u.v === ";;" || u.v === ";&"))) this.synexpect(u, '";;"');
            arm.fallthru = u.v === ";&";
            u = this.skip_nl();
          }
          const redirs: redir[] = [];
          this.trailing_redirs(redirs);
          return { k: "case", word: w.v, arms, redirs };
        }
        case "{": {
          const body = this.list(false, false);
          this.expect_kw("}");
          const redirs: redir[] = [];
          this.trailing_redirs(redirs);
          return { k: "group", body, sub: false, redirs };
        }
      }
    }
    if (t.t === "op" && t.v === "(") {
      const body = this.list(false, false);
      const u = this.readtoken();
      if (!(u.t === "op" && u.v === ")")) this.synexpect(u, '")"');
      const redirs: redir[] = [];
      this.trailing_redirs(redirs);
      return { k: "group", body, sub: true, redirs };
    }
    if (t.t === "word" && !t.quoted && LIST_END.has(t.v)) this.synexpect(t, null);
    if (t.t === "op" && t.v !== "(") {
      this.synexpect(t, null);
    }
    if (t.t === "eof") this.synexpect(t, null);
    this.pushback(t);
    return this.simplecmd();
  }

  private simplecmd(): node {
    const assigns: string[] = [];
    const words: string[] = [];
    const redirs: redir[] = [];
    let line = 0;
    for (;;) {
      const t = this.readtoken();
      if (line === 0) line = t.line;
      if (t.t === "word") {
        if (words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t.v)) assigns.push(t.v);
        else words.push(t.v);
      } else if (t.t === "redir") {
        this.redir_target(t.r);
        redirs.push(t.r);
      } else if (t.t === "op" && t.v === "(" && words.length === 1 && assigns.length === 0 && redirs.length === 0) {
        // name() command: a function definition.
        const u = this.readtoken();
        if (!(u.t === "op" && u.v === ")")) this.synexpect(u, '")"');
        const name = words[0];
        if (/[$`'"\\/]/.test(name) || "!%*+-=?@}~".includes(name[name.length - 1])) this.synerror("Bad function name", u.line);
        if (SPECIAL_BUILTINS.has(name)) this.synerror("Cannot override a special builtin with a function", u.line);
        const body = this.command();
        return { k: "func", name, body, line: u.line };
      } else {
        this.pushback(t);
        break;
      }
    }
    if (assigns.length === 0 && words.length === 0 && redirs.length === 0) this.synexpect(this.peek(), null);
    return { k: "simple", assigns, words, redirs, line };
  }
}

/** Parse a whole string at once (eval text, command substitution). */
export function parse_all(src: string, line = 1): node[] {
  const p = new parser(new lexer(src, 0, line));
  const out: node[] = [];
  for (;;) {
    const n = p.parsecmd();
    if (n === "eof") return out;
    if (n !== null) out.push(n);
  }
}
