import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CLONE_ENV_ALLOWED, CLONE_SPEC_FIELDS, POSTGRESQL_SPEC_FIELDS } from "../../components/controller/admission";
import { renderControllerAdmission, renderDrTestsAdmission } from "../../components/controller/render";
import { renderReplicationService } from "../../components/postgres/render/network";
import { renderCloneManifest } from "../../runbooks/executors/kubernetes/clone-manifest";
import { drTestCloneName } from "../../contract/postgres";
import { validateK8sObject } from "../harness/k8s-validate";
import { DR, namespace, pg, postgresqlCr, controllerInput } from "./k8s-fixtures";

describe("the admission policies", () => {
  const objects = [...renderDrTestsAdmission(controllerInput), ...renderControllerAdmission(controllerInput)];
  test("are valid Kubernetes 1.33 objects, fail closed, and each binding denies", () => {
    for (const o of objects) expect(validateK8sObject({ type: `kubernetes:${o.apiVersion}:${o.kind}`, name: o.metadata.name, inputs: o } as any)).toEqual([]);
    for (const p of objects.filter((o) => o.kind === "ValidatingAdmissionPolicy")) expect(p.spec.failurePolicy).toBe("Fail");
    for (const b of objects.filter((o) => o.kind === "ValidatingAdmissionPolicyBinding")) expect(b.spec.validationActions).toEqual(["Deny"]);
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`).sort()).toEqual([
      "ValidatingAdmissionPolicy agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-jobs-from-cronjob",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-postgresql-promotion-only",
      "ValidatingAdmissionPolicy agent-dr-agent-dr-restore-test-clone",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-evictions",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-jobs-from-cronjob",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-postgresql-promotion-only",
      "ValidatingAdmissionPolicyBinding agent-dr-agent-dr-restore-test-clone",
    ]);
  });
  test("know every spec field of the vendored postgresql CRD, so a field the clone or the promotion patch may not set can not slip past", () => {
    const crd = YAML.parse(fs.readFileSync(path.resolve(__dirname, "../../schemas/postgresql.acid.zalan.do.crd.yaml"), "utf8"));
    expect([...POSTGRESQL_SPEC_FIELDS].sort()).toEqual(Object.keys(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties).sort());
  });
  test("admit the clone the runbook renders: its fields and its environment are on the allow-lists", () => {
    const source = { metadata: { name: "agent-pg-staging", namespace: "agent-dr" }, spec: postgresqlCr.spec };
    const clone = renderCloneManifest(source, { region: "primary", source: "agent-pg-staging", name: drTestCloneName("agent-pg-staging"), targetTime: "2026-11-26T10:00:00Z" }, { bucket: "b", region: "us-east-1", roleArn: "arn:aws:iam::1:role/w" });
    expect(Object.keys(clone.spec).filter((k) => !(CLONE_SPEC_FIELDS as readonly string[]).includes(k))).toEqual([]);
    expect(clone.spec.env.map((e: any) => e.name).filter((n: string) => !(CLONE_ENV_ALLOWED as readonly string[]).includes(n))).toEqual([]);
    expect(clone.spec.env.every((e: any) => e.valueFrom === undefined)).toBe(true);
  });
  test("the replication load balancer without source ranges is refused, naming the key, the value and what is expected", () => {
    expect(() => renderReplicationService({ clusterName: "agent-pg-prod", host: "h.example.internal", sourceRanges: [], labels: {} })).toThrow(
      /agent-dr:postgres\.standby\.peerCidrs: got \[\]; expected the DR cluster's pod CIDRs \(e\.g\. \["10\.20\.0\.0\/16"\]\) as the replication load balancer's loadBalancerSourceRanges/,
    );
  });
});
