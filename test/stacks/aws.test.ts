import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { kubeconfigFor } from '../../stacks/aws/eks-cluster.js';
import { nodePoolRequirements } from '../../stacks/aws/karpenter.js';
import { subnetCidr } from '../../stacks/aws/network.js';

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe('AWS helpers', () => {
  it('carves /20 subnets out of a /16: public from index 0, private from index 8', () => {
    expect([0, 1, 2].map((i) => subnetCidr('10.40.0.0/16', i))).toEqual(['10.40.0.0/20', '10.40.16.0/20', '10.40.32.0/20']);
    expect(subnetCidr('10.40.0.0/16', 8)).toBe('10.40.128.0/20');
    expect(subnetCidr('10.1.2.0/24', 1)).toBe('10.1.2.16/28');
  });

  it('builds a kubeconfig that authenticates through `aws eks get-token` (no stored credentials)', async () => {
    const kubeconfig = JSON.parse(await promiseOf(kubeconfigFor('c', 'https://x', 'Q0E=', 'eu-west-1'))) as { users: { user: { exec: { command: string; args: string[] } } }[]; clusters: { cluster: { server: string } }[] };
    expect(kubeconfig.clusters[0]?.cluster.server).toBe('https://x');
    expect(kubeconfig.users[0]?.user.exec).toMatchObject({ command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'c', '--region', 'eu-west-1'] });
  });

  it('allows spot capacity only where the environment says so', () => {
    const base = { instanceCategories: ['c', 'm'], cpuLimit: 10, version: '1.8.1' };
    expect(nodePoolRequirements({ ...base, spot: true })[0]).toEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] });
    expect(nodePoolRequirements({ ...base, spot: false })[0]?.values).toEqual(['on-demand']);
  });
});
