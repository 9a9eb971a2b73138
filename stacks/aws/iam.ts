/** IAM policy documents as plain JSON (no `getPolicyDocument` lookups, so previews stay offline). */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: Readonly<Record<string, string | readonly string[]>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[] | boolean>>>>;
}

export function policyJson(statements: readonly Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** Assume-role policy for an AWS service principal such as `eks.amazonaws.com`. */
export function serviceAssumeRole(service: string): string {
  return policyJson([{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }]);
}

/** What an IRSA role needs from the cluster's OIDC provider. */
export interface OidcIdentity {
  readonly providerArn: pulumi.Input<string>;
  /** Issuer URL without the scheme (`oidc.eks.<region>.amazonaws.com/id/<id>`). */
  readonly issuer: pulumi.Input<string>;
}

/**
 * An IAM role assumable only by one Kubernetes ServiceAccount (IRSA).
 * https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
export function serviceAccountRole(
  name: string,
  oidc: OidcIdentity,
  namespace: string,
  serviceAccount: string,
  tags: Readonly<Record<string, string>>,
  opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
  const assumeRolePolicy = pulumi.all([oidc.providerArn, oidc.issuer]).apply(([arn, issuer]) =>
    policyJson([
      {
        Effect: 'Allow',
        Principal: { Federated: arn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${issuer}:aud`]: 'sts.amazonaws.com' } },
      },
    ]),
  );
  return new aws.iam.Role(name, { assumeRolePolicy, tags }, opts);
}

export function attachManaged(name: string, role: aws.iam.Role, policyArns: readonly string[], opts: pulumi.CustomResourceOptions): void {
  for (const policyArn of policyArns) {
    const short = policyArn.split('/').pop() ?? policyArn;
    new aws.iam.RolePolicyAttachment(`${name}-${short}`, { role: role.name, policyArn }, opts);
  }
}
