// sbin/libxo.ts: xo_emit's field descriptors, the three styles from one
// format string, --libxo's option parsing, and (fast-check) that JSON and XML
// always carry the numbers the text shows.
import test from "ava";
import fc from "fast-check";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

let kp: Promise<Kernel> | null = null;
const kernel = () => (kp ??= loadKernelUnbooted("vimage"));

/** A handle of the given --libxo spec ("" for text) writing into a string. */
function handle(k: Kernel, spec: string) {
  const o = { s: "" };
  const xo = new k.xo_handle({ write: (x: string) => void (o.s += x) });
  if (spec !== "") {
    const e = k.xo_set_options(xo, spec);
    if (e !== null) throw new Error(e);
  }
  return { xo, o };
}

/** netstat's shape: statistics { udp { values } } with notes and a title. */
function emit_sample(xo: InstanceType<Kernel["xo_handle"]>, vals: number[]) {
  xo.xo_open_container("statistics");
  xo.xo_open_container("udp");
  xo.xo_emit("{T:/%s}:\n", "udp");
  vals.forEach((v, i) => xo.xo_emit(`\t{:field-${i}/%ju} {N:/datagram%s received}\n`, v, v !== 1 ? "s" : ""));
  xo.xo_close_container("udp");
  xo.xo_close_container("statistics");
  xo.xo_finish();
}

test("xo_emit: text shows labels, notes and values; XML and JSON only the values, by name", async (t) => {
  const k = await kernel();
  const text = handle(k, "");
  emit_sample(text.xo, [0, 1, 7]);
  t.is(text.o.s, "udp:\n\t0 datagrams received\n\t1 datagram received\n\t7 datagrams received\n");

  const xml = handle(k, "xml,pretty");
  emit_sample(xml.xo, [0, 1, 7]);
  t.is(
    xml.o.s,
    "<statistics>\n  <udp>\n    <field-0>0</field-0>\n    <field-1>1</field-1>\n    <field-2>7</field-2>\n  </udp>\n</statistics>\n",
  );

  const json = handle(k, "json");
  emit_sample(json.xo, [0, 1, 7]);
  t.deepEqual(JSON.parse(json.o.s), { statistics: { udp: { "field-0": 0, "field-1": 1, "field-2": 7 } } });
  t.is(json.o.s, '{"statistics": {"udp": {"field-0":0,"field-1":1,"field-2":7}}}\n');
});

test("xo_emit: modifiers e (encoding only), d (display only), k, q; escapes; lists and instances", async (t) => {
  const k = await kernel();
  const run = (spec: string) => {
    const { xo, o } = handle(k, spec);
    xo.xo_open_container("top");
    for (const [n, c] of [["a/b", 3], ["c", 4]] as const) {
      xo.xo_open_instance("item");
      xo.xo_emit("{ke:name/%s}{d:name/%-5s}|{:count/%ju}|{q:quoted/%u} {{x}} {N:broadcast\\/multicast}\n", n, n, c, c);
      xo.xo_close_instance("item");
    }
    xo.xo_close_list("item");
    xo.xo_close_container("top");
    xo.xo_finish();
    return o.s;
  };
  t.is(run(""), "a/b  |3|3 {x} broadcast/multicast\nc    |4|4 {x} broadcast/multicast\n");
  t.deepEqual(JSON.parse(run("json,pretty")), {
    top: { item: [{ name: "a/b", count: 3, quoted: "3" }, { name: "c", count: 4, quoted: "4" }] },
  });
  // XML: a list adds no element of its own, its instances do.
  t.is(
    run("xml,pretty"),
    "<top>\n  <item>\n    <name>a/b</name>\n    <count>3</count>\n    <quoted>3</quoted>\n  </item>\n" +
      "  <item>\n    <name>c</name>\n    <count>4</count>\n    <quoted>4</quoted>\n  </item>\n</top>\n",
  );
});

test("xo_printf: widths, precision, stars, %#x, (null)", async (t) => {
  const k = await kernel();
  t.is(k.xo_printf("%-*.*s|%5ju|%05d|%#x|%x|%s", [4, 2, "abcdef", 42, 7, 255, 0, null]).s, "ab  |   42|00007|0xff|0|(null)");
});

