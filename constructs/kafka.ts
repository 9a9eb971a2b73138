import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface KafkaProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** Strimzi Kafka name. @default 'debug-host-kafka' */
  readonly name?: string;
  /** @default '4.1.0' */
  readonly version?: string;
  /** KRaft controllers. @default 3 */
  readonly controllers?: number;
  /** @default 3 */
  readonly brokers?: number;
  /** @default '50Gi' */
  readonly brokerStorageSize?: string;
  /** Tenant ids: a KafkaUser each, with ACLs on `tenant.<id>.` topics only. @default [] */
  readonly tenants?: readonly string[];
}

/** Strimzi KRaft Kafka, node pools, topics and tenant users. (Being filled in.) */
export class Kafka extends Construct {
  readonly name: string;
  readonly bootstrapServers: string;
  readonly apiObjects: readonly ApiObject[] = [];
  constructor(scope: Construct, id: string, props: KafkaProps = {}) {
    super(scope, id);
    this.name = props.name ?? 'debug-host-kafka';
    this.bootstrapServers = `${this.name}-kafka-bootstrap.${props.namespace ?? 'debug-host'}.svc:9093`;
  }
}
