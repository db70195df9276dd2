// contrib/libxo/libxo/libxo.c (lib/libxo): the part of libxo that FreeBSD's
// netstat uses.  One format string, xo_emit("\t{:received-packets/%ju}
// {N:/packet%s received}\n", n, plural(n)), gives the text output and, with
// --libxo xml|json, the same values as XML elements or JSON members, inside
// the containers, lists and instances the program opens.
//
// Field descriptors are {roles,modifiers:content/field-format/encode-format}.
// Roles: V (value, the default), T title, L label, N note, D decoration,
// P padding, U units, E error, W warning, C colour, G gettext, and the
// anchors [ and ] that pad what lies between them to a width.  Modifiers:
// k key, e encoding only, d display only, q quotes, n no quotes, l leaf-list,
// c colon, t trim, w white space, h humanize, a argument.  Text outside braces
// is shown in text style only; "{{" and "}}" stand for literal braces.

export const XO_STYLE_TEXT = 0;
export const XO_STYLE_XML = 1;
export const XO_STYLE_JSON = 2;
export const XO_STYLE_HTML = 3;

export const XOF_PRETTY = 1 << 0;
export const XOF_WARN = 1 << 1;
export const XOF_KEYS = 1 << 2;
export const XOF_UNDERSCORES = 1 << 3;
export const XOF_FLUSH = 1 << 4;

export type xo_arg = number | bigint | string | null;

/** Where the output goes (a program's stdout). */
export interface xo_sink {
  write(s: string): void;
}

/** One parsed field: literal text (role "") or a {...} descriptor. */
interface xo_field {
  roles: string;
  mods: string;
  content: string;
  format: string;
  eformat: string;
  /** A slash was given: "{e:name/}" has an empty format and takes no argument. */
  has_format: boolean;
  /** Literal text between fields. */
  text: string | null;
}

const XSS_CONTAINER = 1;
const XSS_LIST = 2;
const XSS_INSTANCE = 3;

interface xo_stack {
  kind: number;
  name: string;
  /** Members already emitted at this level (JSON commas). */
  count: number;
}

const field_cache = new Map<string, xo_field[]>();

/** Split a format into literal text and field descriptors (cached: formats are constants). */
export function xo_parse_format(fmt: string): xo_field[] {
  const hit = field_cache.get(fmt);
  if (hit !== undefined) return hit;
  const out: xo_field[] = [];
  let text = "";
  let i = 0;
  const flush = () => {
    if (text !== "") out.push({ roles: "", mods: "", content: "", format: "", eformat: "", has_format: false, text });
    text = "";
  };
  while (i < fmt.length) {
    const c = fmt[i];
    if (c === "{" && fmt[i + 1] === "{") {
      text += "{";
      i += 2;
      continue;
    }
    if (c === "}" && fmt[i + 1] === "}") {
      text += "}";
      i += 2;
      continue;
    }
    if (c !== "{") {
      text += c;
      i++;
      continue;
    }
    flush();
    // Read up to the closing brace; a backslash escapes the next character
    // (netstat writes "broadcast\\/multicast" to keep a slash in a note).
    let body = "";
    const parts: string[] = [];
    i++;
    let closed = false;
    while (i < fmt.length) {
      const d = fmt[i];
      if (d === "\\" && i + 1 < fmt.length) {
        body += fmt[i + 1];
        i += 2;
        continue;
      }
      if (d === "}") {
        closed = true;
        i++;
        break;
      }
      if (d === "/" && parts.length < 2) {
        parts.push(body);
        body = "";
        i++;
        continue;
      }
      body += d;
      i++;
    }
    if (!closed) throw new Error(`libxo: unterminated field in "${fmt}"`);
    parts.push(body);
    // parts[0] holds "roles:content"; parts[1] the field format; parts[2] the encoding format.
    const head = parts[0];
    const colon = head.indexOf(":");
    let rm = "";
    let content = head;
    if (colon >= 0) {
      rm = head.slice(0, colon);
      content = head.slice(colon + 1);
    }
    let roles = "";
    let mods = "";
    for (const ch of rm.split(",").join("")) {
      if ("VTLNDPUEWCG[]".includes(ch)) roles += ch;
      else mods += ch;
    }
    if (roles === "") roles = "V";
    out.push({ roles, mods, content, format: parts[1] ?? "", eformat: parts[2] ?? "", has_format: parts.length > 1, text: null });
  }
  flush();
  field_cache.set(fmt, out);
  return out;
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s + " ".repeat(width - s.length);
  if (zero) {
    const sign = s[0] === "-" || s[0] === "+" ? s[0] : "";
    return sign + "0".repeat(width - s.length) + s.slice(sign.length);
  }
  return " ".repeat(width - s.length) + s;
}

