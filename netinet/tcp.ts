// sys/netinet/tcp.h: the TCP header and its options on the wire, the
// IPPROTO_TCP socket option numbers and struct tcp_info.
//
// Like struct ip in ip.ts, struct tcphdr is not an object here: TCPH_x is the
// byte offset of field th_x, and code reads and writes the header in place
// in the mbuf (`m.m_dv.getInt32(off + TCPH_SEQ)`), so nothing is allocated
// per segment.  The accessors below take the mbuf and the offset of the
// TCP header within m_buf (mtod(m) + the IP header length).

import type { mbuf } from "../kern/mbuf.ts";

/** tcp_seq: a 32-bit sequence number, kept as an int32 in a JS number
 *  (read with getInt32, wrapped with `| 0`: see tcp_seq.ts). */
export type tcp_seq = number;
export type tcp_cc = number;

// struct tcphdr: TCPH_x = offsetof(struct tcphdr, th_x).
export const TCPH_SPORT = 0;
export const TCPH_DPORT = 2;
export const TCPH_SEQ = 4;
export const TCPH_ACK = 8;
/** th_off (high nibble: data offset in words) and th_x2 (low nibble: the
 *  reserved bits, of which the lowest is AE, RFC 9768's AccECN bit). */
export const TCPH_OFFX2 = 12;
export const TCPH_FLAGS = 13;
export const TCPH_WIN = 14;
export const TCPH_SUM = 16;
export const TCPH_URP = 18;
/** sizeof(struct tcphdr). */
export const TCP_HDRLEN = 20;

// th_flags.
export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TH_URG = 0x20;
export const TH_ECE = 0x40;
export const TH_CWR = 0x80;
/** The AE bit, carried in th_x2 (tcp_get_flags puts it at 0x100). */
export const TH_AE = 0x100;
export const TH_RES3 = 0x200;
export const TH_RES2 = 0x400;
export const TH_RES1 = 0x800;
export const TH_FLAGS = TH_FIN | TH_SYN | TH_RST | TH_PUSH | TH_ACK | TH_URG | TH_ECE | TH_CWR;
export const PRINT_TH_FLAGS = "\x20\x01FIN\x02SYN\x03RST\x04PUSH\x05ACK\x06URG\x07ECE\x08CWR\x09AE";

// Options.
export const TCPOPT_EOL = 0;
export const TCPOLEN_EOL = 1;
export const TCPOPT_PAD = 0;
export const TCPOLEN_PAD = 1;
export const TCPOPT_NOP = 1;
export const TCPOLEN_NOP = 1;
export const TCPOPT_MAXSEG = 2;
export const TCPOLEN_MAXSEG = 4;
export const TCPOPT_WINDOW = 3;
export const TCPOLEN_WINDOW = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOLEN_SACK_PERMITTED = 2;
export const TCPOPT_SACK = 5;
export const TCPOLEN_SACKHDR = 2;
export const TCPOLEN_SACK = 8;
export const TCPOPT_TIMESTAMP = 8;
export const TCPOLEN_TIMESTAMP = 10;
export const TCPOLEN_TSTAMP_APPA = TCPOLEN_TIMESTAMP + 2;
export const TCPOPT_SIGNATURE = 19;
export const TCPOLEN_SIGNATURE = 18;
export const TCPOPT_FAST_OPEN = 34;
export const TCPOLEN_FAST_OPEN_EMPTY = 2;

export const MAX_TCPOPTLEN = 40;

/** Most SACK blocks we remember, and most we send in one segment. */
export const MAX_SACK_BLKS = 6;
export const TCP_MAX_SACK = 4;

/** Default MSS, and the IPv6 one (1280 - 40 - 20). */
export const TCP_MSS = 536;
export const TCP6_MSS = 1220;
/** Lower bound on the MSS (net.inet.tcp.minmss). */
export const TCP_MINMSS = 216;
export const TCP_MAXWIN = 65535;
export const TTCP_CLIENT_SND_WND = 4096;
export const TCP_MAX_WINSHIFT = 14;
export const TCP_MAXBURST = 4;
export const TCP_MAXHLEN = 0xf << 2;
export const TCP_MAXOLEN = TCP_MAXHLEN - TCP_HDRLEN;

export const TCP_FASTOPEN_MIN_COOKIE_LEN = 4;
export const TCP_FASTOPEN_MAX_COOKIE_LEN = 16;

