// usr.bin/printf/printf.c: printf(1), built into the shell as in FreeBSD.
// The format is reused while arguments remain; conversions diouxXeEfFgGcsb
// and %%, with flags, field width and precision (numbers or *); backslash
// escapes in the format and, for %b, in the argument.

export interface printf_result {
  out: string;
  err: string;
  status: number;
}

/** One backslash escape at s[i] (just after the backslash): [text, length, stop]. */
function escape(s: string, i: number, percent_b: boolean): [string, number, boolean] {
  const c = s[i];
  switch (c) {
    case undefined:
      return ["\\", 0, false];
    case "\\":
      return ["\\", 1, false];
    case "a":
      return ["\x07", 1, false];
    case "b":
      return ["\b", 1, false];
    case "f":
      return ["\f", 1, false];
    case "n":
      return ["\n", 1, false];
    case "r":
      return ["\r", 1, false];
    case "t":
      return ["\t", 1, false];
    case "v":
      return ["\v", 1, false];
    case "'":
    case '"':
      return percent_b ? ["\\" + c, 1, false] : [c, 1, false];
    case "c":
      return percent_b ? ["", 1, true] : ["\\c", 1, false];
  }
  if (/[0-7]/.test(c)) {
    // %b takes \0NNN; the format takes \NNN.
    let j = i;
    if (percent_b && c === "0") j++;
    let v = 0;
    let n = 0;
    while (n < 3 && j < s.length && /[0-7]/.test(s[j])) {
      v = v * 8 + Number(s[j]);
      j++;
      n++;
    }
    return [String.fromCharCode(v & 0xff), j - i, false];
  }
  return ["\\" + c, 1, false];
}

function pad(s: string, flags: string, width: number, zero_ok: boolean): string {
  if (s.length >= width) return s;
  if (flags.includes("-")) return s.padEnd(width);
  if (flags.includes("0") && zero_ok) {
    const m = /^([-+ ]|0[xX])?/.exec(s);
    const sign = m === null ? "" : m[0];
    return sign + s.slice(sign.length).padStart(width - sign.length, "0");
  }
  return s.padStart(width);
}

/** %.Nf with C's rounding of an exact tie to even (toFixed rounds it up). */
function fixed(v: number, p: number): string {
  const s = v.toFixed(p);
  if (p + 30 > 100) return s;
  const exact = Math.abs(v).toFixed(p + 30);
  const cut = exact.length - 30;
  if (!/^50*$/.test(exact.slice(cut))) return s;
  const down = exact.slice(0, cut).replace(/\.$/, "");
  const last = Number(down[down.length - 1]);
  if (last % 2 === 0) return (v < 0 ? "-" : "") + down;
  return s;
}

function fmt_float(v: number, conv: string, flags: string, prec: number | null): string {
  const p = prec === null ? 6 : prec;
  let s: string;
  if (!Number.isFinite(v)) s = Number.isNaN(v) ? "nan" : v < 0 ? "-inf" : "inf";
  else {
    const lc = conv.toLowerCase();
    if (lc === "f") s = fixed(v, p);
    else if (lc === "e") s = v.toExponential(p);
    else {
      // %g: %e when the exponent is < -4 or >= the precision, trailing zeros gone.
      const P = p === 0 ? 1 : p;
      const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(Number(v.toExponential(P - 1)))));
      if (exp < -4 || exp >= P) s = v.toExponential(P - 1);
      else s = v.toFixed(Math.max(0, P - 1 - exp));
      if (!flags.includes("#")) s = s.replace(/\.?0+(e|$)/, "$1").replace(/\.(e|$)/, "$1");
    }
    s = s.replace(/e([-+])(\d)$/, "e$10$2");
    if (conv === conv.toUpperCase()) s = s.toUpperCase();
  }
  if (v >= 0 && !s.startsWith("-")) {
    if (flags.includes("+")) s = "+" + s;
    else if (flags.includes(" ")) s = " " + s;
  }
  return s;
}

