import type { PolicyDocument } from "../backup/iam-documents";

/**
 * What the controller may do in Route53: read the failover records of its zone, read health
 * checks and their status, and invert the primary check to force a failover (and undo that).
 */
export function route53ControllerPolicy(zoneId: string, partition = "aws"): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadFailoverRecords", Effect: "Allow", Action: ["route53:ListResourceRecordSets"], Resource: [`arn:${partition}:route53:::hostedzone/${zoneId}`] },
      {
        Sid: "ReadAndInvertHealthChecks",
        Effect: "Allow",
        Action: ["route53:GetHealthCheck", "route53:GetHealthCheckStatus", "route53:UpdateHealthCheck"],
        Resource: [`arn:${partition}:route53:::healthcheck/*`],
      },
    ],
  };
}