function to_big(a: xo_arg): bigint {
  if (typeof a === "bigint") return a;
  if (typeof a === "number") return BigInt(Math.trunc(a));
  if (typeof a === "string" && /^-?\d+$/.test(a)) return BigInt(a);
  return 0n;
}

/** printf(3) for the conversions libxo formats use; returns the text and the arguments used. */
export function xo_printf(fmt: string, args: readonly xo_arg[], start = 0): { s: string; used: number } {
  let out = "";
  let ai = start;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== "%") {
      out += c;
      continue;
    }
    if (fmt[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    i++;
    let flags = "";
    while (i < fmt.length && "-+ #0'".includes(fmt[i])) flags += fmt[i++];
    let width = 0;
    if (fmt[i] === "*") {
      width = Number(to_big(args[ai++] ?? 0));
      if (width < 0) {
        flags += "-";
        width = -width;
      }
      i++;
    } else {
      while (i < fmt.length && fmt[i] >= "0" && fmt[i] <= "9") width = width * 10 + Number(fmt[i++]);
    }
    let prec = -1;
    if (fmt[i] === ".") {
      i++;
      prec = 0;
      if (fmt[i] === "*") {
        prec = Number(to_big(args[ai++] ?? 0));
        i++;
      } else {
        while (i < fmt.length && fmt[i] >= "0" && fmt[i] <= "9") prec = prec * 10 + Number(fmt[i++]);
      }
    }
    while (i < fmt.length && "hljztqL".includes(fmt[i])) i++;
    const conv = fmt[i] ?? "s";
    const a = args[ai++] ?? null;
    const left = flags.includes("-");
    let s: string;
    switch (conv) {
      case "d":
      case "i":
      case "u": {
        const v = to_big(a);
        s = v.toString();
        if (prec >= 0) s = s.replace(/^(-?)(\d+)$/, (_m, sg: string, d: string) => sg + d.padStart(prec, "0"));
        if (v >= 0n && flags.includes("+")) s = "+" + s;
        else if (v >= 0n && flags.includes(" ")) s = " " + s;
        s = pad(s, width, left, flags.includes("0") && prec < 0);
        break;
      }
      case "x":
      case "X":
      case "o": {
        const v = to_big(a);
        s = v.toString(conv === "o" ? 8 : 16);
        if (conv === "X") s = s.toUpperCase();
        if (prec >= 0) s = s.padStart(prec, "0");
        if (flags.includes("#") && v !== 0n) s = (conv === "o" ? "0" : conv === "X" ? "0X" : "0x") + s;
        s = pad(s, width, left, flags.includes("0") && prec < 0);
        break;
      }
      case "c":
        s = pad(typeof a === "string" ? a.slice(0, 1) : String.fromCharCode(Number(to_big(a))), width, left, false);
        break;
      case "e":
      case "f":
      case "g": {
        const v = typeof a === "number" ? a : Number(to_big(a));
        const p = prec < 0 ? 6 : prec;
        s = conv === "e" ? v.toExponential(p) : conv === "f" ? v.toFixed(p) : String(Number(v.toPrecision(p === 0 ? 1 : p)));
        s = pad(s, width, left, flags.includes("0"));
        break;
      }
      default: {
        // %s (and anything unknown): a null string prints "(null)" as FreeBSD's libc does.
        let v = a === null ? "(null)" : String(a);
        if (prec >= 0) v = v.slice(0, prec);
        s = pad(v, width, left, false);
        break;
      }
    }
    out += s;
  }
  return { s: out, used: ai - start };
}

