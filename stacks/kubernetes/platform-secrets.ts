/**
 * The Secrets the constructs reference but do not create (they hold credentials): the runtime's
 * JWT secret and cluster secret, the Redis password and the Postgres superuser the stack uses to manage tenant
 * roles. Values are derived from config secrets and stay secret in the state.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { CLUSTER_SECRET_REF } from '../platform-manifests.js';
import { deriveSecret } from '../secrets.js';

export interface PlatformSecretsArgs {
  readonly namespace: string;
  readonly secretSeed: string;
  /** Superuser name and password for CloudNativePG (`superuserSecret`). */
  readonly postgresUser: string;
  readonly postgresPassword: string;
  /** @default true */
  readonly redis?: boolean;
  readonly provider: k8s.Provider;
  readonly dependsOn: readonly pulumi.Resource[];
}

/** Names the constructs expect (DebugHost `jwtSecret`, RedisCluster `passwordSecret`). */
export const JWT_SECRET = 'debug-host-jwt';
export const REDIS_SECRET = 'debug-host-redis';
export const POSTGRES_SUPERUSER_SECRET = 'debug-host-pg-superuser';

export function platformSecrets(name: string, args: PlatformSecretsArgs, parent: pulumi.Resource): k8s.core.v1.Secret[] {
  const opts = { parent, provider: args.provider, dependsOn: [...args.dependsOn] };
  const secret = (secretName: string, stringData: Record<string, string>, type = 'Opaque') =>
    new k8s.core.v1.Secret(`${name}-${secretName}`, {
      metadata: { name: secretName, namespace: args.namespace, labels: { 'app.kubernetes.io/part-of': 'debug-host', 'app.kubernetes.io/managed-by': 'pulumi' } },
      type,
      stringData: pulumi.secret(stringData),
    }, opts);
  return [
    secret(JWT_SECRET, { secret: deriveSecret(args.secretSeed, 'jwt') }),
    secret(CLUSTER_SECRET_REF.name, { [CLUSTER_SECRET_REF.key]: deriveSecret(args.secretSeed, 'cluster') }),
    ...(args.redis === false ? [] : [secret(REDIS_SECRET, { password: deriveSecret(args.secretSeed, 'redis') })]),
    secret(POSTGRES_SUPERUSER_SECRET, { username: args.postgresUser, password: args.postgresPassword }, 'kubernetes.io/basic-auth'),
  ];
}
