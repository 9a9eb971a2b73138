/**
 * Both test tiers resolve the workspace packages (`@debug-host/constructs`) to their
 * TypeScript source through the `@debug-host/source` export condition, as tsconfig's
 * customConditions and the tsx command lines do, so no test runs a stale dist/. Vite's own
 * 'module' condition is left out: it picks builds Node cannot load (@opentelemetry/api's).
 */
export const sourceConditions = { ssr: { resolve: { conditions: ['@debug-host/source', 'node', 'development|production'] } } };
