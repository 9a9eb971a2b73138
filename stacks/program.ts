/**
 * The composition root of one environment: config -> cloud -> operators -> platform objects ->
 * one TenantStack per tenant file. `stacks/index.ts` runs it under `pulumi up`; the mock
 * preview and the tests run the same function under Pulumi mocks.
 */
import * as postgresql from '@pulumi/postgresql';
import * as pulumi from '@pulumi/pulumi';
import { createCloud, POSTGRES_CLUSTER, RUNTIME_SERVICE_ACCOUNT } from './cloud.js';
import { readStackConfig } from './config.js';
import { clusterIssuer, clusterIssuerName } from './kubernetes/cluster-issuer.js';
import { ManifestSet } from './kubernetes/manifest-set.js';
import type { Manifest } from './kubernetes/manifests.js';
import { Operators } from './kubernetes/operators.js';
import { platformSecrets, POSTGRES_SUPERUSER_SECRET } from './kubernetes/platform-secrets.js';
import { dataStorageClass } from './kubernetes/storage-class.js';
import { DATA_STORAGE_CLASS, PLATFORM_NAMESPACE, platformConfigFor, splitPlatformManifests, tenantPropsFor } from './platform-manifests.js';
import { tenantHostname } from './tenant-definition.js';
import { loadTenants, tenantsFor } from './tenant-loader.js';
import { TenantStack } from './tenant-stack.js';

export interface ProgramOptions {
  /** Folders of tenant files. @default - [stacks/tenants] */
  readonly tenantsDirs?: readonly string[];
}

export interface StackOutputs {
  readonly environment: string;
  /** The MCP endpoint pattern; each tenant's is in `tenantEndpoints`. */
  readonly mcpEndpoint: string;
  readonly dashboardUrl: string;
  /** Secret; undefined when the cluster is brought by the user (`cluster.mode: existing`). */
  readonly kubeconfig: pulumi.Output<string> | undefined;
  readonly tenantEndpoints: Record<string, { readonly mcp: string; readonly dashboard: string; readonly backupPrefix: pulumi.Output<string | undefined> }>;
}

type Patch = (obj: Manifest) => void;

function annotate(obj: Manifest, annotations: Record<string, pulumi.Input<string>>): void {
  const meta = obj.metadata as { annotations?: Record<string, unknown> };
  meta.annotations = { ...meta.annotations, ...annotations };
}

export async function runPlatform(options: ProgramOptions = {}): Promise<StackOutputs> {
  const config = readStackConfig();
  const env = config.environment;
  const tenants = tenantsFor(await loadTenants(options.tenantsDirs), env);
  const cloud = createCloud(config);
  const provider = cloud.provider;

  const root = new pulumi.ComponentResource('debug-host:platform:Platform', `debug-host-${env}`, {}, cloud.awsProvider === undefined ? {} : { providers: [cloud.awsProvider] });
  const certManagerRole = cloud.roles?.certManager;
  const operators = new Operators('operators', {
    versions: config.operators,
    provider,
    dependsOn: cloud.ready,
    // cert-manager answers DNS01 challenges with its IRSA role (letsencrypt on EKS).
    ...(certManagerRole === undefined ? {} : { values: { certManager: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': certManagerRole } } } } }),
  }, { parent: root });
  const certManager = operators.releases['cert-manager'];
  if (certManager === undefined) throw new Error('the cert-manager release is missing from OPERATOR_CHARTS');
  const issuer = clusterIssuer({ tls: config.tls, ...(config.cluster.mode === 'eks' ? { region: config.cluster.region } : {}), provider, certManager, parent: root });
  const storageClass = dataStorageClass({
    name: DATA_STORAGE_CLASS,
    provisioner: cloud.storageProvisioner,
    ...(cloud.storageParameters === undefined ? {} : { parameters: cloud.storageParameters }),
    ...(cloud.volumeKeyArn === undefined ? {} : { kmsKeyArn: cloud.volumeKeyArn }),
    provider,
    parent: root,
    dependsOn: cloud.ready,
  });

  const split = splitPlatformManifests(
    platformConfigFor(config, cloud.postgresBackupPath, clusterIssuerName(config.tls)),
    tenants.map((t) => tenantPropsFor(t, config)),
  );
  const roles = cloud.roles;
  const patches: Patch[] = [
    (obj) => {
      if (obj.kind !== 'Cluster' || !obj.apiVersion.startsWith('postgresql.cnpg.io/') || obj.metadata.name !== POSTGRES_CLUSTER) return;
      // The stack manages tenant roles as the superuser whose password it holds.
      const spec = obj['spec'] as Record<string, unknown>;
      spec['enableSuperuserAccess'] = true;
      spec['superuserSecret'] = { name: POSTGRES_SUPERUSER_SECRET };
      if (roles !== undefined) spec['serviceAccountTemplate'] = { metadata: { annotations: { 'eks.amazonaws.com/role-arn': roles.postgresBackup } } };
    },
    (obj) => {
      if (roles !== undefined && obj.kind === 'ServiceAccount' && obj.metadata.namespace === PLATFORM_NAMESPACE && obj.metadata.name === RUNTIME_SERVICE_ACCOUNT) {
        annotate(obj, { 'eks.amazonaws.com/role-arn': roles.runtime });
      }
    },
  ];
  const platform = new ManifestSet('platform', {
    objs: split.shared,
    provider,
    crdOwners: operators.crdOwners,
    dependsOn: [storageClass, ...(issuer === undefined ? [] : [issuer])],
    patches,
    between: (namespaces, parent) =>
      platformSecrets('platform', {
        namespace: PLATFORM_NAMESPACE,
        secretSeed: config.secretSeed,
        postgresUser: config.postgres.username,
        postgresPassword: config.postgresPassword,
        redis: config.platform.redis,
        provider,
        dependsOn: [namespaces],
      }, parent),
  }, { parent: root });

  const postgres = new postgresql.Provider('postgres', {
    host: config.postgres.host,
    port: config.postgres.port,
    database: config.postgres.database,
    username: config.postgres.username,
    password: pulumi.secret(config.postgresPassword),
    sslmode: config.postgres.sslmode,
    superuser: true,
  }, { dependsOn: [platform] });

  const tenantEndpoints: StackOutputs['tenantEndpoints'] = {};
  for (const tenant of tenants) {
    const hostname = tenantHostname(tenant, env, config.domain);
    const stack = new TenantStack(`tenant-${tenant.name}`, {
      tenant,
      manifests: split.tenants.get(tenant.name) ?? [],
      hostname,
      kubernetes: provider,
      crdOwners: operators.crdOwners,
      postgres,
      database: config.postgres.database,
      runtimeRole: config.postgres.database,
      passwordSeed: config.secretSeed,
      ...(cloud.backup === undefined ? {} : { backup: cloud.backup }),
      dependsOn: [platform],
    }, { parent: root });
    tenantEndpoints[tenant.name] = { mcp: stack.endpoint, dashboard: `https://${hostname}/`, backupPrefix: stack.backupPrefix };
  }

  return {
    environment: env,
    mcpEndpoint: `https://<tenant>.${config.domain}/mcp`,
    dashboardUrl: `https://<tenant>.${config.domain}/`,
    kubeconfig: cloud.kubeconfig,
    tenantEndpoints,
  };
}
