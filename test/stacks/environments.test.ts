/**
 * The real stack program for dev, staging and prod under Pulumi mocks: what each environment
 * creates, with the inputs users rely on, and the policies passing on all three.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_CHARTS } from '../../stacks/kubernetes/operators.js';
import { at, custom, one, ofType, preview, type PlannedResource, type PreviewResult } from './helpers.js';

const runs: Record<string, PreviewResult> = {};
const timings: Record<string, number> = {};

beforeAll(async () => {
  for (const stack of ['dev', 'staging', 'prod']) {
    const t0 = performance.now();
    runs[stack] = await preview({ stack });
    timings[stack] = Math.round(performance.now() - t0);
  }
  console.log(`mock preview ms: ${JSON.stringify(timings)}; resources: ${JSON.stringify(Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, custom(r).length])))}`);
}, 120_000);

const run = (stack: string) => runs[stack] as PreviewResult;
const kinds = (r: PreviewResult, kind: string) => custom(r).filter((x) => x.type.startsWith('kubernetes:') && x.type.endsWith(`:${kind}`));

describe.each(['dev', 'staging', 'prod'])('%s (all environments)', (stack) => {
  it('passes every mandatory policy', () => {
    expect(run(stack).violations.filter((v) => v.level === 'mandatory')).toEqual([]);
  });

  it('registers every resource under a unique URN', () => {
    const urns = run(stack).resources.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
  });

  it('creates each custom resource only after the operator release that installs its CRD', () => {
    const releases = new Map(ofType(run(stack), 'kubernetes:helm.sh/v3:Release').map((r) => [at(r, 'name'), r.urn]));
    const owners = new Map<string, string>();
    for (const op of OPERATOR_CHARTS) for (const g of op.apiGroups) owners.set(g, releases.get(op.release) ?? '');
    owners.set('karpenter.sh', releases.get('karpenter') ?? '');
    owners.set('karpenter.k8s.aws', releases.get('karpenter') ?? '');
    const crs = custom(run(stack)).filter((r) => r.type.startsWith('kubernetes:') && /^kubernetes:[^/:]+\.[^/:]+\/[^:]+:/.test(r.type) && !r.type.includes('.k8s.io/') && !r.type.includes('helm.sh'));
    expect(crs.length).toBeGreaterThan(5);
    for (const cr of crs) {
      const group = cr.type.split(':')[1]?.split('/')[0] ?? '';
      const owner = owners.get(group);
      expect(owner, `${cr.type} ${cr.name}: no operator owns ${group}`).toBeTruthy();
      expect(cr.dependencies, `${cr.type} ${cr.name} must wait for ${owner}`).toContain(owner);
    }
  });

  it('deploys the platform objects with their environment label, in the platform namespace', () => {
    const deployment = one(run(stack), 'kubernetes:apps/v1:Deployment', 'debug-host/debug-host');
    expect(at(deployment, 'metadata.labels')).toMatchObject({ 'debug-host.io/environment': stack });
    expect(at(deployment, 'spec.template.spec.containers')).toEqual([expect.objectContaining({ image: 'ghcr.io/debug-host/runtime:0.1.0' })]);
  });

  it('gives each tenant grants on its own schema only, owned by the runtime role', () => {
    const roles = ofType(run(stack), 'postgresql:index/role:Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      const name = String(at(role, 'name'));
      expect(at(role, 'password')).toBe('[secret]');
      expect(role.inputs).toMatchObject({ login: true, createRole: false, createDatabase: false });
      const grants = [...ofType(run(stack), 'postgresql:index/grant:Grant'), ...ofType(run(stack), 'postgresql:index/defaultPrivileges:DefaultPrivileges')].filter((g) => at(g, 'role') === name);
      expect(grants.length).toBe(6);
      for (const g of grants) {
        if (at(g, 'objectType') === 'database') expect(g.inputs).toMatchObject({ privileges: ['CONNECT'] });
        else expect(at(g, 'schema'), `${g.name} grants outside ${name}`).toBe(name);
      }
      const schema = ofType(run(stack), 'postgresql:index/schema:Schema').find((s) => at(s, 'name') === name) as PlannedResource;
      expect(schema.inputs).toMatchObject({ owner: 'debug_host', database: 'debug_host' });
    }
  });

  it('sends every Kubernetes and Postgres resource through the stack\'s providers, never an ambient default', () => {
    const k8sProvider = one(run(stack), 'pulumi:providers:kubernetes', 'kubernetes').urn;
    const pgProvider = one(run(stack), 'pulumi:providers:postgresql', 'postgres').urn;
    const stray = custom(run(stack)).filter((r) => (r.type.startsWith('kubernetes:') && r.provider !== k8sProvider) || (r.type.startsWith('postgresql:index') && r.provider !== pgProvider));
    expect(stray.map((r) => r.name)).toEqual([]);
  });

  it('signs the wildcard certificate with the configured ClusterIssuer, created after cert-manager', () => {
    const issuer = kinds(run(stack), 'ClusterIssuer');
    expect(issuer).toHaveLength(1);
    const name = stack === 'dev' ? 'debug-host-selfsigned' : 'letsencrypt';
    expect(at(issuer[0] as PlannedResource, 'metadata.name')).toBe(name);
    expect(at(kinds(run(stack), 'Certificate')[0] as PlannedResource, 'spec.issuerRef')).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name });
    const certManager = ofType(run(stack), 'kubernetes:helm.sh/v3:Release').find((r) => at(r, 'name') === 'cert-manager') as PlannedResource;
    expect(issuer[0]?.dependencies).toContain(certManager.urn);
    expect(kinds(run(stack), 'Certificate')[0]?.dependencies).toContain(issuer[0]?.urn);
  });

  it('lets the stack manage tenant roles as the CNPG superuser, from a Secret it creates before the cluster', () => {
    const pg = one(run(stack), 'kubernetes:postgresql.cnpg.io/v1:Cluster', 'debug-host/debug-host-pg');
    expect(pg.inputs).toMatchObject({ spec: { enableSuperuserAccess: true, superuserSecret: { name: 'debug-host-pg-superuser' } } });
    const secret = ofType(run(stack), 'kubernetes:core/v1:Secret').find((s) => at(s, 'metadata.name') === 'debug-host-pg-superuser') as PlannedResource;
    expect(secret.inputs).toMatchObject({ type: 'kubernetes.io/basic-auth', metadata: { namespace: 'debug-host' } });
    expect(pg.dependencies).toContain(secret.urn);
    expect(one(run(stack), 'pulumi:providers:postgresql', 'postgres').inputs).toMatchObject({ username: 'postgres', superuser: 'true' });
  });

  it('gives the runtime a cluster secret of its own, from a Secret it creates, whatever verifies tokens', () => {
    const deployment = one(run(stack), 'kubernetes:apps/v1:Deployment', 'debug-host/debug-host');
    const env = (at(deployment, 'spec.template.spec.containers') as Array<{ env: Array<{ name: string; valueFrom?: unknown }> }>)[0]?.env ?? [];
    expect(env.find((e) => e.name === 'DEBUG_HOST_CLUSTER_SECRET')?.valueFrom).toEqual({ secretKeyRef: { name: 'debug-host-cluster', key: 'secret' } });
    const secret = ofType(run(stack), 'kubernetes:core/v1:Secret').find((s) => at(s, 'metadata.name') === 'debug-host-cluster') as PlannedResource;
    expect(secret.inputs).toMatchObject({ metadata: { namespace: 'debug-host' } });
    expect(deployment.dependencies).toContain(secret.urn);
  });

  it('stores every credential as a secret', () => {
    for (const s of ofType(run(stack), 'kubernetes:core/v1:Secret')) expect(at(s, 'stringData')).toBe('[secret]');
    expect(at(one(run(stack), 'pulumi:providers:postgresql', 'postgres'), 'password')).toBe('[secret]');
  });
});

describe('dev', () => {
  it('brings its own cluster: no AWS resource at all, the configured kube context', () => {
    expect(custom(run('dev')).filter((r) => r.type.startsWith('aws:'))).toEqual([]);
    expect(one(run('dev'), 'pulumi:providers:kubernetes', 'kubernetes').inputs).toMatchObject({ context: 'debug-host-dev' });
  });

  it('runs small: 1 Postgres instance, no backups, no Kafka, no Redis, HPA floor 2', () => {
    expect(at(one(run('dev'), 'kubernetes:postgresql.cnpg.io/v1:Cluster', 'debug-host/debug-host-pg'), 'spec.instances')).toBe(1);
    expect(kinds(run('dev'), 'ScheduledBackup')).toEqual([]);
    expect(custom(run('dev')).filter((r) => r.type.includes('kafka.strimzi.io') || r.name.includes('redis'))).toEqual([]);
    expect(at(one(run('dev'), 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler', 'debug-host/debug-host'), 'spec.minReplicas')).toBe(2);
  });

  it('has only the tenants declared for dev', () => {
    expect(kinds(run('dev'), 'Namespace').map((n) => n.name).sort()).toEqual(['debug-host', 'tenant-acme']);
  });
});

describe.each(['staging', 'prod'])('%s on EKS', (stack) => {
  it('creates every AWS resource through the provider for cluster.region', () => {
    const provider = one(run(stack), 'pulumi:providers:aws', 'aws');
    expect(provider.inputs).toMatchObject({ region: 'eu-west-1' });
    const aws = custom(run(stack)).filter((r) => r.type.startsWith('aws:'));
    expect(aws.length).toBeGreaterThan(40);
    expect(aws.filter((r) => r.provider !== provider.urn).map((r) => r.name)).toEqual([]);
  });

  it('creates EKS with access entries (API auth), encrypted secrets and logging', () => {
    const cluster = one(run(stack), 'aws:eks/cluster:Cluster', `debug-host-${stack}`);
    expect(cluster.inputs).toMatchObject({
      version: '1.33',
      accessConfig: { authenticationMode: 'API' },
      bootstrapSelfManagedAddons: false,
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: expect.stringContaining('cluster-secrets') } },
    });
  });

  it('enforces network policies through the VPC CNI add-on', () => {
    const cni = ofType(run(stack), 'aws:eks/addon:Addon').find((a) => at(a, 'addonName') === 'vpc-cni') as PlannedResource;
    expect(JSON.parse(String(at(cni, 'configurationValues')))).toMatchObject({ enableNetworkPolicy: 'true' });
  });

  it('has an OIDC provider for workload identity and IRSA roles for the runtime and Postgres backups', () => {
    expect(ofType(run(stack), 'aws:iam/openIdConnectProvider:OpenIdConnectProvider')[0]?.inputs).toMatchObject({ clientIdLists: ['sts.amazonaws.com'] });
    const trust = (name: string) => JSON.parse(String(at(one(run(stack), 'aws:iam/role:Role', name), 'assumeRolePolicy'))).Statement[0].Condition.StringEquals;
    expect(Object.values(trust(`debug-host-${stack}-workloads-runtime`))).toContain('system:serviceaccount:debug-host:debug-host');
    expect(Object.values(trust(`debug-host-${stack}-workloads-postgres-backup`))).toContain('system:serviceaccount:debug-host:debug-host-pg');
    const sa = one(run(stack), 'kubernetes:core/v1:ServiceAccount', 'debug-host/debug-host');
    expect(at(sa, 'metadata.annotations')).toMatchObject({ 'eks.amazonaws.com/role-arn': expect.stringContaining('workloads-runtime') });
  });

  it('has a system node group and Karpenter NodePool + EC2NodeClass after the Karpenter chart', () => {
    expect(ofType(run(stack), 'aws:eks/nodeGroup:NodeGroup')).toHaveLength(1);
    const pool = one(run(stack), 'kubernetes:karpenter.sh/v1:NodePool', `debug-host-${stack}-karpenter-workloads`);
    const capacity = (at(pool, 'spec.template.spec.requirements') as { key: string; values: string[] }[]).find((r) => r.key === 'karpenter.sh/capacity-type');
    expect(capacity?.values).toEqual(stack === 'staging' ? ['spot', 'on-demand'] : ['on-demand']);
    const nodeClass = one(run(stack), 'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass', `debug-host-${stack}-karpenter-default`);
    expect(at(nodeClass, 'spec.blockDeviceMappings')).toEqual([expect.objectContaining({ ebs: expect.objectContaining({ encrypted: true }) })]);
    expect(ofType(run(stack), 'aws:eks/accessEntry:AccessEntry').map((e) => at(e, 'type'))).toContain('EC2_LINUX');
  });

  it('has an encrypted, private, versioned backup bucket with lifecycle rules, and Postgres backs up to it daily', () => {
    const name = `debug-host-${stack}-backups`;
    expect(at(one(run(stack), 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', name), 'rules')).toEqual([expect.objectContaining({ applyServerSideEncryptionByDefault: expect.objectContaining({ sseAlgorithm: 'aws:kms' }) })]);
    expect(one(run(stack), 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', name).inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(at(one(run(stack), 'aws:s3/bucketVersioning:BucketVersioning', name), 'versioningConfiguration')).toEqual({ status: 'Enabled' });
    const lifecycle = at(one(run(stack), 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', name), 'rules') as { id: string; noncurrentVersionExpiration?: { noncurrentDays: number } }[];
    expect(lifecycle.find((r) => r.id === 'expire-noncurrent')?.noncurrentVersionExpiration?.noncurrentDays).toBe(stack === 'prod' ? 30 : 14);
    const pg = one(run(stack), 'kubernetes:postgresql.cnpg.io/v1:Cluster', 'debug-host/debug-host-pg');
    expect(at(pg, 'spec.backup.barmanObjectStore.destinationPath')).toBe(`s3://${name}/postgres`);
    expect(at(pg, 'spec.storage.storageClass')).toBe('debug-host-data');
    expect(kinds(run(stack), 'ScheduledBackup').map((s) => at(s, 'spec.cluster.name'))).toEqual(['debug-host-pg']);
  });

  it('answers Let\'s Encrypt DNS01 in the Route53 zone through a cert-manager IRSA role', () => {
    const issuer = one(run(stack), 'kubernetes:cert-manager.io/v1:ClusterIssuer', 'letsencrypt');
    expect(at(issuer, 'spec.acme.solvers')).toEqual([{ dns01: { route53: { region: 'eu-west-1', hostedZoneID: stack === 'prod' ? 'Z0PRODEXAMPLE000000001' : 'Z0STAGINGEXAMPLE000001' } } }]);
    const role = one(run(stack), 'aws:iam/role:Role', `debug-host-${stack}-workloads-cert-manager`);
    expect(JSON.stringify(at(role, 'assumeRolePolicy'))).toContain('system:serviceaccount:cert-manager:cert-manager');
    const certManager = ofType(run(stack), 'kubernetes:helm.sh/v3:Release').find((r) => at(r, 'name') === 'cert-manager') as PlannedResource;
    expect(at(certManager, 'values.serviceAccount.annotations')).toEqual({ 'eks.amazonaws.com/role-arn': expect.stringContaining('workloads-cert-manager') });
  });

  it('gives every tenant a backup prefix under tenants/<name>/', () => {
    const prefixes = ofType(run(stack), 'aws:s3/bucketObjectv2:BucketObjectv2').map((o) => at(o, 'key')).sort();
    expect(prefixes).toEqual(['tenants/acme/', 'tenants/globex/']);
    expect(run(stack).outputs).toMatchObject({ tenantEndpoints: { acme: { backupPrefix: `s3://debug-host-${stack}-backups/tenants/acme/` } }, kubeconfig: '[secret]' });
  });
});

describe('prod', () => {
  it('runs 3 runtime replicas and 3 Postgres instances at least, with a NAT per zone', () => {
    expect(at(one(run('prod'), 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler', 'debug-host/debug-host'), 'spec.minReplicas')).toBe(3);
    expect(at(one(run('prod'), 'kubernetes:postgresql.cnpg.io/v1:Cluster', 'debug-host/debug-host-pg'), 'spec.instances')).toBe(3);
    expect(ofType(run('prod'), 'aws:ec2/natGateway:NatGateway')).toHaveLength(3);
    expect(ofType(run('staging'), 'aws:ec2/natGateway:NatGateway')).toHaveLength(1);
  });

  it('serves each tenant on its hostname, as stack outputs and as routes', () => {
    expect(run('prod').outputs).toMatchObject({
      mcpEndpoint: 'https://<tenant>.debug-host.example.com/mcp',
      tenantEndpoints: { acme: { mcp: 'https://acme.debug-host.example.com/mcp' }, globex: { mcp: 'https://gx.debug-host.example.com/mcp', dashboard: 'https://gx.debug-host.example.com/' } },
    });
    const route = one(run('prod'), 'kubernetes:gateway.networking.k8s.io/v1:HTTPRoute', 'debug-host/tenant-globex');
    expect(at(route, 'spec.hostnames')).toEqual(['gx.debug-host.example.com']);
  });
});
