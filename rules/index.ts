export * from './tenant-id.js';
export * from './tenant-metrics.js';
export * from './autoscaler-floor.js';
