/**
 * The per-environment config (`Pulumi.<env>.yaml`), parsed and validated once at start.
 * Every error names the config key and the `pulumi config set` that fixes it.
 */
import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { imagePinProblem } from '@debug-host/constructs';

/** The Pulumi project name: config keys are `debug-host-platform:<key>`. */
export const PROJECT = 'debug-host-platform';
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, 'expected a lowercase DNS name such as "dev.debug-host.example.com"');
const pinnedImage = z.string().superRefine((image, ctx) => {
  const problem = imagePinProblem(image);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const count = (min: number) => z.number().int().min(min);

/** A new VPC across the given zones (public subnets for load balancers, private for nodes). */
const createdNetwork = z.strictObject({
  mode: z.literal('create'),
  /** @default '10.40.0.0/16' */
  cidr: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/, 'expected an IPv4 CIDR from /16 to /24').default('10.40.0.0/16'),
  /** Zones named explicitly so that no AWS lookup runs at preview. Two at least (EKS requires it). */
  availabilityZones: z.array(z.string().min(1)).min(2).max(6),
  /** One NAT gateway per zone (true) or one shared (false, cheaper). @default false */
  natPerZone: z.boolean().default(false),
});
const existingNetwork = z.strictObject({
  mode: z.literal('existing'),
  vpcId: z.string().startsWith('vpc-'),
  privateSubnetIds: z.array(z.string().startsWith('subnet-')).min(2),
  publicSubnetIds: z.array(z.string().startsWith('subnet-')).default([]),
});

const eksCluster = z.strictObject({
  mode: z.literal('eks'),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'expected an AWS region such as "eu-west-1"'),
  /** @default '1.33' */
  kubernetesVersion: z.string().regex(/^1\.\d+$/, 'expected a version such as "1.33"').default('1.33'),
  network: z.discriminatedUnion('mode', [createdNetwork, existingNetwork]),
  /** The managed node group for system pods (operators, CoreDNS, Karpenter itself). */
  systemNodes: z
    .strictObject({
      /** @default ['m6i.large'] */
      instanceTypes: z.array(z.string().min(1)).min(1).default(['m6i.large']),
      /** @default 2 */
      minSize: count(1).default(2),
      /** @default 3 */
      maxSize: count(1).default(3),
    })
    .refine((n) => n.minSize <= n.maxSize, 'minSize must not exceed maxSize')
    .default({ instanceTypes: ['m6i.large'], minSize: 2, maxSize: 3 }),
  /** Karpenter's NodePool for workloads. */
  karpenter: z
    .strictObject({
      /** Allow spot capacity. @default false */
      spot: z.boolean().default(false),
      /** @default ['c', 'm', 'r'] */
      instanceCategories: z.array(z.string().regex(/^[a-z]+$/)).min(1).default(['c', 'm', 'r']),
      /** Total vCPU the pool may provision. @default 200 */
      cpuLimit: count(1).default(200),
      /** Karpenter chart version. @default '1.8.1' */
      version: z.string().default('1.8.1'),
    })
    .default({ spot: false, instanceCategories: ['c', 'm', 'r'], cpuLimit: 200, version: '1.8.1' }),
  /** IAM principal ARNs given cluster-admin through EKS access entries. @default [] */
  admins: z.array(z.string().startsWith('arn:aws')).default([]),
  /** Backup bucket name (globally unique). @default - 'debug-host-<env>-backups' */
  backupBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name').optional(),
  /** Days before noncurrent backup versions and expired objects are deleted. @default 30 */
  backupRetentionDays: count(1).default(30),
});

const existingCluster = z.strictObject({
  mode: z.literal('existing'),
  /** kubeconfig context. @default - the current context of the kubeconfig */
  context: z.string().min(1).optional(),
  /** CSI provisioner of the data StorageClass the stack declares. @default 'ebs.csi.aws.com' */
  storageProvisioner: z.string().min(1).default('ebs.csi.aws.com'),
  /**
   * Its parameters; include `encrypted: "true"` only if the driver really encrypts.
   * @default - the known encryption parameters of the provisioner (EBS: gp3, encrypted), else none
   */
  storageParameters: z.record(z.string(), z.string()).optional(),
  /** Object-store path for Postgres backups (e.g. 's3://bucket/prefix'). @default - no backups */
  backupDestinationPath: z.string().regex(/^(s3|gs|azure):\/\/.+/, 'expected s3://, gs:// or azure:// path').optional(),
});

