// usr.sbin/tcpdump's -w, for every interface at once: the `--pcap DIR` of
// `virtnet run` and `virtnet kernel`.  Every interface of every vnet gets a
// streaming bpf listener (net/bpf.ts) as it attaches, also after a move to
// another vnet.  A file, DIR/<jail or host>-<ifname>.pcap, is created when
// its interface carries its first packet; an interface that carries nothing
// leaves no file.  Records reach the file whenever a listener's store
// buffer fills, every second of real time, and at the end (exit, ^C,
// SIGTERM), always as whole records after the header, so a file is a valid
// capture whenever it is read, and the last second is what a SIGKILL loses.
//
// The bytes are those the kernel wrote into its buffers: the same run with
// the same seed gives the same files.

import fs from "node:fs";
import path from "node:path";
import { allprison, prison0 } from "../kern/kern_jail.ts";
import { bpf_attach_event, bpf_close_capture, bpf_open_stream, bpf_stream_flush, pcap_file_header, type bpf_d, type bpf_stream_reader } from "../net/bpf.ts";
import type { ifnet } from "../net/if.ts";
import { vnet_name, type vnet } from "../net/vnet.ts";

/** How often, in real milliseconds, the buffered records are written. */
export const PCAP_FLUSH_MS = 1000;

interface capture {
  d: bpf_d;
  v: vnet;
  ifname: string;
  fd: number | null;
}

export class pcap_spool implements bpf_stream_reader {
  private readonly captures = new Map<bpf_d, capture>();
  /** Vnets' names in file names: the jail's name, or "host". */
  private readonly labels = new Map<vnet, string>();
  private readonly used = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly hook = (ifp: ifnet): void => this.attach(ifp);
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly log: (s: string) => void,
  ) {}

  /** Start listening on every interface attached from now on: call it
   *  before kern_boot so that the host's lo0 is heard too. */
  start(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    bpf_attach_event.push(this.hook);
    this.timer = setInterval(() => this.flush(), PCAP_FLUSH_MS);
    this.timer.unref();
  }

  /**
   * A jail's lo0 attaches while its vnet is being made, before the prison
   * points at it, so names are learnt whenever an interface attaches and
   * when a file is about to be named.
   */
  private labels_learn(): void {
    this.labels.set(prison0.pr_vnet, "host");
    for (const pr of allprison) if (pr.pr_vnet !== prison0.pr_vnet && !this.labels.has(pr.pr_vnet)) this.labels.set(pr.pr_vnet, pr.pr_name);
  }

  private attach(ifp: ifnet): void {
    if (this.closed) return;
    this.labels_learn();
    const d = bpf_open_stream(ifp, this);
    if (d !== null) this.captures.set(d, { d, v: ifp.if_vnet, ifname: ifp.if_xname, fd: null });
  }

  br_begin(d: bpf_d): void {
    const c = this.captures.get(d);
    if (c === undefined) return;
    this.labels_learn();
    const label = this.labels.get(c.v) ?? vnet_name(c.v);
    let base = `${label}-${c.ifname}`;
    for (let n = 2; this.used.has(base); n++) base = `${label}-${c.ifname}.${n}`;
    this.used.add(base);
    const file = path.join(this.dir, `${base}.pcap`);
    try {
      c.fd = fs.openSync(file, "w");
      fs.writeSync(c.fd, pcap_file_header(d));
    } catch (e) {
      this.log(`virtnet: ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      c.fd = null;
    }
  }

  br_read(d: bpf_d, records: Uint8Array): void {
    const c = this.captures.get(d);
    if (c === undefined || c.fd === null) return;
    try {
      let off = 0;
      while (off < records.length) off += fs.writeSync(c.fd, records, off, records.length - off);
    } catch (e) {
      this.log(`virtnet: ${c.ifname}: writing the capture: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      fs.closeSync(c.fd);
      c.fd = null;
    }
  }

  /** Write what every listener holds. */
  flush(): void {
    for (const c of this.captures.values()) bpf_stream_flush(c.d);
  }

  /** The last flush; the files are closed and nothing more is captured
   *  by listeners attached later. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const i = bpf_attach_event.indexOf(this.hook);
    if (i >= 0) bpf_attach_event.splice(i, 1);
    for (const c of this.captures.values()) {
      bpf_close_capture(c.d);
      if (c.fd !== null) fs.closeSync(c.fd);
      c.fd = null;
    }
  }
}
