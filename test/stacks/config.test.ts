import { describe, expect, it } from 'vitest';
import { parseStackConfig, StackConfigError } from '../../stacks/config.js';

const minimal = { domain: 'dev.example.com', cluster: { mode: 'existing' }, postgres: { host: 'localhost' }, postgresPassword: 'p', secretSeed: 's'.repeat(16) };

function problems(raw: Record<string, unknown>, stack = 'dev'): readonly string[] {
  try {
    parseStackConfig(raw, stack);
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a StackConfigError');
}

describe('stack config', () => {
  it('applies the documented defaults', () => {
    const c = parseStackConfig(minimal, 'staging');
    expect(c.environment).toBe('staging');
    expect(c.platform).toEqual({ runtimeImage: 'ghcr.io/debug-host/runtime:0.1.0', minReplicas: 3, maxReplicas: 20, postgresInstances: 3, postgresStorage: '20Gi', kafka: true, redis: true });
    expect(c.postgres).toEqual({ host: 'localhost', port: 5432, database: 'debug_host', sslmode: 'require' });
    expect(c.cluster).toEqual({ mode: 'existing', storageProvisioner: 'ebs.csi.aws.com' });
    expect(c.operators.cloudnativePg).toBe('0.26.1');
  });

  it('fills the EKS defaults (system nodes, Karpenter on-demand only, retention)', () => {
    const c = parseStackConfig({ ...minimal, cluster: { mode: 'eks', region: 'eu-west-1', network: { mode: 'create', availabilityZones: ['eu-west-1a', 'eu-west-1b'] } } }, 'prod');
    expect(c.cluster).toMatchObject({ kubernetesVersion: '1.33', systemNodes: { instanceTypes: ['m6i.large'], minSize: 2, maxSize: 3 }, karpenter: { spot: false, cpuLimit: 200 }, admins: [], backupRetentionDays: 30, network: { cidr: '10.40.0.0/16', natPerZone: false } });
  });

  it('names the key and the fix for each bad value', () => {
    expect(problems({ ...minimal, cluster: { mode: 'bogus' } })).toEqual([
      "debug-host-platform:cluster.mode: Invalid discriminator value. Expected 'eks' | 'existing'; run `pulumi config set --path 'cluster.mode' <value>` or edit Pulumi.<stack>.yaml.",
    ]);
    expect(problems({ ...minimal, platform: { runtimeImage: 'ghcr.io/x/runtime:latest', minReplicas: 1 } })).toEqual([
      "debug-host-platform:platform.runtimeImage: an image tagged \":latest\" is not pinned; run `pulumi config set --path 'platform.runtimeImage' <value>` or edit Pulumi.<stack>.yaml.",
      "debug-host-platform:platform.minReplicas: must be at least 2 (the PodDisruptionBudget lets one replica go at a time); run `pulumi config set --path 'platform.minReplicas' <value>` or edit Pulumi.<stack>.yaml.",
    ]);
    expect(problems({ ...minimal, platform: { minReplicas: 5, maxReplicas: 4 } })).toEqual([
      "debug-host-platform:platform.minReplicas: must not exceed platform.maxReplicas; run `pulumi config set --path 'platform.minReplicas' <value>` or edit Pulumi.<stack>.yaml.",
    ]);
    expect(problems({ ...minimal, cluster: { mode: 'eks', region: 'eu-west-1', network: { mode: 'create', availabilityZones: ['eu-west-1a'] } } })).toEqual([
      "debug-host-platform:cluster.network.availabilityZones: Too small: expected array to have >=2 items; run `pulumi config set --path 'cluster.network.availabilityZones' <value>` or edit Pulumi.<stack>.yaml.",
    ]);
  });

  it('asks for unset secrets with --secret', () => {
    const { postgresPassword: _p, secretSeed: _s, ...noSecrets } = minimal;
    expect(problems(noSecrets)).toEqual([
      'debug-host-platform:postgresPassword: is not set; run `pulumi config set --secret postgresPassword <value>`.',
      'debug-host-platform:secretSeed: is not set; run `pulumi config set --secret secretSeed <value>`.',
    ]);
  });

  it('reports misspelt keys instead of ignoring them', () => {
    expect(problems({ ...minimal, platform: { kafak: false } })).toEqual([
      "debug-host-platform:platform.kafak: is not a known setting; check the spelling or remove it (`pulumi config rm --path 'platform.kafak'`).",
    ]);
  });

  it('refuses a stack that is not dev, staging or prod unless environment is set', () => {
    expect(problems(minimal, 'qa')).toEqual([
      'debug-host-platform:environment: Invalid option: expected one of "dev"|"staging"|"prod"; name the stack dev, staging or prod, or run `pulumi config set environment <dev|staging|prod>`.',
    ]);
    expect(parseStackConfig({ ...minimal, environment: 'prod' }, 'acme-prod').environment).toBe('prod');
  });

  it('refuses Let\'s Encrypt (Route53 DNS01) on a cluster the stack does not manage', () => {
    expect(problems({ ...minimal, tls: { issuer: 'letsencrypt', email: 'a@b.co', route53HostedZoneId: 'Z123' } })).toEqual([
      'debug-host-platform:tls.issuer: letsencrypt solves DNS01 through Route53 with IRSA, which needs cluster.mode eks; use "selfsigned", or "existing" with the name of your ClusterIssuer.',
    ]);
    expect(parseStackConfig(minimal, 'dev').tls).toEqual({ issuer: 'selfsigned' });
  });

  it('joins every problem into one error message', () => {
    expect(() => parseStackConfig({ ...minimal, domain: 'Not A Domain' }, 'dev')).toThrow(
      'Invalid stack config:\n  - debug-host-platform:domain: expected a lowercase DNS name such as "dev.debug-host.example.com"; run `pulumi config set --path \'domain\' <value>` or edit Pulumi.<stack>.yaml.',
    );
  });
});