const platformFields = z.strictObject({
  /** @default 'ghcr.io/debug-host/runtime:0.1.0' */
  runtimeImage: pinnedImage.default('ghcr.io/debug-host/runtime:0.1.0'),
  /** HPA floor of runtime replicas; 2 at least, since the PodDisruptionBudget lets one go at a time. @default 3 */
  minReplicas: z.number().int().min(2, 'must be at least 2 (the PodDisruptionBudget lets one replica go at a time)').default(3),
  /** @default 20 */
  maxReplicas: count(1).default(20),
  /** CloudNativePG instances. @default 3 */
  postgresInstances: count(1).default(3),
  /** @default '20Gi' */
  postgresStorage: z.string().regex(/^\d+(Mi|Gi|Ti)$/, 'expected a size such as "20Gi"').default('20Gi'),
  /** Run Strimzi Kafka (false keeps events in the Postgres outbox). @default true */
  kafka: z.boolean().default(true),
  /** Run a Redis Cluster (false means local caches). @default true */
  redis: z.boolean().default(true),
});
const platform = platformFields.refine((p) => p.minReplicas <= p.maxReplicas, { message: 'must not exceed platform.maxReplicas', path: ['minReplicas'] });

/** How the stack reaches Postgres to create tenant schemas and roles. */
const postgres = z.strictObject({
  /** Host reachable from where `pulumi up` runs (a load balancer or a port-forward). */
  host: z.string().min(1),
  /** @default 5432 */
  port: z.number().int().min(1).max(65535).default(5432),
  /** @default 'debug_host' */
  database: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('debug_host'),
  /** @default 'require' */
  sslmode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).default('require'),
  /**
   * Create each tenant's role, schema and grants with @pulumi/postgresql. false skips them (and
   * the provider): for the `local` stack, where the postgresql provider binary cannot be built.
   * @default true
   */
  manageTenantRoles: z.boolean().optional(),
});

/**
 * Who signs the wildcard certificate of `*.<domain>` (cert-manager ClusterIssuer).
 * Let's Encrypt needs DNS01 for a wildcard: through Route53 with IRSA, so only with `cluster.mode: eks`.
 */
const tls = z.discriminatedUnion('issuer', [
  /** A self-signed ClusterIssuer: browsers warn; for dev. */
  z.strictObject({ issuer: z.literal('selfsigned') }),
  z.strictObject({
    issuer: z.literal('letsencrypt'),
    email: z.email('expected the e-mail address Let\'s Encrypt writes to'),
    /** The Route53 hosted zone of `domain`. */
    route53HostedZoneId: z.string().regex(/^Z[A-Z0-9]+$/, 'expected a Route53 hosted zone id such as "Z0123456789ABCDEFGHIJ"'),
    /** Use the Let's Encrypt staging CA (untrusted, generous limits). @default false */
    staging: z.boolean().default(false),
  }),
  /** A ClusterIssuer the cluster already has. */
  z.strictObject({ issuer: z.literal('existing'), name: z.string().regex(/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'expected a ClusterIssuer name') }),
]);

/**
 * How the operators' CRDs get into the cluster: `helm` installs each operator's chart (the
 * operator and its CRDs, from the chart repositories), `crds` applies only CRDs from the
 * repository (constructs/crds/ plus schemaless stand-ins), runs no operator and needs no
 * network: for the `local` stack on a bare API server.
 */
export const OPERATOR_INSTALL_MODES = ['helm', 'crds'] as const;

/** Chart versions of the operators, pinned per environment. */
const operators = z
  .strictObject({
    /** @default 'helm' */
    install: z.enum(OPERATOR_INSTALL_MODES, { message: 'expected "helm" (operator charts from their repositories) or "crds" (only the CRDs committed in constructs/crds, no operators, no network)' }).optional(),
    /** @default 'v1.19.1' */
    certManager: z.string().default('v1.19.1'),
    /** @default '0.26.1' */
    cloudnativePg: z.string().default('0.26.1'),
    /** @default '0.48.0' */
    strimzi: z.string().default('0.48.0'),
    /** @default 'v1.5.4' */
    envoyGateway: z.string().default('v1.5.4'),
    /** @default '79.1.0' */
    kubePrometheusStack: z.string().default('79.1.0'),
  })
  .default({ certManager: 'v1.19.1', cloudnativePg: '0.26.1', strimzi: '0.48.0', envoyGateway: 'v1.5.4', kubePrometheusStack: '79.1.0' });

