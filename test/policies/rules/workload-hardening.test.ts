import { renderControllerDeployment, renderDrTestCronJob } from "../../../components/controller/render";
import { drTestSchedule } from "../../../components/controller/schedule";
import { renderConfigureJob, renderLogicalBackupCronJob, renderRestoreDrillCronJob } from "../../../components/postgres/render/jobs";
import { renderOperatorValues } from "../../../components/postgres/render/operator";
import { redisStatefulSetSpec, sentinelStatefulSetSpec } from "../../../components/redis/render/workloads";
import { Res, runResource } from "../../harness/policy-run";
import { DR, settings, namespace, operatorRelease, pg, postgresqlCr, controllerInput, redisInput } from "../k8s-fixtures";

describe("workload-hardening", () => {
  const jobInput = { clusterName: "agent-pg-staging", primaryHost: "agent-pg-staging", databases: ["conversations"], bucket: "b", kmsKeyArn: "arn:k", region: "us-east-1", schedule: "0 2 * * *", verifyTables: [], labels: {} };
  const compliant: Array<[string, Res]> = [
    ["the logical backup CronJob", { type: "kubernetes:batch/v1:CronJob", name: "lb", inputs: renderLogicalBackupCronJob(jobInput) }],
    ["the restore drill CronJob", { type: "kubernetes:batch/v1:CronJob", name: "rd", inputs: renderRestoreDrillCronJob({ ...jobInput, maxAgeHours: 48 }) }],
    ["the configure Job", { type: "kubernetes:batch/v1:Job", name: "cf", inputs: renderConfigureJob({ clusterName: "agent-pg-staging", primaryHost: "h", settings: pg, roleSynchronousCommit: [], backupDatabases: ["conversations"], labels: {} }) }],
    ["a DR test CronJob", { type: "kubernetes:batch/v1:CronJob", name: "dt", inputs: renderDrTestCronJob(drTestSchedule()[0], controllerInput) }],
    ["the failover controller", { type: "kubernetes:apps/v1:Deployment", name: "fc", inputs: renderControllerDeployment(controllerInput) }],
    ["the Redis nodes", { type: "kubernetes:apps/v1:StatefulSet", name: "r", inputs: { spec: redisStatefulSetSpec(redisInput as any) } }],
    ["the Sentinels", { type: "kubernetes:apps/v1:StatefulSet", name: "s", inputs: { spec: sentinelStatefulSetSpec(redisInput as any) } }],
    ["the postgresql resource (Spilo and its exporter)", { type: "kubernetes:acid.zalan.do/v1:postgresql", name: "pg", inputs: postgresqlCr }],
    ["the operator's Helm values", operatorRelease(renderOperatorValues({ region: "us-east-1", watchedNamespace: "*", settings: pg }))],
  ];
  test.each(compliant)("compliant: %s", async (_what, r) => {
    expect(await runResource("workload-hardening", r)).toEqual({ messages: [], notApplicable: false });
  });
  test("violating: the logical backup's containers as they were (no read-only root), a pod without seccomp, a privileged container with capabilities, host networking", async () => {
    const before = renderLogicalBackupCronJob(jobInput) as any;
    const pod = before.spec.jobTemplate.spec.template.spec;
    for (const c of [...pod.initContainers, ...pod.containers]) c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
    delete pod.securityContext.seccompProfile;
    pod.hostNetwork = true;
    pod.containers[0].securityContext = { privileged: true, capabilities: { add: ["NET_ADMIN"] } };
    const r = await runResource("workload-hardening", { type: "kubernetes:batch/v1:CronJob", name: "lb", inputs: before });
    expect(r.messages).toEqual([
      expect.stringMatching(/^CronJob agent-pg-staging-logical-backup: the pod's hostNetwork is true; no RuntimeDefault \(or Localhost\) seccomp profile\. Fix: securityContext \{ runAsNonRoot: true/),
      expect.stringMatching(/container scratch-postgres: readOnlyRootFilesystem is not true\. Fix: securityContext \{ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true/),
      expect.stringMatching(/container dump: readOnlyRootFilesystem is not true/),
      expect.stringMatching(/container verify: readOnlyRootFilesystem is not true/),
      expect.stringMatching(/container upload: runs privileged; allowPrivilegeEscalation is not false; readOnlyRootFilesystem is not true; capabilities do not drop ALL; adds capabilities NET_ADMIN/),
    ]);
  });
  test("violating: a Deployment running as root without runAsNonRoot", async () => {
    const d = renderControllerDeployment(controllerInput) as any;
    d.spec.template.spec.securityContext = { runAsUser: 0 };
    const r = await runResource("workload-hardening", { type: "kubernetes:apps/v1:Deployment", name: "fc", inputs: d });
    expect(r.messages).toEqual([expect.stringMatching(/the pod's runAsNonRoot is not true; runs as uid 0; no RuntimeDefault/)]);
  });
  test("violating: Spilo as root (no spiloRunAsUser), and the operator chart's defaults", async () => {
    const { spiloRunAsUser, spiloRunAsGroup, spiloFSGroup, ...spec } = postgresqlCr.spec;
    expect([spiloRunAsUser, spiloRunAsGroup, spiloFSGroup]).toEqual([101, 103, 103]);
    expect((await runResource("workload-hardening", { type: "kubernetes:acid.zalan.do/v1:postgresql", name: "pg", inputs: { ...postgresqlCr, spec } })).messages).toEqual([
      expect.stringMatching(/^postgresql agent-pg-staging: spiloRunAsUser is not a non-root uid; spiloRunAsGroup is not set; spiloFSGroup is not set: Spilo and its sidecars run as root\. Fix: spiloRunAsUser 101/),
    ]);
    const chartDefaults = { configKubernetes: { spilo_privileged: false, spilo_allow_privilege_escalation: true }, securityContext: { runAsUser: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } };
    expect((await runResource("workload-hardening", operatorRelease(chartDefaults))).messages).toEqual([
      expect.stringMatching(/spilo_allow_privilege_escalation is not false \(the chart's default is true\); spilo_runasuser is not a non-root uid; the operator container capabilities do not drop ALL\. Fix: configKubernetes/),
    ]);
  });
  test("not applicable to other kinds and other charts", async () => {
    expect((await runResource("workload-hardening", namespace("x"))).notApplicable).toBe(true);
    expect((await runResource("workload-hardening", { ...operatorRelease({}), inputs: { chart: "ingress-nginx", values: {} } })).notApplicable).toBe(true);
  });
});