/** printf FORMAT [ARG ...]. */
export function printf_format(fmt: string, args: string[]): printf_result {
  let out = "";
  let err = "";
  let status = 0;
  let ai = 0;
  const nextarg = (): string | undefined => args[ai++];
  const getnum = (conv: string): bigint | number => {
    const a = nextarg();
    if (a === undefined) return /[eEfFgGaA]/.test(conv) ? 0 : 0n;
    if (a.startsWith("'") || a.startsWith('"')) {
      const code = a.length > 1 ? (a.codePointAt(1) ?? 0) : 0;
      return /[eEfFgGaA]/.test(conv) ? code : BigInt(code);
    }
    if (/[eEfFgGaA]/.test(conv)) {
      const m = /^\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf(inity)?|nan)/i.exec(a);
      if (m === null) {
        err += `printf: ${a}: expected numeric value\n`;
        status = 1;
        return 0;
      }
      if (m[0].length !== a.length) {
        err += `printf: ${a}: not completely converted\n`;
        status = 1;
      }
      return Number(m[0]);
    }
    const m = /^\s*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(a);
    if (m === null) {
      err += `printf: ${a}: expected numeric value\n`;
      status = 1;
      return 0n;
    }
    if (m[0].length !== a.length) {
      err += `printf: ${a}: not completely converted\n`;
      status = 1;
    }
    const body = m[2];
    let v = /^0[xX]/.test(body) ? BigInt(body) : body.length > 1 && body[0] === "0" ? BigInt("0o" + body.slice(1)) : BigInt(body);
    if (m[1] === "-") v = -v;
    return v;
  };
  for (;;) {
    const start_ai = ai;
    let stop = false;
    for (let i = 0; i < fmt.length && !stop; ) {
      const c = fmt[i];
      if (c === "\\") {
        const [s, n] = escape(fmt, i + 1, false);
        out += s;
        i += 1 + n;
        continue;
      }
      if (c !== "%") {
        out += c;
        i++;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(.?)/.exec(fmt.slice(i));
      if (m === null) break;
      i += m[0].length;
      const flags = m[1];
      const conv = m[4];
      if (conv === "%") {
        out += "%";
        continue;
      }
      let width = 0;
      if (m[2] === "*") width = Number(getnum("d"));
      else if (m[2] !== undefined) width = Number(m[2]);
      let prec: number | null = null;
      if (m[3] === "*") prec = Number(getnum("d"));
      else if (m[3] !== undefined) prec = Number(m[3] === "" ? 0 : m[3]);
      let fl = flags;
      if (width < 0) {
        fl += "-";
        width = -width;
      }
      switch (conv) {
        case "s": {
          let s = nextarg() ?? "";
          if (prec !== null) s = s.slice(0, prec);
          out += pad(s, fl, width, false);
          break;
        }
        case "b": {
          const a = nextarg() ?? "";
          let s = "";
          for (let j = 0; j < a.length; ) {
            if (a[j] === "\\") {
              const [t, n, st] = escape(a, j + 1, true);
              if (st) {
                stop = true;
                break;
              }
              s += t;
              j += 1 + n;
            } else s += a[j++];
          }
          if (prec !== null) s = s.slice(0, prec);
          out += pad(s, fl, width, false);
          break;
        }
        case "c": {
          const a = nextarg() ?? "";
          out += pad(a.slice(0, 1), fl, width, false);
          break;
        }
        case "d":
        case "i":
        case "o":
        case "u":
        case "x":
        case "X": {
          let v = getnum(conv) as bigint;
          let s: string;
          if (conv === "d" || conv === "i") {
            s = (v < 0n ? -v : v).toString();
            if (prec !== null) s = s.padStart(prec, "0");
            if (prec === 0 && v === 0n) s = "";
            s = (v < 0n ? "-" : fl.includes("+") ? "+" : fl.includes(" ") ? " " : "") + s;
          } else {
            if (v < 0n) v = BigInt.asUintN(64, v);
            s = v.toString(conv === "o" ? 8 : conv === "u" ? 10 : 16);
            if (conv === "X") s = s.toUpperCase();
            if (prec !== null) s = s.padStart(prec, "0");
            if (prec === 0 && v === 0n) s = "";
            if (fl.includes("#") && v !== 0n) {
              if (conv === "o" && !s.startsWith("0")) s = "0" + s;
              if (conv === "x") s = "0x" + s;
              if (conv === "X") s = "0X" + s;
            }
          }
          out += pad(s, fl, width, prec === null);
          break;
        }
        case "e":
        case "E":
        case "f":
        case "F":
        case "g":
        case "G":
        case "a":
        case "A": {
          const v = Number(getnum(conv));
          out += pad(fmt_float(v, conv === "a" ? "e" : conv === "A" ? "E" : conv, fl, prec), fl, width, true);
          break;
        }
        case "":
          err += "printf: missing format character\n";
          return { out, err, status: 1 };
        default:
          err += `printf: illegal format character ${conv}\n`;
          return { out, err, status: 1 };
      }
    }
    if (stop || ai >= args.length || ai === start_ai) break;
  }
  return { out, err, status };
}

/** printf(1) as the old interface: the output only. */
export function sh_printf(fmt: string, args: string[]): string {
  return printf_format(fmt, args).out;
}
