// CrossGuard loads a policy pack with require(<dir>) after registering its own ts-node for
// `.ts` requires. Load tsx's ESM hooks and import the TypeScript entry as ESM instead, which
// bypasses that hook; CrossGuard awaits the exported promise.
module.exports = import('tsx').then(() => import('./pack.ts'));