test("xo_parse_args: --libxo SPEC, --libxo=SPEC, --libxo:XP leave the rest of argv; bad options are refused", async (t) => {
  const k = await kernel();
  const mk = () => new k.xo_handle({ write: () => {} });
  let xo = mk();
  let r = k.xo_parse_args(xo, ["netstat", "-s", "--libxo", "json,pretty", "-p", "udp"]);
  t.deepEqual(r, { argv: ["netstat", "-s", "-p", "udp"], error: null });
  t.is(xo.xo_style, k.XO_STYLE_JSON);
  t.true(xo.pretty);
  xo = mk();
  r = k.xo_parse_args(xo, ["netstat", "--libxo=xml", "-rn"]);
  t.deepEqual(r.argv, ["netstat", "-rn"]);
  t.is(xo.xo_style, k.XO_STYLE_XML);
  t.false(xo.pretty);
  xo = mk();
  r = k.xo_parse_args(xo, ["netstat", "--libxo:XP", "-rn"]);
  t.is(xo.xo_style, k.XO_STYLE_XML);
  t.true(xo.pretty);
  r = k.xo_parse_args(mk(), ["netstat", "--libxo", "yaml"]);
  t.regex(r.error ?? "", /yaml/);
  r = k.xo_parse_args(mk(), ["netstat", "--libxo"]);
  t.not(r.error, null);
});

test("property: JSON parses and XML holds the same numbers as the text, whatever the values and names", async (t) => {
  const k = await kernel();
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
  fc.assert(
    fc.property(fc.array(fc.tuple(name, fc.nat({ max: 2 ** 40 })), { minLength: 1, maxLength: 12 }), fc.boolean(), (fields, pretty) => {
      // Names must be unique in one object for the JSON comparison.
      const uniq = [...new Map(fields).entries()];
      const emit = (spec: string) => {
        const { xo, o } = handle(k, spec);
        xo.xo_open_container("statistics");
        for (const [n, v] of uniq) xo.xo_emit(`\t{:${n}/%ju} {N:/thing%s}\n`, v, v !== 1 ? "s" : "");
        xo.xo_close_container("statistics");
        xo.xo_finish();
        return o.s;
      };
      const text = emit("");
      const textnums = [...text.matchAll(/^\t(\d+) /gm)].map((m) => Number(m[1]));
      const json = JSON.parse(emit(pretty ? "json,pretty" : "json")) as { statistics: Record<string, number> };
      const xml = emit(pretty ? "xml,pretty" : "xml");
      const xmlnums = [...xml.matchAll(/<([a-z0-9-]+)>(\d+)<\/\1>/g)].map((m) => Number(m[2]));
      return (
        JSON.stringify(Object.values(json.statistics)) === JSON.stringify(textnums) &&
        JSON.stringify(Object.keys(json.statistics)) === JSON.stringify(uniq.map(([n]) => n)) &&
        JSON.stringify(xmlnums) === JSON.stringify(textnums)
      );
    }),
    { seed: 13, numRuns: 200 },
  );
  t.pass();
});

test("xo_emit: an encoding format formats the same arguments as the field format", async (t) => {
  const k = await kernel();
  const run = (spec: string) => {
    const { xo, o } = handle(k, spec);
    xo.xo_open_container("s");
    xo.xo_emit("{:protocol/%-3.3s%-2.2s/%s%s} {:next/%u}|\n", "udp", "6", 7);
    xo.xo_close_container("s");
    xo.xo_finish();
    return o.s;
  };
  t.is(run(""), "udp6  7|\n");
  t.deepEqual(JSON.parse(run("json")), { s: { protocol: "udp6", next: 7 } });
});

test("xo_message: text and XML carry the note (a newline added when the format has none), JSON drops it", async (t) => {
  const k = await kernel();
  const out = (spec: string, fmt: string, ...args: string[]) => {
    const { xo, o } = handle(k, spec);
    xo.xo_open_container("statistics");
    xo.xo_message(fmt, ...args);
    xo.xo_close_container("statistics");
    xo.xo_finish();
    return o.s;
  };
  t.is(out("", "%s: no stats routine", "divert"), "divert: no stats routine\n");
  t.is(out("", "already ended\n"), "already ended\n");
  t.is(out("xml", "%s: a <b> & c", "x"), "<statistics><message>x: a &lt;b&gt; &amp; c\n</message></statistics>\n");
  t.is(out("xml,pretty", "%s: no PCB routine", "arp"), "<statistics>\n  <message>arp: no PCB routine\n</message>\n</statistics>\n");
  t.is(out("json", "%s: no stats routine", "divert"), '{"statistics": {}}\n');
});
