/**
 * What the drills must reach on this kind of machine (issue #7, "Targets to reach"). They are
 * tighter than the data classes' published targets; a drill holds the tighter of the two.
 */
export const DRILL_TARGETS = {
  /** Patroni node loss with prod-derived settings, median over runs. */
  postgresNodeLossRtoSeconds: 22,
  /** Graceful stop / planned switchover: write unavailability. */
  postgresSwitchoverRtoSeconds: 3,
  /** Redis primary loss: down-after-milliseconds + this. */
  redisRtoSlackSeconds: 3,
  /** WAL archive lag: archive_timeout + this. */
  archiveLagSlackSeconds: 5,
} as const;

export const DRILL_TARGETS_SOURCE = "issue #7 targets";
