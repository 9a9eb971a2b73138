import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { SecretKeyRef } from './common.js';

export interface RedisClusterProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** @default 'debug-host-redis' */
  readonly name?: string;
  /** @default 3 */
  readonly primaries?: number;
  /** Replicas per primary. @default 1 */
  readonly replicasPerPrimary?: number;
  /** @default 'redis:7.4.2' */
  readonly image?: string;
  /** PVC size per node. @default '5Gi' */
  readonly storageSize?: string;
  /** Secret key with the password (requirepass and masterauth). @default { name: 'debug-host-redis', key: 'password' } */
  readonly passwordSecret?: SecretKeyRef;
}

/** Redis Cluster as a StatefulSet plus an init Job. (Being filled in.) */
export class RedisCluster extends Construct {
  readonly name: string;
  readonly apiObjects: readonly ApiObject[] = [];
  constructor(scope: Construct, id: string, props: RedisClusterProps = {}) {
    super(scope, id);
    this.name = props.name ?? 'debug-host-redis';
  }
}
