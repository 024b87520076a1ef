/**
 * The rendered redis.conf / sentinel.conf against the real redis-server and redis-sentinel
 * (`--port 0`: parse, then exit without listening), the settings checks, and shellcheck of the
 * start scripts. Wall time about 2-4 s.
 */
import { spawnSync } from "child_process";
import fc from "fast-check";
import * as path from "path";
import { checkConfWithServer } from "../../testbed/redis/conf-check";
import { directive } from "../../components/redis/render/directive";
import { renderRedisConf } from "../../components/redis/render/redis-conf";
import { renderSentinelConf } from "../../components/redis/render/sentinel-conf";
import { deriveSettings, RedisSettings } from "../../dr/settings";
import { ConfigError, parseStackConfig } from "../../dr/targets";
import { observeRedis } from "../../policies/observe/redis";
import { REDIS_SCRIPTS } from "../../components/redis/scripts";

function settingsWith(overrides: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): RedisSettings {
  const config = parseStackConfig({ regions: { primary: "us-east-1" }, environment: "prod", redis: { overrides, ...extra } }, "prod");
  return deriveSettings(config).redis!;
}

const K8S_PRIMARY = "agent-redis-0.agent-redis-headless.agent-dr.svc.cluster.local";

/** The settings observeRedis reads back from a ConfigMap holding these two files. */
function readBack(redisConf: string, sentinelConf: string, s: RedisSettings): RedisSettings {
  const cm = { type: "kubernetes:core/v1:ConfigMap", name: "c", inputs: { metadata: { labels: { "agent-dr/config": "redis" } }, data: { "redis.conf": redisConf, "sentinel.conf": sentinelConf } } };
  const sts = (role: string, replicas: number) => ({ type: "kubernetes:apps/v1:StatefulSet", name: role, inputs: { spec: { replicas, selector: { matchLabels: { "agent-dr/redis-role": role } } } } });
  return observeRedis([cm, sts("redis", s.replicas), sts("sentinel", s.sentinels)])!;
}

describe("redis.conf", () => {
  it("carries every derived setting and is accepted by the real redis-server", () => {
    const s = settingsWith();
    const conf = renderRedisConf(s, { dataClasses: ["session_state"] });
    for (const line of [
      "appendonly yes",
      "appendfsync everysec",
      "auto-aof-rewrite-percentage 100",
      "auto-aof-rewrite-min-size 64mb",
      "save 300 100",
      "save 60 10000",
      "min-replicas-to-write 1",
      "min-replicas-max-lag 10",
      "dir /data",
    ]) {
      expect(conf.split("\n")).toContain(line);
    }
    const check = checkConfWithServer(conf, "redis");
    expect(check.error).toBeUndefined();
    expect(check.ok).toBe(true);
  });

  it("renders loopback options (port, bind, dir, pidfile) for the drills", () => {
    const conf = renderRedisConf(settingsWith(), { port: 21190, bind: "127.0.0.1", dir: "/tmp/x", pidfile: "/tmp/x/r.pid", daemonize: true });
    expect(conf).toMatch(/^port 21190$/m);
    expect(conf).toMatch(/^bind 127\.0\.0\.1$/m);
    expect(conf).toMatch(/^dir \/tmp\/x$/m);
    expect(conf).toMatch(/^pidfile \/tmp\/x\/r\.pid$/m);
    expect(conf).toMatch(/^daemonize yes$/m);
    expect(checkConfWithServer(conf, "redis").ok).toBe(true);
  });

  it("carries the overrides: appendonly off, fsync always, other lag", () => {
    const s = settingsWith({ appendonly: false, appendfsync: "always", minReplicasMaxLagSeconds: 4 });
    const conf = renderRedisConf(s);
    expect(conf).toMatch(/^appendonly no$/m);
    expect(conf).toMatch(/^appendfsync always$/m);
    expect(conf).toMatch(/^min-replicas-max-lag 4$/m);
    expect(checkConfWithServer(conf, "redis").ok).toBe(true);
  });
});

describe("sentinel.conf", () => {
  it("monitors agent-redis with the quorum and timings, and is accepted by the real redis-sentinel (hostname not resolvable here)", () => {
    const s = settingsWith();
    const conf = renderSentinelConf(s, { primaryHost: K8S_PRIMARY });
    const lines = conf.split("\n");
    expect(lines).toContain(`sentinel monitor agent-redis ${K8S_PRIMARY} 6379 2`);
    expect(lines).toContain("sentinel down-after-milliseconds agent-redis 5000");
    expect(lines).toContain("sentinel failover-timeout agent-redis 30000");
    expect(lines).toContain("sentinel parallel-syncs agent-redis 1");
    // resolve-hostnames must come first, or the monitor line's hostname is refused.
    expect(lines.indexOf("sentinel resolve-hostnames yes")).toBeLessThan(lines.findIndex((l) => l.startsWith("sentinel monitor")));
    expect(lines).toContain("sentinel announce-hostnames yes");
    const check = checkConfWithServer(conf, "sentinel");
    expect(check.error).toBeUndefined();
    expect(check.ok).toBe(true);
  });

  it("without resolve-hostnames the same hostname is refused, so the ordering above matters", () => {
    const conf = renderSentinelConf(settingsWith(), { primaryHost: K8S_PRIMARY, hostnames: false });
    const check = checkConfWithServer(conf, "sentinel");
    expect(check.ok).toBe(false);
    expect(check.error).toMatch(/sentinel monitor agent-redis .*resolve/i);
  });
});

