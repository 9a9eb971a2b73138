/**
 * The EKS control plane and what every workload relies on: access entries (API
 * authentication, no aws-auth ConfigMap), secrets encryption, the VPC CNI with network-policy
 * enforcement, the EBS CSI driver, the OIDC provider for workload identity (IRSA) and a
 * managed node group for system pods.
 * https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
 * https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { EksClusterConfig } from '../config.js';
import { attachManaged, serviceAccountRole, serviceAssumeRole, type OidcIdentity } from './iam.js';

export interface EksClusterArgs {
  readonly config: EksClusterConfig;
  readonly privateSubnetIds: pulumi.Input<string[]>;
  readonly secretsKeyArn: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/** The access policy given to `cluster.admins`. */
export const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const NODE_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
  'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
];

/** A kubeconfig that authenticates with `aws eks get-token` (no long-lived credentials). */
export function kubeconfigFor(name: pulumi.Input<string>, endpoint: pulumi.Input<string>, caData: pulumi.Input<string>, region: string): pulumi.Output<string> {
  return pulumi.all([name, endpoint, caData]).apply(([n, e, ca]) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: n, cluster: { server: e, 'certificate-authority-data': ca } }],
      contexts: [{ name: n, context: { cluster: n, user: n } }],
      'current-context': n,
      users: [{ name: n, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', n, '--region', region], interactiveMode: 'Never' } } }],
    }),
  );
}

export class EksCluster extends pulumi.ComponentResource {
  readonly cluster: aws.eks.Cluster;
  readonly clusterName: pulumi.Output<string>;
  /** Secret: the kubeconfig of the cluster. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidc: OidcIdentity;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly systemNodeGroup: aws.eks.NodeGroup;
  /** Managed add-ons; workloads that need networking or volumes depend on them. */
  readonly addons: readonly aws.eks.Addon[];

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:aws:EksCluster', name, {}, opts);
    const { config, tags } = args;
    if (config.systemNodes.minSize > config.systemNodes.maxSize) {
      throw new Error(`cluster.systemNodes: minSize ${config.systemNodes.minSize} exceeds maxSize ${config.systemNodes.maxSize}; lower minSize or raise maxSize.`);
    }
    const child = { parent: this };

    const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: serviceAssumeRole('eks.amazonaws.com'), tags }, child);
    attachManaged(`${name}-cluster`, clusterRole, ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'], child);

    this.cluster = new aws.eks.Cluster(name, {
      name,
      version: config.kubernetesVersion,
      roleArn: clusterRole.arn,
      // The identity running `pulumi up` gets an admin access entry so the Kubernetes provider works.
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true },
      // Add-ons are managed below so their configuration (network policy) is in code.
      bootstrapSelfManagedAddons: false,
      vpcConfig: { subnetIds: args.privateSubnetIds, endpointPrivateAccess: true, endpointPublicAccess: true },
      encryptionConfig: { provider: { keyArn: args.secretsKeyArn }, resources: ['secrets'] },
      enabledClusterLogTypes: ['api', 'audit', 'authenticator'],
      tags,
    }, child);
    this.clusterName = this.cluster.name;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId);

    const issuerUrl = this.cluster.identities.apply((ids) => ids[0]?.oidcs?.[0]?.issuer ?? '');
    const oidcProvider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuerUrl, clientIdLists: ['sts.amazonaws.com'], tags }, child);
    this.oidcProviderArn = oidcProvider.arn;
    this.oidc = { providerArn: oidcProvider.arn, issuer: issuerUrl.apply((u) => u.replace(/^https:\/\//, '')) };

    for (const [i, principalArn] of config.admins.entries()) {
      const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: this.cluster.name, principalArn, type: 'STANDARD', tags }, child);
      new aws.eks.AccessPolicyAssociation(`${name}-admin-${i}`, {
        clusterName: this.cluster.name,
        principalArn,
        policyArn: CLUSTER_ADMIN_POLICY,
        accessScope: { type: 'cluster' },
      }, { parent: this, dependsOn: [entry] });
    }

    const nodeRole = new aws.iam.Role(`${name}-system-nodes`, { assumeRolePolicy: serviceAssumeRole('ec2.amazonaws.com'), tags }, child);
    attachManaged(`${name}-system-nodes`, nodeRole, NODE_POLICIES, child);
    const ebsCsiRole = serviceAccountRole(`${name}-ebs-csi`, this.oidc, 'kube-system', 'ebs-csi-controller-sa', tags, child);
    attachManaged(`${name}-ebs-csi`, ebsCsiRole, ['arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'], child);

    const addon = (addonName: string, extra: Partial<aws.eks.AddonArgs> = {}, dependsOn: pulumi.Resource[] = []) =>
      new aws.eks.Addon(`${name}-${addonName}`, { clusterName: this.cluster.name, addonName, resolveConflictsOnCreate: 'OVERWRITE', resolveConflictsOnUpdate: 'OVERWRITE', tags, ...extra }, { parent: this, dependsOn });
    const vpcCni = addon('vpc-cni', { configurationValues: JSON.stringify({ enableNetworkPolicy: 'true', nodeAgent: { enablePolicyEventLogs: 'true' } }) });
    const kubeProxy = addon('kube-proxy');

    this.systemNodeGroup = new aws.eks.NodeGroup(`${name}-system`, {
      clusterName: this.cluster.name,
      nodeRoleArn: nodeRole.arn,
      subnetIds: args.privateSubnetIds,
      amiType: 'AL2023_x86_64_STANDARD',
      instanceTypes: [...config.systemNodes.instanceTypes],
      scalingConfig: { minSize: config.systemNodes.minSize, desiredSize: config.systemNodes.minSize, maxSize: config.systemNodes.maxSize },
      labels: { 'debug-host.io/pool': 'system' },
      tags,
    }, { parent: this, dependsOn: [vpcCni, kubeProxy] });

    const coredns = addon('coredns', {}, [this.systemNodeGroup]);
    const ebsCsi = addon('aws-ebs-csi-driver', { serviceAccountRoleArn: ebsCsiRole.arn }, [this.systemNodeGroup]);
    this.addons = [vpcCni, kubeProxy, coredns, ebsCsi];

    this.kubeconfig = pulumi.secret(kubeconfigFor(this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority.apply((c) => c.data ?? ''), config.region));
    this.registerOutputs({ clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn, kubeconfig: this.kubeconfig });
  }
}
