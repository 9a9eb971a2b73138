import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { synthPlatform } from '../../constructs/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function check(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) =>
    execFile('npm', ['run', '-s', 'policies:check', '--', ...args], { cwd: ROOT }, (err, stdout) => resolve({ code: err === null ? 0 : Number(err.code), stdout })),
  );
}

describe('npm run policies:check (manifests on disk)', () => {
  it('reads multi-document YAML from a folder, reports JSON, and exits 1 only on a mandatory violation', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifests-'));
    const platform = synthPlatform({ environment: 'dev', domain: 'dev.example.com', postgres: false }, [{ name: 'acme' }]);
    await writeFile(path.join(dir, 'platform.yaml'), platform.map((m) => stringify(m)).join('---\n'));
    const ok = await check('--json', dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ objects: platform.length });

    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'tenant-acme' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'busybox', securityContext: { runAsNonRoot: true }, resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }] } };
    await writeFile(path.join(dir, 'pod.json'), JSON.stringify(pod));
    const bad = await check('--json', dir);
    await rm(dir, { recursive: true, force: true });
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as { violations: { level: string; message: string }[] }).violations.filter((v) => v.level === 'mandatory').map((v) => v.message)).toEqual([
      'Pod tenant-acme/p: spec.hostNetwork is true; remove it so the pod stays in its own namespace.',
      'Pod tenant-acme/p: container "c" uses image "busybox" without a pinned tag; pin a version tag or digest instead of latest.',
    ]);
  }, 120_000);
});