describe("the validator catches a mis-rendered file, naming the line and directive", () => {
  it.each([
    ["redis", "appendfsync sometimes", /'appendfsync sometimes'.*one of the following: everysec, always, no/],
    ["redis", "min-replicas-to-wirte 1", /'min-replicas-to-wirte 1'.*Bad directive/],
    ["redis", "auto-aof-rewrite-min-size 64 mb", /'auto-aof-rewrite-min-size 64 mb'.*wrong number of arguments/],
    ["sentinel", "sentinel paralel-syncs agent-redis 1", /'sentinel paralel-syncs agent-redis 1'.*Unrecognized sentinel configuration statement/],
    ["sentinel", "sentinel down-after-milliseconds mymaster 5000", /No such master with specified name/],
  ] as const)("%s: %s", (kind, bad, message) => {
    const s = settingsWith();
    const good = kind === "redis" ? renderRedisConf(s) : renderSentinelConf(s, { primaryHost: "127.0.0.1" });
    const check = checkConfWithServer(`${good}${bad}\n`, kind);
    expect(check.ok).toBe(false);
    expect(check.error).toMatch(/^line \d+: /);
    expect(check.error).toMatch(message);
  });
});

describe("overrides cannot inject directives", () => {
  // Every Redis override is a typed number, boolean or enum; no free-form directive exists. A value
  // carrying a second directive is refused by config validation, naming the key.
  it.each([
    ["appendfsync", "everysec\nreplicaof 10.0.0.9 6379"],
    ["downAfterMilliseconds", "5000\nsentinel monitor evil 10.0.0.9 6379 1"],
    ["appendonly", "yes"],
  ])("%s = %j is refused with the key named", (key, value) => {
    expect(() => settingsWith({ [key]: value })).toThrow(ConfigError);
    expect(() => settingsWith({ [key]: value })).toThrow(new RegExp(`agent-dr:redis\\.overrides\\.${key}`));
  });

  it("a raw-directive override key does not exist", () => {
    expect(() => settingsWith({ extraDirectives: ["rename-command CONFIG ''"] })).toThrow(/agent-dr:redis\.overrides/);
  });

  it.each([
    [{ quorum: 4 }, {}, /agent-dr:redis\.overrides\.quorum: got 4; expected at most the number of Sentinels \(3\)/],
    [{ minReplicasToWrite: 3 }, {}, /agent-dr:redis\.overrides\.minReplicasToWrite: got 3; expected at most replicas - 1 \(2\)/],
    [{ failoverTimeoutMilliseconds: 2000, downAfterMilliseconds: 5000 }, {}, /agent-dr:redis\.overrides\.failoverTimeoutMilliseconds: got 2000/],
  ])("settings that would stop Redis or Sentinel are refused before rendering: %j", (overrides, extra, message) => {
    const s = settingsWith(overrides, extra);
    expect(() => renderRedisConf(s)).toThrow(message);
    expect(() => renderSentinelConf(s, { primaryHost: "127.0.0.1" })).toThrow(message);
  });

  it("quotes arguments that hold spaces or quotes, as redis-server splits them", () => {
    expect(directive("logfile", "")).toBe('logfile ""');
    expect(directive("dir", "/var/lib/a b")).toBe('dir "/var/lib/a b"');
    expect(directive("x", 'a"b\nc')).toBe('x "a\\"b\\nc"');
  });
});

describe("every valid override combination renders files the real servers accept and the observer reads back", () => {
  it("holds for sampled overrides", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            appendonly: fc.boolean(),
            appendfsync: fc.constantFrom("always", "everysec", "no"),
            downAfterMilliseconds: fc.integer({ min: 100, max: 60_000 }),
            minReplicasToWrite: fc.integer({ min: 0, max: 2 }),
            minReplicasMaxLagSeconds: fc.integer({ min: 1, max: 3600 }),
            quorum: fc.integer({ min: 2, max: 3 }),
          },
          { requiredKeys: [] },
        ),
        (overrides) => {
          const s = settingsWith({ ...overrides, failoverTimeoutMilliseconds: 120_000 });
          const redisConf = renderRedisConf(s);
          const sentinelConf = renderSentinelConf(s, { primaryHost: K8S_PRIMARY });
          expect(checkConfWithServer(redisConf, "redis").error).toBeUndefined();
          expect(checkConfWithServer(sentinelConf, "sentinel").error).toBeUndefined();
          expect(readBack(redisConf, sentinelConf, s)).toEqual(s);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("start scripts", () => {
  // -x follows each script's `. lib.sh` (shellcheck source=lib.sh), so the library is checked as they use it, and alone.
  it.each([...REDIS_SCRIPTS])("%s is shellcheck-clean as POSIX sh", (file) => {
    const dir = path.resolve(__dirname, "../../components/redis/scripts");
    const r = spawnSync("shellcheck", ["-x", "-s", "sh", "-f", "gcc", path.join(dir, file)], { encoding: "utf8", cwd: dir });
    if (r.error) throw new Error(`shellcheck could not run: ${r.error.message}`);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
  });
});
