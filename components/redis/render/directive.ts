/**
 * One line of a redis.conf / sentinel.conf. Redis splits lines on spaces and honours double
 * quotes (sdssplitargs), so a value with a space, quote or control character is quoted and escaped.
 */
export function directive(name: string, ...args: Array<string | number>): string {
  return [name, ...args.map(arg)].join(" ");
}

function arg(v: string | number): string {
  const s = String(v);
  if (s === "") return '""';
  if (/^[A-Za-z0-9._:@/*+,=-]+$/.test(s)) return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}

/**
 * Where and how one redis-server or redis-sentinel process runs. The defaults are the pod's; the
 * drills and the tests pass loopback ports and temporary directories so the same rendering runs locally.
 */
export interface ServerOptions {
  /** TCP port (default the server's: 6379 for Redis, 26379 for Sentinel). `0` renders a file that only parses (the `--port 0` check). */
  port?: number;
  /** `bind` addresses (default `* -::*`: every IPv4 and IPv6 address, the latter optional). Use `127.0.0.1` locally. */
  bind?: string;
  /**
   * Working directory (default `/data`, the pod's volume): Redis keeps its AOF and RDB files there,
   * Sentinel its rewritten config. Must exist when the server starts.
   */
  dir?: string;
  /** Log file; empty (the default) logs to stdout, which Kubernetes collects. */
  logfile?: string;
  /** PID file (default none). */
  pidfile?: string;
  /** Fork into the background (default false: the container's main process is the server). */
  daemonize?: boolean;
}

/** The `port` and `bind` lines of a server's config. */
export function listenDirectives(opts: ServerOptions, defaultPort: number): string[] {
  return [directive("port", opts.port ?? defaultPort), directive("bind", ...(opts.bind ?? "* -::*").split(" "))];
}

/** The process lines of a server's config: `daemonize`, `pidfile` (if any), `logfile`, `dir`. */
export function processDirectives(opts: ServerOptions): string[] {
  return [
    directive("daemonize", opts.daemonize ? "yes" : "no"),
    ...(opts.pidfile ? [directive("pidfile", opts.pidfile)] : []),
    directive("logfile", opts.logfile ?? ""),
    directive("dir", opts.dir ?? "/data"),
  ];
}
