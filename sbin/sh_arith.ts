// bin/sh/arith_yacc.c, arith_yylex.c: $(( )) arithmetic.  Signed 64-bit
// integers (intmax_t) with C's operators and precedence: assignment
// operators, ?:, || &&, | ^ &, comparisons, shifts, + - * / %, unary
// + - ! ~; decimal, octal (0...) and hex (0x...) constants; variables by
// name, whose values are read as constants (unset or empty is 0).

export class arith_error extends Error {}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

type atok = { t: "num"; v: bigint } | { t: "var"; v: string } | { t: "op"; v: string } | { t: "end" };

const OPS = ["<<=", ">>=", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "=", "&", "^", "|", "!", "~", "?", ":", "(", ")"];

function parse_const(s: string): bigint | null {
  const t = s.trim();
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (m === null) return null;
  const body = m[2];
  let v: bigint;
  if (/^0[xX]/.test(body)) v = BigInt(body);
  else if (body.length > 1 && body[0] === "0") v = BigInt("0o" + body.slice(1));
  else v = BigInt(body);
  return wrap(m[1] === "-" ? -v : v);
}

function lex(expr: string): atok[] {
  const out: atok[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === " " || c === "\t" || c === "\n") {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(expr.slice(i));
      const s = m === null ? c : m[0];
      const v = parse_const(s);
      if (v === null || /^[A-Za-z_]/.test(expr.slice(i + s.length))) throw new arith_error("syntax error");
      out.push({ t: "num", v });
      i += s.length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
      const s = m === null ? c : m[0];
      out.push({ t: "var", v: s });
      i += s.length;
      continue;
    }
    const op = OPS.find((o) => expr.startsWith(o, i));
    if (op === undefined) throw new arith_error("syntax error");
    out.push({ t: "op", v: op });
    i += op.length;
  }
  out.push({ t: "end" });
  return out;
}

const BINPREC: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "|": 3,
  "^": 4,
  "&": 5,
  "==": 6,
  "!=": 6,
  "<": 7,
  ">": 7,
  "<=": 7,
  ">=": 7,
  "<<": 8,
  ">>": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};

function binop(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "|":
      return a | b;
    case "^":
      return a ^ b;
    case "&":
      return a & b;
    case "==":
      return a === b ? 1n : 0n;
    case "!=":
      return a !== b ? 1n : 0n;
    case "<":
      return a < b ? 1n : 0n;
    case ">":
      return a > b ? 1n : 0n;
    case "<=":
      return a <= b ? 1n : 0n;
    case ">=":
      return a >= b ? 1n : 0n;
    case "<<":
      return wrap(a << (b & 63n));
    case ">>":
      return a >> (b & 63n);
    case "+":
      return wrap(a + b);
    case "-":
      return wrap(a - b);
    case "*":
      return wrap(a * b);
    case "/":
    case "%":
      if (b === 0n) throw new arith_error("division by zero");
      if (a === -(2n ** 63n) && b === -1n) return op === "/" ? a : 0n;
      return op === "/" ? a / b : a % b;
  }
  throw new arith_error("syntax error");
}

/**
 * Evaluate an expression (already parameter-expanded).  get returns a
 * variable's value (undefined when unset); set assigns one.
 */
export function arith_eval(expr: string, get: (name: string) => string | undefined, set: (name: string, v: string) => void): bigint {
  const toks = lex(expr);
  let p = 0;
  const peek = () => toks[p];
  const isop = (v: string) => {
    const t = toks[p];
    return t.t === "op" && t.v === v;
  };
  const lookup = (name: string, noeval: boolean): bigint => {
    if (noeval) return 0n;
    const s = get(name);
    if (s === undefined || s === "") return 0n;
    const v = parse_const(s);
    if (v === null) throw new arith_error("variable conversion error");
    return v;
  };
  const primary = (noeval: boolean): bigint => {
    const t = toks[p++];
    if (t.t === "num") return t.v;
    if (t.t === "var") return lookup(t.v, noeval);
    if (t.t === "op") {
      switch (t.v) {
        case "(": {
          const v = assign(noeval);
          if (!isop(")")) throw new arith_error("expecting ')'");
          p++;
          return v;
        }
        case "-":
          return wrap(-primary(noeval));
        case "+":
          return primary(noeval);
        case "!":
          return primary(noeval) === 0n ? 1n : 0n;
        case "~":
          return ~primary(noeval);
      }
    }
    throw new arith_error("syntax error");
  };
  const binary = (minprec: number, noeval: boolean): bigint => {
    let a = primary(noeval);
    for (;;) {
      const t = peek();
      if (t.t !== "op") return a;
      const prec = BINPREC[t.v];
      if (prec === undefined || prec < minprec) return a;
      p++;
      if (t.v === "&&") {
        const b = binary(prec + 1, noeval || a === 0n);
        a = a !== 0n && b !== 0n ? 1n : 0n;
      } else if (t.v === "||") {
        const b = binary(prec + 1, noeval || a !== 0n);
        a = a !== 0n || b !== 0n ? 1n : 0n;
      } else {
        const b = binary(prec + 1, noeval);
        a = noeval ? 0n : binop(t.v, a, b);
      }
    }
  };
  const cond = (noeval: boolean): bigint => {
    const c = binary(1, noeval);
    if (!isop("?")) return c;
    p++;
    const a = assign(noeval || c === 0n);
    if (!isop(":")) throw new arith_error("expecting ':'");
    p++;
    const b = cond(noeval || c !== 0n);
    return c !== 0n ? a : b;
  };
  const assign = (noeval: boolean): bigint => {
    const t = peek();
    const u = toks[p + 1];
    if (t.t === "var" && u.t === "op" && /^([-+*/%&^|]|<<|>>)?=$/.test(u.v)) {
      p += 2;
      const rhs = assign(noeval);
      if (noeval) return 0n;
      const v = u.v === "=" ? rhs : binop(u.v.slice(0, -1), lookup(t.v, false), rhs);
      set(t.v, v.toString());
      return v;
    }
    return cond(noeval);
  };
  if (toks.length === 1) return 0n;
  const v = assign(false);
  if (peek().t !== "end") throw new arith_error("syntax error");
  return v;
}

/** $(( )) for callers that want a number (the old interface). */
export function sh_arith(expr: string, get: (name: string) => string): number {
  return Number(arith_eval(expr, get, () => {}));
}
