import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BucketAccess, irsaTrustPolicy, OidcProvider, PolicyDocument } from "./iam-documents";

export interface IrsaRoleInput {
  /** Logical resource name. */
  name: string;
  roleName: string;
  description: string;
  oidc: OidcProvider;
  namespace: string;
  serviceAccount: string;
  /** The bucket, key and prefix the role works on, and the policy built from them. */
  access: pulumi.Input<BucketAccess>;
  policy: (a: BucketAccess) => PolicyDocument;
  tags: Record<string, string>;
}

/**
 * An IAM role for one Kubernetes ServiceAccount (IRSA) with one inline policy. The inline policy is
 * a separate RolePolicy (the Role's inlinePolicies argument is deprecated in v7).
 */
export function createIrsaRole(i: IrsaRoleInput, parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(
    i.name,
    {
      name: i.roleName,
      description: i.description,
      assumeRolePolicy: JSON.stringify(irsaTrustPolicy(i.oidc, i.namespace, i.serviceAccount)),
      tags: i.tags,
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${i.name}-policy`,
    { role: role.name, name: `${i.roleName}-s3`, policy: pulumi.output(i.access).apply((a) => JSON.stringify(i.policy(a))) },
    { parent },
  );
  return role;
}