// IPPROTO_TCP socket options.
export const TCP_NODELAY = 1;
export const TCP_MAXSEG = 2;
export const TCP_NOPUSH = 4;
export const TCP_NOOPT = 8;
export const TCP_MD5SIG = 16;
export const TCP_INFO = 32;
export const TCP_STATS = 33;
export const TCP_LOG = 34;
export const TCP_LOGBUF = 35;
export const TCP_LOGID = 36;
export const TCP_LOGDUMP = 37;
export const TCP_LOGDUMPID = 38;
export const TCP_TXTLS_ENABLE = 39;
export const TCP_TXTLS_MODE = 40;
export const TCP_RXTLS_ENABLE = 41;
export const TCP_RXTLS_MODE = 42;
export const TCP_IWND_NB = 43;
export const TCP_IWND_NSEG = 44;
export const TCP_LOGID_CNT = 46;
export const TCP_LOG_TAG = 47;
export const TCP_USER_LOG = 48;
export const TCP_CONGESTION = 64;
export const TCP_CCALGOOPT = 65;
export const TCP_MAXUNACKTIME = 68;
export const TCP_MAXPEAKRATE = 69;
export const TCP_IDLE_REDUCE = 70;
export const TCP_REMOTE_UDP_ENCAPS_PORT = 71;
export const TCP_DELACK = 72;
export const TCP_FIN_IS_RST = 73;
export const TCP_LOG_LIMIT = 74;
export const TCP_SHARED_CWND_ALLOWED = 75;
export const TCP_PROC_ACCOUNTING = 76;
export const TCP_USE_CMP_ACKS = 77;
export const TCP_PERF_INFO = 78;
export const TCP_LRD = 79;
export const TCP_KEEPINIT = 128;
export const TCP_KEEPIDLE = 256;
export const TCP_KEEPINTVL = 512;
export const TCP_KEEPCNT = 1024;
export const TCP_FASTOPEN = 1025;
export const TCP_PCAP_OUT = 2048;
export const TCP_PCAP_IN = 4096;
export const TCP_FUNCTION_BLK = 8192;
export const TCP_FUNCTION_ALIAS = 8193;

/** Longest congestion-control algorithm name, NUL included. */
export const TCP_CA_NAME_MAX = 16;
export const TCP_FUNCTION_NAME_LEN_MAX = 32;
export const TCP_LOG_ID_LEN = 64;

// tcpi_options.
export const TCPI_OPT_TIMESTAMPS = 0x01;
export const TCPI_OPT_SACK = 0x02;
export const TCPI_OPT_WSCALE = 0x04;
export const TCPI_OPT_ECN = 0x08;
export const TCPI_OPT_TOE = 0x10;
export const TCPI_OPT_TFO = 0x20;
export const TCPI_OPT_ACE = 0x40;

/**
 * struct tcp_info (what getsockopt(TCP_INFO) returns), the fields FreeBSD
 * fills; the __ ones (Linux compatibility) stay zero.  TCPI_* below are
 * the byte offsets of the C structure (sizeof 240 on amd64).
 */
export class tcp_info {
  tcpi_state = 0;
  tcpi_options = 0;
  tcpi_snd_wscale = 0;
  tcpi_rcv_wscale = 0;
  /** Retransmit timeout, microseconds. */
  tcpi_rto = 0;
  tcpi_snd_mss = 0;
  tcpi_rcv_mss = 0;
  /** Microseconds since data was last received. */
  tcpi_last_data_recv = 0;
  /** Smoothed RTT and its variance, microseconds. */
  tcpi_rtt = 0;
  tcpi_rttvar = 0;
  tcpi_snd_ssthresh = 0;
  tcpi_snd_cwnd = 0;
  tcpi_rcv_space = 0;
  tcpi_snd_wnd = 0;
  tcpi_snd_bwnd = 0;
  tcpi_snd_nxt = 0;
  tcpi_rcv_nxt = 0;
  tcpi_toe_tid = 0;
  tcpi_snd_rexmitpack = 0;
  tcpi_rcv_ooopack = 0;
  tcpi_snd_zerowin = 0;
  tcpi_delivered_ce = 0;
  tcpi_received_ce = 0;
  tcpi_total_tlp = 0;
  tcpi_total_tlp_bytes = 0;
  tcpi_snd_una = 0;
  tcpi_snd_max = 0;
  tcpi_rcv_numsacks = 0;
  tcpi_rcv_adv = 0;
  tcpi_dupacks = 0;
}

