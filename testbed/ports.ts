/**
 * Loopback ports of the drills: all in 22000-22999, below Linux's ephemeral range (32768+) so an
 * outgoing connection can never hold a port a server needs on restart (patroni-drill.md pitfall 13).
 *
 * A process started with AGENT_DR_DRILL_PORT_BASE=<n> (the benchmark's --port-base, for a test
 * that runs beside the drill suite) uses the compact layout of drillPorts(n) instead: every port
 * within n .. n+69.
 */
export interface DrillPorts {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  /** Patroni REST API of member i is patroniRest + i. */
  readonly patroniRest: number;
  /** PostgreSQL of member i is postgres + i. */
  readonly postgres: number;
  /** The fresh instance a point-in-time restore starts. */
  readonly pitr: number;
  /** s3rver, the storage behind the policy front. */
  readonly s3: number;
  /** The S3 policy front (TLS): the endpoint every drill client talks to. */
  readonly s3Front: number;
  /** redis-server i is redis + i; sentinel i is sentinel + i. */
  readonly redis: number;
  readonly sentinel: number;
}

const DEFAULT_PORTS: DrillPorts = {
  etcdClient: 22379,
  etcdPeer: 22380,
  patroniRest: 22008,
  postgres: 22432,
  pitr: 22440,
  s3: 22568,
  s3Front: 22569,
  redis: 22637,
  sentinel: 22737,
};

/** The ports for a base (compact: base .. base+69, up to 5 PostgreSQL members), or the default layout. */
export function drillPorts(base?: number): DrillPorts {
  if (base === undefined) return DEFAULT_PORTS;
  if (!Number.isInteger(base) || base < 1024 || base + 69 > 32767) throw new Error(`drill port base ${base}: expected a whole number from 1024 to 32698 (below the ephemeral range)`);
  return { etcdClient: base, etcdPeer: base + 1, patroniRest: base + 10, postgres: base + 20, pitr: base + 30, s3: base + 40, s3Front: base + 41, redis: base + 50, sentinel: base + 60 };
}

/** Every port a drill run may listen on (5 PostgreSQL members, 3 Redis nodes and Sentinels). */
export function allDrillPorts(p: DrillPorts): number[] {
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  return [p.etcdClient, p.etcdPeer, ...range(p.patroniRest, 5), ...range(p.postgres, 5), p.pitr, p.s3, p.s3Front, ...range(p.redis, 3), ...range(p.sentinel, 3)];
}

/**
 * The environment variable the testbed reads its port base from: the drills' layout above, and
 * the base of a real-server test's topology (testPortBase), so that a test can run beside another
 * engineer's suite on a range of its own. Meant for one process (one drill run, one test file) at
 * a time: two files given the same base would share their ports.
 */
export const PORT_BASE_ENV = "AGENT_DR_DRILL_PORT_BASE";

function envBase(): number | undefined {
  const v = process.env[PORT_BASE_ENV];
  return v === undefined || v === "" ? undefined : Number(v);
}

/** A real-server test's base port: its own (fileDefault) unless PORT_BASE_ENV moves it. */
export function testPortBase(fileDefault: number): number {
  const base = envBase() ?? fileDefault;
  if (!Number.isInteger(base) || base < 1024 || base + 100 > 32767) throw new Error(`${PORT_BASE_ENV} ${base}: expected a whole number from 1024 to 32667 (below the ephemeral range)`);
  return base;
}

export const PORTS: DrillPorts = drillPorts(envBase());
