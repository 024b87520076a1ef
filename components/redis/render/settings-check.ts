import type { RedisSettings } from "../../../dr/settings/types";
import { ConfigError, ConfigProblem } from "../../../dr/targets/errors";

const key = (k: string) => `agent-dr:redis.${k}`;

/**
 * Combinations the schema can not see but Redis and Sentinel would turn into an outage: a primary
 * that refuses every write, or a Sentinel set that can never reach quorum. Throws ConfigError
 * naming the key, the value and what would work.
 */
export function checkRedisSettings(s: RedisSettings): void {
  const problems: ConfigProblem[] = [];
  if (s.quorum > s.sentinels) {
    problems.push({ key: key("overrides.quorum"), value: s.quorum, expected: `expected at most the number of Sentinels (${s.sentinels}); a larger quorum can never agree that the primary is down` });
  }
  if (s.minReplicasToWrite > s.replicas - 1) {
    problems.push({
      key: key("overrides.minReplicasToWrite"),
      value: s.minReplicasToWrite,
      expected: `expected at most replicas - 1 (${s.replicas - 1}); the primary would refuse every write for want of replicas`,
    });
  }
  if (s.failoverTimeoutMilliseconds <= s.downAfterMilliseconds) {
    problems.push({
      key: key("overrides.failoverTimeoutMilliseconds"),
      value: s.failoverTimeoutMilliseconds,
      expected: `expected more than down-after-milliseconds (${s.downAfterMilliseconds}); a failover must have time to finish before it is retried`,
    });
  }
  for (const [i, [sec, changes]] of s.save.entries()) {
    if (!Number.isInteger(sec) || sec < 1 || !Number.isInteger(changes) || changes < 1) {
      problems.push({ key: key(`save[${i}]`), value: [sec, changes], expected: "expected [seconds >= 1, changes >= 1] as integers" });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
