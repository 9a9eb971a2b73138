/**
 * Karpenter provisions the workload nodes: its IAM (node role with an EC2_LINUX access entry,
 * controller role via IRSA), the chart (CRDs included) on the system nodes, then one
 * EC2NodeClass and one NodePool, created after the chart so their CRDs exist.
 * https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { EksClusterConfig } from '../config.js';
import { attachManaged, policyJson, serviceAccountRole, serviceAssumeRole, type OidcIdentity } from './iam.js';

export interface KarpenterArgs {
  readonly config: EksClusterConfig['karpenter'];
  readonly clusterName: pulumi.Input<string>;
  readonly oidc: OidcIdentity;
  readonly subnetIds: pulumi.Input<string[]>;
  readonly securityGroupId: pulumi.Input<string>;
  /** KMS key of the node volumes. */
  readonly volumeKeyArn: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  readonly tags: Readonly<Record<string, string>>;
  /** Resources the chart must wait for (the system node group). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

const NAMESPACE = 'kube-system';
const NODE_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
];

/** NodePool requirements: capacity types per the environment's `spot` flag. */
export function nodePoolRequirements(config: EksClusterConfig['karpenter']): { key: string; operator: 'In'; values: string[] }[] {
  return [
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: config.spot ? ['spot', 'on-demand'] : ['on-demand'] },
    { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: [...config.instanceCategories] },
    { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
  ];
}

export class Karpenter extends pulumi.ComponentResource {
  readonly nodeRole: aws.iam.Role;
  readonly release: k8s.helm.v3.Release;
  readonly nodeClass: k8s.apiextensions.CustomResource;
  readonly nodePool: k8s.apiextensions.CustomResource;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:aws:Karpenter', name, {}, opts);
    const { tags } = args;
    const child = { parent: this };

    this.nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: serviceAssumeRole('ec2.amazonaws.com'), tags }, child);
    attachManaged(`${name}-node`, this.nodeRole, NODE_POLICIES, child);
    const nodeAccess = new aws.eks.AccessEntry(`${name}-node`, { clusterName: args.clusterName, principalArn: this.nodeRole.arn, type: 'EC2_LINUX', tags }, child);

    const controllerRole = serviceAccountRole(`${name}-controller`, args.oidc, NAMESPACE, 'karpenter', tags, child);
    new aws.iam.RolePolicy(`${name}-controller`, {
      role: controllerRole.name,
      policy: this.nodeRole.arn.apply((nodeRoleArn) =>
        policyJson([
          {
            Effect: 'Allow',
            Action: ['ec2:CreateFleet', 'ec2:RunInstances', 'ec2:CreateLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:CreateTags', 'ec2:TerminateInstances', 'ec2:Describe*', 'pricing:GetProducts', 'ssm:GetParameter', 'eks:DescribeCluster'],
            Resource: '*',
          },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: nodeRoleArn },
          { Effect: 'Allow', Action: ['iam:CreateInstanceProfile', 'iam:TagInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:ListInstanceProfiles'], Resource: '*' },
        ]),
      ),
    }, child);

    this.release = new k8s.helm.v3.Release(`${name}`, {
      name: 'karpenter',
      chart: 'oci://public.ecr.aws/karpenter/karpenter',
      version: args.config.version,
      namespace: NAMESPACE,
      values: {
        settings: { clusterName: args.clusterName },
        serviceAccount: { name: 'karpenter', annotations: { 'eks.amazonaws.com/role-arn': controllerRole.arn } },
        // Karpenter must not run on the nodes it manages.
        nodeSelector: { 'debug-host.io/pool': 'system' },
        controller: { resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } } },
      },
    }, { parent: this, provider: args.provider, dependsOn: [nodeAccess, ...(args.dependsOn ?? [])] });

    const crOpts = { parent: this, provider: args.provider, dependsOn: [this.release] };
    this.nodeClass = new k8s.apiextensions.CustomResource(`${name}-default`, {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'default' },
      spec: {
        role: this.nodeRole.name,
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        subnetSelectorTerms: pulumi.output(args.subnetIds).apply((ids) => ids.map((id) => ({ id }))),
        securityGroupSelectorTerms: [{ id: args.securityGroupId }],
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Gi', volumeType: 'gp3', encrypted: true, kmsKeyID: args.volumeKeyArn } }],
        tags,
      },
    }, crOpts);
    this.nodePool = new k8s.apiextensions.CustomResource(`${name}-workloads`, {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'workloads' },
      spec: {
        template: {
          metadata: { labels: { 'debug-host.io/pool': 'workloads' } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
            requirements: nodePoolRequirements(args.config),
            expireAfter: '720h',
          },
        },
        limits: { cpu: String(args.config.cpuLimit) },
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' },
      },
    }, { ...crOpts, dependsOn: [this.release, this.nodeClass] });
    this.registerOutputs({ nodeRoleArn: this.nodeRole.arn });
  }
}
