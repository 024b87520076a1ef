/**
 * Loopback ports of the drills: all in 22000-22999, below Linux's ephemeral range (32768+) so an
 * outgoing connection can never hold a port a server needs on restart (patroni-drill.md pitfall 13).
 */
export const PORTS = {
  etcdClient: 22379,
  etcdPeer: 22380,
  /** Patroni REST API of member i is patroniRest + i. */
  patroniRest: 22008,
  /** PostgreSQL of member i is postgres + i. */
  postgres: 22432,
  /** The fresh instance a point-in-time restore starts. */
  pitr: 22440,
  /** s3rver, the storage behind the policy front. */
  s3: 22568,
  /** The S3 policy front (TLS): the endpoint every drill client talks to. */
  s3Front: 22569,
  /** redis-server i is redis + i; sentinel i is sentinel + i. */
  redis: 22637,
  sentinel: 22737,
} as const;
