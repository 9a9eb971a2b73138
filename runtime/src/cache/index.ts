export * from './cache.js';
export * from './memory-cache.js';
export * from './redis-cache.js';
export * from './redis-connection.js';
export * from './redis-guard.js';
export * from './create-cache.js';
