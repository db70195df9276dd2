// sys/kern/subr_prf.c, sys/kern/subr_msgbuf.c: the kernel's printf into the
// message buffer that dmesg(8) reads, and panic().

const MSGBUF_SIZE = 96 * 1024;
let msgbuf = "";
let console_hook: ((s: string) => void) | null = null;

/** Kernel printf: text goes to the message buffer (and the console if one
 *  is attached). Callers format with template strings. */
export function printf(s: string): void {
  msgbuf += s;
  if (msgbuf.length > MSGBUF_SIZE) msgbuf = msgbuf.slice(msgbuf.length - MSGBUF_SIZE);
  if (console_hook !== null) console_hook(s);
}

/** log(9): same destination here (no syslogd). */
export function log(_level: number, s: string): void {
  printf(s);
}

export function msgbuf_read(): string {
  return msgbuf;
}

export function msgbuf_clear(): void {
  msgbuf = "";
}

export function cnattach(hook: ((s: string) => void) | null): void {
  console_hook = hook;
}

/**
 * What panic(9) throws: the simulated kernel stopped, as a real one would,
 * on a broken invariant.  A named class, so that a test or the daemon can
 * tell a kernel panic from any other exception (`e instanceof kernel_panic`).
 */
export class kernel_panic extends Error {
  override readonly name = "kernel_panic";
  /** panic's message, without the "panic: " prefix. */
  readonly panicstr: string;
  constructor(msg: string) {
    super(`panic: ${msg}`);
    this.panicstr = msg;
  }
}

/** panic(9): a kernel invariant was broken; this is a bug, so it throws. */
export function panic(msg: string): never {
  printf(`panic: ${msg}\n`);
  throw new kernel_panic(msg);
}

/** KASSERT(9), always compiled in: the simulator is its own INVARIANTS kernel. */
export function KASSERT(cond: boolean, msg: string): asserts cond {
  if (!cond) panic(msg);
}