/** A numeric printf conversion: JSON prints such values bare. */
function is_numeric_format(fmt: string): boolean {
  const m = /%[-+ #0']*(\*|\d+)?(\.(\*|\d+))?[hljztqL]*([a-zA-Z])/.exec(fmt);
  return m !== null && "diouxXeEfFgG".includes(m[4]) && !/[^%]*%[^%]*%/.test(fmt.replace(/%%/g, ""));
}

function xml_escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function json_escape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/**
 * xo_handle_t: one output stream in one style.  Text style writes what the
 * program always printed; XML and JSON write the values under the names the
 * format strings give them.
 */
export class xo_handle {
  xo_style = XO_STYLE_TEXT;
  xo_flags = 0;
  xo_indent_by = 2;
  private stack: xo_stack[] = [];
  private started = false;
  private finished = false;
  constructor(readonly out: xo_sink) {}

  get pretty(): boolean {
    return (this.xo_flags & XOF_PRETTY) !== 0;
  }

  /** Indentation for the current depth: lists add a level in JSON only. */
  private indent(): string {
    if (!this.pretty) return "";
    let d = 0;
    for (const f of this.stack) if (f.kind !== XSS_LIST || this.xo_style === XO_STYLE_JSON) d++;
    if (this.xo_style === XO_STYLE_JSON) d++;
    return " ".repeat(d * this.xo_indent_by);
  }

  private nl(): string {
    return this.pretty ? "\n" : "";
  }

  /** JSON: the document is one object, opened before its first member. */
  private json_start(): void {
    if (this.started) return;
    this.started = true;
    if (this.xo_style === XO_STYLE_JSON) this.out.write("{" + this.nl());
  }

  /** JSON: the comma before a member of the enclosing object or array. */
  private json_member(): string {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      const first = this.top_count === 0;
      this.top_count++;
      return first ? "" : "," + this.nl();
    }
    const first = top.count === 0;
    top.count++;
    return first ? "" : "," + this.nl();
  }
  private top_count = 0;

  private top(): xo_stack | undefined {
    return this.stack[this.stack.length - 1];
  }

  xo_open_container(name: string): void {
    this.json_start();
    this.close_dangling_list(name);
    if (this.xo_style === XO_STYLE_XML) this.out.write(`${this.indent()}<${name}>${this.nl()}`);
    else if (this.xo_style === XO_STYLE_JSON) this.out.write(`${this.json_member()}${this.indent()}"${name}": {${this.nl()}`);
    this.stack.push({ kind: XSS_CONTAINER, name, count: 0 });
  }

  xo_close_container(name: string): void {
    this.close_to(XSS_CONTAINER, name);
  }

  xo_open_list(name: string): void {
    this.json_start();
    this.close_dangling_list(name);
    if (this.xo_style === XO_STYLE_JSON) this.out.write(`${this.json_member()}${this.indent()}"${name}": [${this.nl()}`);
    this.stack.push({ kind: XSS_LIST, name, count: 0 });
  }

  xo_close_list(name: string): void {
    this.close_to(XSS_LIST, name);
  }

  /** An instance outside its list opens the list first, as libxo does. */
  xo_open_instance(name: string): void {
    this.json_start();
    const t = this.top();
    if (t === undefined || t.kind !== XSS_LIST || t.name !== name) {
      this.close_dangling_list(name);
      this.xo_open_list(name);
    }
    if (this.xo_style === XO_STYLE_XML) this.out.write(`${this.indent()}<${name}>${this.nl()}`);
    else if (this.xo_style === XO_STYLE_JSON) this.out.write(`${this.json_member()}${this.indent()}{${this.nl()}`);
    this.stack.push({ kind: XSS_INSTANCE, name, count: 0 });
  }

  xo_close_instance(name: string): void {
    this.close_to(XSS_INSTANCE, name);
  }

  /** A list left open by its instances closes when a sibling opens. */
  private close_dangling_list(name: string): void {
    const t = this.top();
    if (t !== undefined && t.kind === XSS_LIST && t.name !== name) this.pop();
  }

  private pop(): void {
    const f = this.stack.pop();
    if (f === undefined) return;
    if (this.xo_style === XO_STYLE_XML) {
      if (f.kind !== XSS_LIST) this.out.write(`${this.indent()}</${f.name}>${this.nl()}`);
    } else if (this.xo_style === XO_STYLE_JSON) {
      this.out.write(this.nl() + this.indent() + (f.kind === XSS_LIST ? "]" : "}"));
    }
  }

  private close_to(kind: number, name: string): void {
    // Close whatever was left open inside (auto-opened lists), then the frame itself.
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const f = this.stack[k];
      if (f.kind === kind && f.name === name) {
        while (this.stack.length > k) this.pop();
        return;
      }
    }
  }

  /** xo_emit: one format, its arguments. */
  xo_emit(fmt: string, ...args: xo_arg[]): void {
    const fields = xo_parse_format(fmt);
    let ai = 0;
    let text = "";
    // An anchor ({[:WIDTH} ... {]:}) pads what the fields between emit.
    let anchor_at = -1;
    let anchor_width = 0;
    for (const fd of fields) {
      if (fd.text !== null) {
        text += fd.text;
        continue;
      }
      const r = fd.roles;
      if (r === "[") {
        anchor_at = text.length;
        if (fd.format !== "") {
          const p = xo_printf(fd.format, args, ai);
          ai += p.used;
          anchor_width = Number(p.s);
        } else anchor_width = Number(fd.content);
        if (!Number.isFinite(anchor_width)) anchor_width = 0;
        continue;
      }
      if (r === "]") {
        if (anchor_at >= 0) {
          const w = Math.abs(anchor_width);
          const got = text.length - anchor_at;
          if (got < w) {
            const fill = " ".repeat(w - got);
            text = anchor_width < 0 ? text + fill : text.slice(0, anchor_at) + fill + text.slice(anchor_at);
          }
        }
        anchor_at = -1;
        continue;
      }
      if (r !== "V") {
        // Titles, labels, notes, decorations, padding: text only.  An empty
        // content takes its text from the format and its arguments.
        let s = fd.content;
        if (fd.format !== "") {
          const p = xo_printf(fd.format, args, ai);
          ai += p.used;
          s = fd.content + p.s;
        }
        if (r === "E" || r === "W") continue;
        if (r === "C" || r === "G") continue;
        text += s;
        continue;
      }
      const ffmt = fd.format === "" && !fd.has_format ? "%s" : fd.format;
      const disp = xo_printf(ffmt, args, ai);
      // The encoding format formats the same arguments as the field format
      // ("{:protocol/%-3.3s%-2.2s/%s%s}" takes two, not four).
      const efmt = fd.eformat === "" ? ffmt : fd.eformat;
      const enc = fd.eformat === "" ? disp : xo_printf(efmt, args, ai);
      ai += disp.used;
      if (this.xo_style === XO_STYLE_TEXT || this.xo_style === XO_STYLE_HTML) {
        if (!fd.mods.includes("e")) text += disp.s;
        continue;
      }
      if (fd.mods.includes("d")) continue;
      this.json_start();
      let val = enc.s;
      if (fd.mods.includes("t")) val = val.trim();
      this.emit_value(fd.content, val, fd.mods, efmt);
    }
    if (text !== "" && (this.xo_style === XO_STYLE_TEXT || this.xo_style === XO_STYLE_HTML)) this.out.write(text);
  }

  private emit_value(name: string, val: string, mods: string, efmt: string): void {
    if (this.xo_style === XO_STYLE_XML) {
      this.out.write(`${this.indent()}<${name}>${xml_escape(val)}</${name}>${this.nl()}`);
      return;
    }
    const numeric = !mods.includes("q") && (mods.includes("n") || is_numeric_format(efmt)) && /^-?\d+(\.\d+)?$/.test(val.trim());
    const v = numeric ? val.trim() : `"${json_escape(val)}"`;
    // A leaf-list member inside its open list is a bare array element.
    const t = this.top();
    if (mods.includes("l") && t !== undefined && t.kind === XSS_LIST && t.name === name) {
      this.out.write(`${this.json_member()}${this.indent()}${v}`);
      return;
    }
    this.out.write(`${this.json_member()}${this.indent()}"${name}":${this.pretty ? " " : ""}${v}`);
  }

  /**
   * xo_message: a note to the reader, in the output stream.  Text shows it
   * (with a newline when the format has none); XML wraps it in a message
   * element, the newline inside; JSON has no place for it and drops it.
   */
  xo_message(fmt: string, ...args: xo_arg[]): void {
    if (fmt === "") return;
    const need_nl = !fmt.endsWith("\n");
    const s = xo_printf(fmt, args).s + (need_nl ? "\n" : "");
    if (this.xo_style === XO_STYLE_TEXT || this.xo_style === XO_STYLE_HTML) this.out.write(s);
    else if (this.xo_style === XO_STYLE_XML) {
      this.json_start();
      this.out.write(`${this.pretty ? " ".repeat(this.xo_indent_by) : ""}<message>${xml_escape(s)}</message>${this.nl()}`);
    }
  }

  /** xo_finish: close what is open and end the document. */
  xo_finish(): void {
    if (this.finished) return;
    this.finished = true;
    while (this.stack.length > 0) this.pop();
    if (this.xo_style === XO_STYLE_JSON && this.started) this.out.write(this.nl() + "}\n");
    else if (this.xo_style === XO_STYLE_XML && !this.pretty && this.started) this.out.write("\n");
  }
}

