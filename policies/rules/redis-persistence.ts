import { SENTINEL } from "../../dr/engine-facts";
import type { ObservedResource } from "../observe";
import { lastDirective, redisDirectives } from "../lib/conf-files";
import { dur } from "../lib/report";
import { objectName, TYPES } from "../lib/resources";
import { classesOn, tightestTarget } from "../lib/targets";
import { resourcePolicy } from "../lib/define";

const IN_REGION = ["instance-loss", "zone-loss"] as const;

/**
 * A restarted Redis keeps what its persistence wrote: with AOF up to the fsync interval, without
 * AOF everything since the last RDB save point. Where a class's RPO is shorter, AOF (and an fsync
 * policy within the RPO) is required.
 */
export function checkRedisPersistence(r: ObservedResource, reportRaw: (m: string) => void): void {
  const report = (m: string) => reportRaw(`ConfigMap ${objectName(r)}: ${m}`);
  const conf: string | undefined = r.inputs.data?.["redis.conf"];
  if (conf === undefined) return;
  const rpo = tightestTarget(classesOn(r), IN_REGION, "rpoSeconds");
  if (!Number.isFinite(rpo.seconds)) return;
  const d = redisDirectives(conf);
  const appendonly = (lastDirective(d, "appendonly")?.[0] ?? "no").toLowerCase() === "yes";
  const fsync = (lastDirective(d, "appendfsync")?.[0] ?? "everysec").toLowerCase() as keyof typeof SENTINEL.appendfsyncLossSeconds;
  // `save ""` clears the save points; each later `save <seconds> <changes>` adds one.
  const saves = (d.get("save") ?? []).reduce<number[]>((acc, args) => (args[0] === "" || args.length === 0 ? [] : [...acc, Number(args[0])]), []);
  const rdbGap = saves.length > 0 ? Math.max(...saves) : Infinity;
  const who = `${rpo.dataClass} (${rpo.scenario} RPO ${dur(rpo.seconds)})`;
  if (!appendonly) {
    if (rdbGap > rpo.seconds) {
      report(`Redis AOF: appendonly is off, so a restart loses everything since the last RDB save (${Number.isFinite(rdbGap) ? `up to ${dur(rdbGap)}` : "no save points: everything"}), more than ${who} allows. Fix: appendonly yes (remove redis.overrides.appendonly: false).`);
    }
    return;
  }
  const loss = SENTINEL.appendfsyncLossSeconds[fsync];
  if (loss === undefined) {
    report(`Redis appendfsync ${JSON.stringify(fsync)} is not one of always, everysec, no.`);
  } else if (loss > rpo.seconds) {
    report(`Redis AOF: appendfsync ${fsync} can lose up to ${dur(loss)} on restart, more than ${who} allows. Fix: redis.overrides.appendfsync everysec (or always).`);
  }
}

export const redisPersistence = resourcePolicy({
  name: "redis-persistence",
  description: "Redis runs AOF with an fsync policy inside the RPO wherever RDB snapshots alone would lose more than the RPO.",
  severity: "high",
  skip: (r) => (r.type === TYPES.configMap && r.inputs.data?.["redis.conf"] !== undefined ? undefined : "only ConfigMaps holding redis.conf"),
  check: checkRedisPersistence,
});
