/** ARNs follow the region's partition, from the AWS SDK's partition data rather than name prefixes. */
import { bucketArn, partitionOf } from "../../components/backup/names";
import { route53ControllerPolicy } from "../../components/controller/iam";

test.each([
  ["us-east-1", "aws"],
  ["eu-central-2", "aws"],
  ["cn-northwest-1", "aws-cn"],
  ["us-gov-west-1", "aws-us-gov"],
  ["us-iso-east-1", "aws-iso"],
  ["us-isob-east-1", "aws-iso-b"],
])("%s is in partition %s", (region, partition) => {
  expect(partitionOf(region)).toBe(partition);
  expect(bucketArn("b", region)).toBe(`arn:${partition}:s3:::b`);
});

test("the controller's Route53 policy names its partition", () => {
  const resources = route53ControllerPolicy("Z1", "aws-cn").Statement.flatMap((s) => s.Resource ?? []);
  expect(resources).toEqual(["arn:aws-cn:route53:::hostedzone/Z1", "arn:aws-cn:route53:::healthcheck/*"]);
  expect(JSON.stringify(route53ControllerPolicy("Z1"))).not.toContain("arn:aws-cn");
});
