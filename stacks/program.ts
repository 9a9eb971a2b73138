/**
 * The composition root of one environment: config -> cloud -> operators -> platform objects ->
 * one TenantStack per tenant file. `stacks/index.ts` runs it under `pulumi up`; the mock
 * preview and the tests run the same function under Pulumi mocks.
 */
import * as postgresql from '@pulumi/postgresql';
import * as pulumi from '@pulumi/pulumi';
import { createCloud } from './cloud.js';
import { readStackConfig } from './config.js';
import { clusterIssuer, clusterIssuerName } from './kubernetes/cluster-issuer.js';
import { ManifestSet } from './kubernetes/manifest-set.js';
import { Operators } from './kubernetes/operators.js';
import { platformPatches, POSTGRES_SUPERUSER } from './kubernetes/platform-patches.js';
import { platformSecrets } from './kubernetes/platform-secrets.js';
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
    install: config.operators.install ?? 'helm',
    provider,
    dependsOn: cloud.ready,
    // cert-manager answers DNS01 challenges with its IRSA role (letsencrypt on EKS).
    ...(certManagerRole === undefined ? {} : { values: { certManager: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': certManagerRole } } } } }),
  }, { parent: root });
  // The ClusterIssuer waits for cert-manager's CRDs: its release, or the CRDs alone.
  const certManager = operators.crdOwners.get('cert-manager.io');
  if (certManager === undefined) throw new Error('no operator in OPERATOR_CHARTS installs the cert-manager.io CRDs');
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
  if (split.tenantDependentShared.length > 0) {
    // Deployed correctly, but each tenant change will also update these shared objects.
    pulumi.log.warn(`Shared objects whose content depends on the tenant list (every tenant change updates them): ${split.tenantDependentShared.join(', ')}`);
  }
  const platform = new ManifestSet('platform', {
    objs: split.shared,
    provider,
    crdOwners: operators.crdOwners,
    dependsOn: [storageClass, ...(issuer === undefined ? [] : [issuer])],
    patches: platformPatches(cloud.roles),
    between: (namespaces, parent) =>
      platformSecrets('platform', {
        namespace: PLATFORM_NAMESPACE,
        secretSeed: config.secretSeed,
        postgresUser: POSTGRES_SUPERUSER,
        postgresPassword: config.postgresPassword,
        redis: config.platform.redis,
        provider,
        dependsOn: [namespaces],
      }, parent),
  }, { parent: root });

  // postgres.manageTenantRoles: false (the local stack) creates no Postgres objects at all.
  const postgres = config.postgres.manageTenantRoles === false ? undefined : new postgresql.Provider('postgres', {
    host: config.postgres.host,
    port: config.postgres.port,
    database: config.postgres.database,
    username: POSTGRES_SUPERUSER,
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
      ...(postgres === undefined ? {} : { postgres }),
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
