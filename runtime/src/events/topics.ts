/**
 * Where each outbox event goes. Five streams, one Kafka topic each, as declared by the
 * `Kafka` construct (DEFAULT_KAFKA_TOPICS):
 *
 *   debug-host.lifecycle  project.*, tenant.*, run.*, replica.* (and any type not listed)
 *   debug-host.usage      usage.*   (metering for billing)
 *   debug-host.audit      audit, audit.*
 *   debug-host.logs       logs.*, log.*
 *   debug-host.scaling    scaling.* (the autoscaler's decisions)
 *
 * The stream is the part of the event type before the first dot. Unknown prefixes go to
 * lifecycle so that a new event type is never dropped and never needs a topic nobody made.
 * Messages are keyed by the event's key (the project id, or the tenant id for tenant
 * events), so one project's events stay in one partition, in order.
 */
export const EVENT_STREAMS = ['lifecycle', 'usage', 'audit', 'logs', 'scaling'] as const;
export type EventStream = (typeof EVENT_STREAMS)[number];

/** @default 'debug-host' */
export const DEFAULT_TOPIC_PREFIX = 'debug-host';

const STREAM_OF_PREFIX: Readonly<Record<string, EventStream>> = Object.freeze({
  project: 'lifecycle',
  tenant: 'lifecycle',
  run: 'lifecycle',
  replica: 'lifecycle',
  usage: 'usage',
  audit: 'audit',
  logs: 'logs',
  log: 'logs',
  scaling: 'scaling',
});

export function streamOf(eventType: string): EventStream {
  const prefix = eventType.split('.', 1)[0] ?? '';
  return STREAM_OF_PREFIX[prefix] ?? 'lifecycle';
}

export function topicFor(eventType: string, prefix: string = DEFAULT_TOPIC_PREFIX): string {
  return `${prefix}.${streamOf(eventType)}`;
}

export function allTopics(prefix: string = DEFAULT_TOPIC_PREFIX): string[] {
  return EVENT_STREAMS.map((s) => `${prefix}.${s}`);
}
