export * from './event-publisher.js';
export * from './topics.js';
export * from './outbox-relay.js';
export * from './kafka-publisher.js';
export * from './kafka-relay.js';
export * from './log-publisher.js';
export * from './create-relay.js';
