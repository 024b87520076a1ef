/**
 * Policies of the encrypted alarm topic. CloudWatch can publish to an SSE topic only when the key's
 * policy lets cloudwatch.amazonaws.com generate data keys; the AWS managed alias/aws/sns key can not
 * be changed, so each alarm region gets its own customer managed key. Both grants are limited to
 * alarms of this account.
 */

export function alarmKeyPolicy(partition: string, account: string, region: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        // The account keeps control of its key through IAM (the default key policy statement).
        Sid: "AccountAdministersKey",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsEncryptNotifications",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      },
    ],
  };
}

export function alarmTopicPolicy(partition: string, account: string, region: string, topicArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": account },
          ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
        },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** AWS tag values allow letters, digits, spaces and _ . : / = + - @ only. */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, " ").replace(/\s+/g, " ").trim().slice(0, 256);
}
