export * from './tenant-id.js';
