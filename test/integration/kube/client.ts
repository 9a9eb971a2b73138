/**
 * A small client for the integration tests against the API server of `scripts/services up
 * kube`: the kubeconfig's server, CA and token (or client certificate), raw HTTPS, JSON.
 *
 * Not @kubernetes/client-node: its KubernetesObjectApi.patch serializes built-in kinds
 * through its generated models, which drops fields the model does not know, so the server
 * would never see (and never reject) them. Here an object goes out as synthesized, with `fieldValidation=Strict`, so an unknown field is an error.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

const HINT = 'run `eval "$(scripts/services up kube)"` (or `scripts/services up`) first';

/** What the tests apply: any object with a kind and a name. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

export interface KubeResponse {
  readonly status: number;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  readonly body: unknown;
  readonly text: string;
  /** `Warning` headers (deprecations, fields the server ignored). */
  readonly warnings: readonly string[];
}

interface Resource {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** `Kind ns/name` for messages. */
export function describe(o: KubeObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** The `message` of a Status body, else the raw text. */
export function reason(r: KubeResponse): string {
  const b = r.body as { message?: unknown } | undefined;
  return `${r.status} ${typeof b?.message === 'string' ? b.message : r.text.slice(0, 500)}`;
}

/** Where and as whom: what the tests need of a kubeconfig. */
export interface Connection {
  readonly server: string;
  readonly ca: Buffer;
  readonly token?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
  clusters?: Array<{ name: string; cluster: { server: string; 'certificate-authority'?: string; 'certificate-authority-data'?: string } }>;
  users?: Array<{ name: string; user: { token?: string; 'client-certificate'?: string; 'client-key'?: string; 'client-certificate-data'?: string; 'client-key-data'?: string } }>;
}

/** The current context of a kubeconfig file (paths relative to the file, or inline data). */
export function loadKubeconfig(file: string): Connection {
  const doc = parse(readFileSync(file, 'utf8')) as KubeconfigFile;
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
  const cluster = doc.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx?.user)?.user;
  if (!ctx || !cluster || !user) throw new Error(`no complete current context in ${file}`);
  const read = (path: string | undefined, data: string | undefined) =>
    data ? Buffer.from(data, 'base64') : path ? readFileSync(resolve(dirname(file), path)) : undefined;
  const ca = read(cluster['certificate-authority'], cluster['certificate-authority-data']);
  if (!ca) throw new Error(`${file}: the cluster has no certificate-authority (TLS is verified)`);
  return {
    server: cluster.server,
    ca,
    token: user.token,
    cert: read(user['client-certificate'], user['client-certificate-data']),
    key: read(user['client-key'], user['client-key-data']),
  };
}

export class Kube {
  private readonly resources = new Map<string, Resource>();

  constructor(readonly connection: Connection) {}

  /** The admin client from $KUBECONFIG; throws with the fix when it is unset or the server is not ready. */
  static async connect(file = process.env.KUBECONFIG): Promise<Kube> {
    if (!file) throw new Error(`KUBECONFIG is not set: ${HINT}`);
    let connection: Connection;
    try {
      connection = loadKubeconfig(file);
    } catch (e) {
      throw new Error(`cannot load KUBECONFIG=${file} (${(e as Error).message}): ${HINT}`);
    }
    const kube = new Kube(connection);
    let ready: KubeResponse;
    try {
      ready = await kube.request('GET', '/readyz');
    } catch (e) {
      throw new Error(`the API server at ${connection.server} is unreachable (${(e as Error).message}): ${HINT}`);
    }
    if (ready.status !== 200) throw new Error(`the API server is not ready (${reason(ready)}): ${HINT}`);
    return kube;
  }

  /** The same server as another user: a bearer token (from the TokenRequest API, say). */
  withToken(token: string): Kube {
    return new Kube({ server: this.connection.server, ca: this.connection.ca, token });
  }

  /** One HTTPS request to the API server; never throws on an HTTP status. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const c = this.connection;
    const url = new URL(path, c.server);
    const opts: RequestOptions = {
      method,
      ca: c.ca,
      cert: c.cert,
      key: c.key,
      headers: { Accept: 'application/json', ...(c.token ? { Authorization: `Bearer ${c.token}` } : {}) },
      timeout: 30_000,
    };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) opts.headers = { ...opts.headers, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) };
    return new Promise<KubeResponse>((resolve, reject) => {
      const req = httpsRequest(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const w = res.headers.warning;
          resolve({ status: res.statusCode ?? 0, body: parsed, text, warnings: w === undefined ? [] : Array.isArray(w) ? w : [w] });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Plural and scope of a kind, from discovery (cached; `forget` after installing CRDs of a group). */
  async resource(apiVersion: string, kind: string): Promise<Resource> {
    const key = `${apiVersion}/${kind}`;
    const known = this.resources.get(key);
    if (known) return known;
    const r = await this.request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    if (r.status !== 200) throw new Error(`${apiVersion} is not served by the API server (${reason(r)}): is its CRD installed?`);
    const list = r.body as { resources: Array<{ name: string; kind: string; namespaced: boolean }> };
    const found = list.resources.find((x) => x.kind === kind && !x.name.includes('/'));
    if (!found) throw new Error(`${apiVersion} has no kind ${kind}`);
    const res = { plural: found.name, namespaced: found.namespaced };
    this.resources.set(key, res);
    return res;
  }

  forget(): void {
    this.resources.clear();
  }

  /** The object's URL path (collection path with `name` false). */
  async path(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, name = true): Promise<string> {
    const { plural, namespaced } = await this.resource(o.apiVersion, o.kind);
    if (namespaced && !o.metadata.namespace) throw new Error(`${describe(o as KubeObject)} is namespaced but has no metadata.namespace`);
    const root = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const ns = namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace ?? '')}` : '';
    return `${root}${ns}/${plural}${name ? `/${encodeURIComponent(o.metadata.name)}` : ''}`;
  }

  /** Server-side apply (force: these tests own the objects), strict field validation. */
  async apply(o: KubeObject, fieldManager: string, dryRun = false): Promise<KubeResponse> {
    const q = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true&fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`;
    return this.request('PATCH', `${await this.path(o)}${q}`, o, 'application/apply-patch+yaml');
  }

  async get(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<KubeResponse> {
    return this.request('GET', await this.path(o));
  }

  /** Deletes (background propagation); a missing object is fine. */
  async remove(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<void> {
    const r = await this.request('DELETE', await this.path(o), { propagationPolicy: 'Background' });
    if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new Error(`delete ${describe(o as KubeObject)}: ${reason(r)}`);
  }

  /** Namespaces that exist right now. */
  async namespaces(): Promise<Set<string>> {
    const r = await this.request('GET', '/api/v1/namespaces');
    if (r.status !== 200) throw new Error(`list namespaces: ${reason(r)}`);
    return new Set((r.body as { items: Array<{ metadata: { name: string } }> }).items.map((n) => n.metadata.name));
  }

  /** Deletes namespaces and waits until they are gone (the namespace controller empties them). */
  async deleteNamespaces(names: readonly string[], timeoutMs = 120_000): Promise<void> {
    for (const name of names) await this.remove({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await waitFor(`namespaces ${names.join(', ')} to be deleted`, timeoutMs, async () => {
      const left = await this.namespaces();
      return names.every((n) => !left.has(n));
    });
  }
}

/** Polls `check` every 250 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
