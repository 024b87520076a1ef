import type { ObservedResource } from "../observe";
import { num, objectName, TYPES } from "../lib/resources";
import { classesOn } from "../lib/targets";
import { typePolicy } from "../lib/define";

const IN_REGION = ["instance-loss", "zone-loss"] as const;

export function checkSynchronousMode(r: ObservedResource, reportRaw: (m: string) => void): void {
  const report = (m: string) => reportRaw(`postgresql ${objectName(r)}: ${m}`);
  const spec = r.inputs.spec ?? {};
  // A standby cluster replicates from another cluster; synchronous mode applies once it is promoted.
  if (spec.standby) return;
  const rpo0 = classesOn(r).filter((c) => IN_REGION.some((s) => c.targets[s].rpoSeconds === 0));
  if (rpo0.length === 0) return;
  const names = rpo0.map((c) => c.name).join(", ");
  const instances = num(spec.numberOfInstances);
  if (Number.isFinite(instances) && instances < 2) {
    // With one instance the derivation leaves synchronous mode off: more instances is the one change that helps.
    report(`synchronous replication needs a standby: numberOfInstances is ${instances} while ${names} need${rpo0.length > 1 ? "" : "s"} RPO 0, so an instance loss loses acknowledged commits. Fix: set postgres.instances to at least 2 (synchronous mode is then derived on).`);
    return;
  }
  if (spec.patroni?.synchronous_mode !== true) {
    report(
      `synchronous replication: ${names} ha${rpo0.length > 1 ? "ve" : "s"} RPO 0 on instance and zone loss, but spec.patroni.synchronous_mode is ${JSON.stringify(spec.patroni?.synchronous_mode ?? "unset")}: an asynchronous failover loses acknowledged commits. Fix: set postgres.overrides.synchronousMode to true (or remove the override: it is derived on for RPO 0).`,
    );
  }
}

export const postgresSynchronousMode = typePolicy(TYPES.postgresql, checkSynchronousMode, {
  name: "postgres-synchronous-mode",
  severity: "critical",
  description: "A PostgreSQL cluster serving a class with RPO 0 (instance or zone loss) runs Patroni synchronous_mode with a standby.",
});