export const stackConfigSchema = z.strictObject({
  environment: z.enum(ENVIRONMENTS),
  domain: dnsName,
  cluster: z.discriminatedUnion('mode', [eksCluster, existingCluster]),
  platform: platform.default(platformFields.parse({})),
  postgres,
  operators,
  /** @default { issuer: 'selfsigned' } */
  tls: tls.default({ issuer: 'selfsigned' }),
  /** Password of the CloudNativePG superuser `postgres` (a secret), which manages tenant roles. */
  postgresPassword: z.string().min(1),
  /**
   * Secret the stack derives the runtime's JWT and cluster secrets, the Redis password and each tenant's
   * database password from (HMAC-SHA256 per purpose), so none is stored anywhere else.
   */
  secretSeed: z.string().min(16, 'must be at least 16 characters'),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type TlsConfig = z.infer<typeof tls>;
export type EksClusterConfig = z.infer<typeof eksCluster>;
export type ExistingClusterConfig = z.infer<typeof existingCluster>;

/** Keys that must be set with `--secret`. */
export const SECRET_KEYS = ['postgresPassword', 'secretSeed'] as const;
const OBJECT_KEYS = ['cluster', 'platform', 'postgres', 'operators', 'tls'] as const;

/** Thrown when the config is invalid; the message lists every problem with its fix. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

function fixFor(path: string): string {
  const key = path.split('.')[0] ?? '';
  if ((SECRET_KEYS as readonly string[]).includes(key)) return `run \`pulumi config set --secret ${key} <value>\``;
  if (path === 'environment') return 'name the stack dev, staging or prod, or run `pulumi config set environment <dev|staging|prod>`';
  return `run \`pulumi config set --path '${path}' <value>\` or edit Pulumi.<stack>.yaml`;
}

type Issue = z.core.$ZodIssue;

/** One line per problem: `<project>:<key.path>: <what is wrong>; <how to fix it>.` */
function describeIssue(issue: Issue): string[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const full = path === '' ? k : `${path}.${k}`;
      return `${PROJECT}:${full}: is not a known setting; check the spelling or remove it (\`pulumi config rm --path '${full}'\`).`;
    });
  }
  const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
  return [`${PROJECT}:${path}: ${missing ? 'is not set' : issue.message}; ${fixFor(path)}.`];
}

/**
 * Validates raw config values (as read from Pulumi config: strings, or objects for the
 * structured keys). `stackName` is the default environment.
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>, stackName: string): StackConfig {
  const input = { environment: stackName, ...raw };
  const result = stackConfigSchema.safeParse(input);
  if (result.success) {
    if (result.data.operators.install === 'crds' && result.data.cluster.mode !== 'existing') {
      throw new StackConfigError([
        `${PROJECT}:operators.install: "crds" runs no operators, which only a local cluster can do without; use "helm" with cluster.mode eks (\`pulumi config rm --path 'operators.install'\`).`,
      ]);
    }
    if (result.data.tls.issuer === 'letsencrypt' && result.data.cluster.mode !== 'eks') {
      throw new StackConfigError([
        `${PROJECT}:tls.issuer: letsencrypt solves DNS01 through Route53 with IRSA, which needs cluster.mode eks; use "selfsigned", or "existing" with the name of your ClusterIssuer.`,
      ]);
    }
    return result.data;
  }
  throw new StackConfigError(result.error.issues.flatMap(describeIssue));
}

/**
 * Reads every `debug-host-platform:*` key (so a misspelt key is reported, not ignored),
 * parses the structured ones from JSON, and validates them all.
 */
export function readStackConfig(): StackConfig {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!(OBJECT_KEYS as readonly string[]).includes(key)) {
      raw[key] = value;
      continue;
    }
    try {
      raw[key] = JSON.parse(value);
    } catch {
      problems.push(`${PROJECT}:${key}: is not a YAML mapping; write it as nested keys in Pulumi.<stack>.yaml.`);
    }
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return parseStackConfig(raw, pulumi.getStack());
}
