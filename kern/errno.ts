// sys/sys/errno.h: the error numbers the kernel returns. Inside the kernel an
// error is a number, as in FreeBSD; 0 means success.

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const ENOEXEC = 8;
export const EBADF = 9;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const EFBIG = 27;
export const ENOSPC = 28;
export const EPIPE = 32;
export const EDOM = 33;
export const ERANGE = 34;
export const EAGAIN = 35;
export const EWOULDBLOCK = EAGAIN;
export const EINPROGRESS = 36;
export const EALREADY = 37;
export const ENOTSOCK = 38;
export const EDESTADDRREQ = 39;
export const EMSGSIZE = 40;
export const EPROTOTYPE = 41;
export const ENOPROTOOPT = 42;
export const EPROTONOSUPPORT = 43;
export const ESOCKTNOSUPPORT = 44;
export const EOPNOTSUPP = 45;
export const EPFNOSUPPORT = 46;
export const EAFNOSUPPORT = 47;
export const EADDRINUSE = 48;
export const EADDRNOTAVAIL = 49;
export const ENETDOWN = 50;
export const ENETUNREACH = 51;
export const ENETRESET = 52;
export const ECONNABORTED = 53;
export const ECONNRESET = 54;
export const ENOBUFS = 55;
export const EISCONN = 56;
export const ENOTCONN = 57;
export const ETIMEDOUT = 60;
export const ECONNREFUSED = 61;
export const ELOOP = 62;
export const ENAMETOOLONG = 63;
export const EHOSTDOWN = 64;
export const EHOSTUNREACH = 65;
export const ENOSYS = 78;
export const ENOATTR = 87;

/** strerror(3) texts, as libc prints them. */
const errmsg: Record<number, string> = {
  0: "No error: 0",
  [EPERM]: "Operation not permitted",
  [ENOENT]: "No such file or directory",
  [ESRCH]: "No such process",
  [EINTR]: "Interrupted system call",
  [EIO]: "Input/output error",
  [ENXIO]: "Device not configured",
  [E2BIG]: "Argument list too long",
  [ENOEXEC]: "Exec format error",
  [EBADF]: "Bad file descriptor",
  [ENOMEM]: "Cannot allocate memory",
  [EACCES]: "Permission denied",
  [EFAULT]: "Bad address",
  [EBUSY]: "Device busy",
  [EEXIST]: "File exists",
  [ENODEV]: "Operation not supported by device",
  [ENOTDIR]: "Not a directory",
  [EISDIR]: "Is a directory",
  [EINVAL]: "Invalid argument",
  [ENFILE]: "Too many open files in system",
  [EMFILE]: "Too many open files",
  [EFBIG]: "File too large",
  [ENOSPC]: "No space left on device",
  [EPIPE]: "Broken pipe",
  [EDOM]: "Numerical argument out of domain",
  [ERANGE]: "Result too large",
  [EAGAIN]: "Resource temporarily unavailable",
  [EINPROGRESS]: "Operation now in progress",
  [EALREADY]: "Operation already in progress",
  [ENOTSOCK]: "Socket operation on non-socket",
  [EDESTADDRREQ]: "Destination address required",
  [EMSGSIZE]: "Message too long",
  [EPROTOTYPE]: "Protocol wrong type for socket",
  [ENOPROTOOPT]: "Protocol not available",
  [EPROTONOSUPPORT]: "Protocol not supported",
  [ESOCKTNOSUPPORT]: "Socket type not supported",
  [EOPNOTSUPP]: "Operation not supported",
  [EPFNOSUPPORT]: "Protocol family not supported",
  [EAFNOSUPPORT]: "Address family not supported by protocol family",
  [EADDRINUSE]: "Address already in use",
  [EADDRNOTAVAIL]: "Can't assign requested address",
  [ENETDOWN]: "Network is down",
  [ENETUNREACH]: "Network is unreachable",
  [ENETRESET]: "Network dropped connection on reset",
  [ECONNABORTED]: "Software caused connection abort",
  [ECONNRESET]: "Connection reset by peer",
  [ENOBUFS]: "No buffer space available",
  [EISCONN]: "Socket is already connected",
  [ENOTCONN]: "Socket is not connected",
  [ETIMEDOUT]: "Operation timed out",
  [ECONNREFUSED]: "Connection refused",
  [ELOOP]: "Too many levels of symbolic links",
  [ENAMETOOLONG]: "File name too long",
  [EHOSTDOWN]: "Host is down",
  [EHOSTUNREACH]: "No route to host",
  [ENOSYS]: "Function not implemented",
  [ENOATTR]: "Attribute not found",
};

export function strerror(error: number): string {
  return errmsg[error] ?? `Unknown error: ${error}`;
}