/**
 * xo_parse_args: take libxo's options out of argv ("--libxo json,pretty",
 * "--libxo=xml", "--libxo:XP") and set the handle's style and flags.  Returns
 * the remaining argv, or an error message for an unknown option.
 */
export function xo_parse_args(xop: xo_handle, argv: readonly string[]): { argv: string[]; error: string | null } {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith("--libxo")) {
      out.push(a);
      continue;
    }
    let spec: string;
    const rest = a.slice("--libxo".length);
    if (rest === "") {
      const nxt = argv[i + 1];
      if (nxt === undefined) return { argv: out, error: "missing libxo option" };
      spec = nxt;
      i++;
    } else if (rest[0] === "=") {
      spec = rest.slice(1);
    } else if (rest[0] === ":") {
      const e = xo_set_options_short(xop, rest.slice(1));
      if (e !== null) return { argv: out, error: e };
      continue;
    } else {
      out.push(a);
      continue;
    }
    const e = xo_set_options(xop, spec);
    if (e !== null) return { argv: out, error: e };
  }
  return { argv: out, error: null };
}

/** xo_set_options: a comma list of styles and flags. */
export function xo_set_options(xop: xo_handle, spec: string): string | null {
  for (const word of spec.split(",")) {
    const [w] = word.split("=");
    switch (w) {
      case "":
        break;
      case "text":
        xop.xo_style = XO_STYLE_TEXT;
        break;
      case "xml":
        xop.xo_style = XO_STYLE_XML;
        break;
      case "json":
        xop.xo_style = XO_STYLE_JSON;
        break;
      case "html":
        xop.xo_style = XO_STYLE_HTML;
        break;
      case "pretty":
        xop.xo_flags |= XOF_PRETTY;
        break;
      case "warn":
        xop.xo_flags |= XOF_WARN;
        break;
      case "keys":
        xop.xo_flags |= XOF_KEYS;
        break;
      case "underscores":
        xop.xo_flags |= XOF_UNDERSCORES;
        break;
      case "flush":
        xop.xo_flags |= XOF_FLUSH;
        break;
      case "indent": {
        const n = Number(word.split("=")[1]);
        if (!Number.isInteger(n) || n < 0) return `invalid indent value: ${word}`;
        xop.xo_indent_by = n;
        break;
      }
      case "color":
      case "no-color":
      case "colors":
      case "info":
      case "no-humanize":
      case "no-locale":
      case "no-top":
      case "not-first":
      case "units":
      case "log-gettext":
      case "log-syslog":
      case "dtrt":
      case "encoder":
      case "xpath":
      case "no-retain":
      case "retain":
        // Presentation details that change nothing this emitter produces.
        break;
      default:
        return `unknown libxo option value: '${w}'`;
    }
  }
  return null;
}

/** The one-letter form, "--libxo:XP": X xml, J json, H html, T text, P pretty, W warn, k keys, U underscores. */
function xo_set_options_short(xop: xo_handle, letters: string): string | null {
  for (const ch of letters) {
    switch (ch) {
      case "X":
        xop.xo_style = XO_STYLE_XML;
        break;
      case "J":
        xop.xo_style = XO_STYLE_JSON;
        break;
      case "H":
        xop.xo_style = XO_STYLE_HTML;
        break;
      case "T":
        xop.xo_style = XO_STYLE_TEXT;
        break;
      case "P":
        xop.xo_flags |= XOF_PRETTY;
        break;
      case "W":
        xop.xo_flags |= XOF_WARN;
        break;
      case "k":
        xop.xo_flags |= XOF_KEYS;
        break;
      case "U":
        xop.xo_flags |= XOF_UNDERSCORES;
        break;
      case "f":
      case "c":
      case "n":
      case "I":
      case "i":
      case "N":
      case "L":
      case "u":
        break;
      default:
        return `unknown libxo option value: '${ch}'`;
    }
  }
  return null;
}
