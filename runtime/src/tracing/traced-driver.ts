/**
 * A Driver whose operations are child spans of the call that asked for them: launch, stop,
 * reap, port checks. A run's spec (command, env, workspace) is never put on a span; only the
 * tenant and the project's id.
 */
import type { Driver, ExitInfo, LaunchSpec, LineListener, OrphanRef, RunHandle } from '../drivers/driver.js';
import { inSpan } from './spans.js';

export function tracedDriver(inner: Driver): Driver {
  const facts = (operation: string, ref: { readonly tenantId: string; readonly projectId?: string }) => ({ operation, tenant: ref.tenantId, project: ref.projectId });
  const driver: Driver = {
    name: inner.name,
    launch: (spec: LaunchSpec, onLine: LineListener) =>
      inSpan('driver.launch', facts('launch', spec), async () => tracedHandle(await inner.launch(spec, onLine), spec)),
    reapOrphan: (orphan: OrphanRef) => inSpan('driver.reap', facts('reap', orphan), () => inner.reapOrphan(orphan)),
    close: inner.close && (() => inner.close!()),
  };
  if (inner.portAvailable) driver.portAvailable = (port) => inSpan('driver.port_available', { operation: 'port-available' }, () => inner.portAvailable!(port));
  if (inner.portOpen) driver.portOpen = (ref, port) => inSpan('driver.port_open', facts('port-open', ref), () => inner.portOpen!(ref, port));
  return driver;
}

function tracedHandle(handle: RunHandle, spec: LaunchSpec): RunHandle {
  const stop = (graceMs: number): Promise<ExitInfo> => inSpan('driver.stop', { operation: 'stop', tenant: spec.tenantId, project: spec.projectId }, () => handle.stop(graceMs));
  const detach = handle.detach && (() => inSpan('driver.detach', { operation: 'detach', tenant: spec.tenantId, project: spec.projectId }, () => handle.detach!()));
  // The handle's own fields (exited, ready, pid, host) read through; only the operations are wrapped.
  return Object.create(handle, { stop: { value: stop }, ...(detach ? { detach: { value: detach } } : {}) }) as RunHandle;
}