export const TCPI_STATE = 0;
export const TCPI_OPTIONS = 5;
/** tcpi_snd_wscale (low nibble) and tcpi_rcv_wscale (high nibble). */
export const TCPI_WSCALE = 6;
export const TCPI_RTO = 8;
export const TCPI_SND_MSS = 16;
export const TCPI_RCV_MSS = 20;
export const TCPI_LAST_DATA_RECV = 52;
export const TCPI_RTT = 68;
export const TCPI_RTTVAR = 72;
export const TCPI_SND_SSTHRESH = 76;
export const TCPI_SND_CWND = 80;
export const TCPI_RCV_SPACE = 96;
export const TCPI_SND_WND = 100;
export const TCPI_SND_BWND = 104;
export const TCPI_SND_NXT = 108;
export const TCPI_RCV_NXT = 112;
export const TCPI_TOE_TID = 116;
export const TCPI_SND_REXMITPACK = 120;
export const TCPI_RCV_OOOPACK = 124;
export const TCPI_SND_ZEROWIN = 128;
export const TCPI_DELIVERED_CE = 132;
export const TCPI_RECEIVED_CE = 136;
export const TCPI_TOTAL_TLP = 164;
/** A u_int64_t (little-endian, as amd64 lays it out). */
export const TCPI_TOTAL_TLP_BYTES = 168;
export const TCPI_SND_UNA = 176;
export const TCPI_SND_MAX = 180;
export const TCPI_RCV_NUMSACKS = 184;
export const TCPI_RCV_ADV = 188;
export const TCPI_DUPACKS = 192;
export const TCP_INFO_LEN = 240;

// ---------------------------------------------------------------------------
// Header accessors: `o` is the offset of the TCP header in m.m_buf.

export function th_sport(m: mbuf, o: number): number {
  return m.m_dv.getUint16(o + TCPH_SPORT);
}
export function th_dport(m: mbuf, o: number): number {
  return m.m_dv.getUint16(o + TCPH_DPORT);
}
export function th_seq(m: mbuf, o: number): tcp_seq {
  return m.m_dv.getInt32(o + TCPH_SEQ);
}
export function th_ack(m: mbuf, o: number): tcp_seq {
  return m.m_dv.getInt32(o + TCPH_ACK);
}
/** th_off: the header length in 32-bit words. */
export function th_off(m: mbuf, o: number): number {
  return m.m_buf[o + TCPH_OFFX2] >>> 4;
}
export function th_win(m: mbuf, o: number): number {
  return m.m_dv.getUint16(o + TCPH_WIN);
}
export function th_sum(m: mbuf, o: number): number {
  return m.m_dv.getUint16(o + TCPH_SUM);
}
export function th_urp(m: mbuf, o: number): number {
  return m.m_dv.getUint16(o + TCPH_URP);
}

/** tcp_get_flags(th): th_flags with the AE bit of th_x2 at 0x100. */
export function tcp_get_flags(m: mbuf, o: number): number {
  return m.m_buf[o + TCPH_FLAGS] | ((m.m_buf[o + TCPH_OFFX2] & 0x0f) << 8);
}

/** tcp_set_flags(th, flags): th_flags and th_x2 from a 12-bit value. */
export function tcp_set_flags(m: mbuf, o: number, flags: number): void {
  m.m_buf[o + TCPH_FLAGS] = flags & 0xff;
  m.m_buf[o + TCPH_OFFX2] = (m.m_buf[o + TCPH_OFFX2] & 0xf0) | ((flags >>> 8) & 0x0f);
}

export function th_set_sport(m: mbuf, o: number, v: number): void {
  m.m_dv.setUint16(o + TCPH_SPORT, v);
}
export function th_set_dport(m: mbuf, o: number, v: number): void {
  m.m_dv.setUint16(o + TCPH_DPORT, v);
}
export function th_set_seq(m: mbuf, o: number, v: tcp_seq): void {
  m.m_dv.setUint32(o + TCPH_SEQ, v >>> 0);
}
export function th_set_ack(m: mbuf, o: number, v: tcp_seq): void {
  m.m_dv.setUint32(o + TCPH_ACK, v >>> 0);
}
/** Set th_off (words) keeping th_x2. */
export function th_set_off(m: mbuf, o: number, words: number): void {
  m.m_buf[o + TCPH_OFFX2] = (words << 4) | (m.m_buf[o + TCPH_OFFX2] & 0x0f);
}
export function th_set_win(m: mbuf, o: number, v: number): void {
  m.m_dv.setUint16(o + TCPH_WIN, v);
}
export function th_set_sum(m: mbuf, o: number, v: number): void {
  m.m_dv.setUint16(o + TCPH_SUM, v);
}
export function th_set_urp(m: mbuf, o: number, v: number): void {
  m.m_dv.setUint16(o + TCPH_URP, v);
}

/**
 * A C pointer to header bytes (`struct tcphdr *th`, `void *ipgen`): the
 * buffer the bytes live in (an mbuf's m_buf, or a template's bytes) and the
 * offset of the header in it.  Callers keep one per call site and re-aim it
 * with set(), so passing a header pointer allocates nothing.
 */
export class hdrptr {
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(this.buf.buffer);
  off = 0;
  set(buf: Uint8Array, dv: DataView, off: number): this {
    this.buf = buf;
    this.dv = dv;
    this.off = off;
    return this;
  }
  /** Aim at offset `off` of m's storage. */
  setm(m: mbuf, off: number): this {
    this.buf = m.m_buf;
    this.dv = m.m_dv;
    this.off = off;
    return this;
  }
}
