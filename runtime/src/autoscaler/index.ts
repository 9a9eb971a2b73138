/**
 * The autoscaling logic's pure parts: configuration, forecast, decision, the HPA patch, the
 * HPA model, the replay that measures them and its CSV trace format. No I/O anywhere in this folder; the leader
 * loop that samples demand, keeps the history in the store and patches the HPA wires these.
 */
export * from './names.js';
export * from './config.js';
export * from './holt-winters.js';
export * from './forecast.js';
export * from './history.js';
export * from './decide.js';
export * from './actuation.js';
export * from './hpa-model.js';
export * from './replay.js';
export * from './trace-csv.js';
