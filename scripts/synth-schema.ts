/**
 * Validates synthesized manifests against real schemas:
 * - built-in kinds with kubernetes-models' `validate()` (the Kubernetes OpenAPI schema);
 * - Gateway API, cert-manager, Prometheus operator, KEDA, Karpenter kinds with their
 *   `@kubernetes-models/*` classes;
 * - CloudNativePG, Strimzi and Envoy Gateway kinds against the `openAPIV3Schema` of the CRDs
 *   committed in constructs/crds/ (ajv), so the check runs from a clean clone.
 * An object whose kind has no schema is an error, never a silent pass.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'constructs', 'crds');

/** API groups served by an `@kubernetes-models/*` package. */
const MODEL_PACKAGES: Record<string, string> = {
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'acme.cert-manager.io': '@kubernetes-models/cert-manager',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
  'karpenter.sh': '@kubernetes-models/karpenter',
  'karpenter.k8s.aws': '@kubernetes-models/karpenter',
};

export interface SchemaProblem {
  readonly object: string;
  readonly message: string;
}

interface CrdDoc {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: object } }[];
  };
}

type Addable = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: Addable }).default ?? addFormatsModule) as unknown as Addable;

let crdValidators: CrdValidators | undefined;

interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: boolean | StructuralSchema;
  items?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

/**
 * Fields the API server would silently prune: a CRD schema does not reject unknown fields,
 * it drops them, so a misspelt field validates yet never reaches the operator.
 */
export function unknownFields(schema: StructuralSchema | undefined, value: unknown, path = ''): string[] {
  if (!schema || value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(schema.items, v, `${path}/${i}`));
  if (schema['x-kubernetes-preserve-unknown-fields']) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    if (schema['x-kubernetes-embedded-resource'] && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (!sub && schema.additionalProperties !== true) out.push(`${path}/${k}`);
    else out.push(...unknownFields(sub, v, `${path}/${k}`));
  }
  return out;
}

/** `group/version/Kind` -> ajv validator (compiled on first use), for every CRD under `dir`. */
export interface CrdValidators {
  has(key: string): boolean;
  get(key: string): ValidateFunction | undefined;
  schema(key: string): StructuralSchema | undefined;
  keys(): string[];
}

/** Loads the CRDs under constructs/crds/ (or `dir`). */
export function loadCrdValidators(dir = CRD_DIR): CrdValidators {
  if (crdValidators && dir === CRD_DIR) return crdValidators;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // Kubernetes formats ajv-formats does not know; accepted as in the API server.
  for (const f of ['int32', 'int64', 'byte', 'quantity', 'int-or-string', 'duration']) {
    if (!ajv.formats[f]) ajv.addFormat(f, true);
  }
  const schemas = new Map<string, StructuralSchema>();
  const compiled = new Map<string, ValidateFunction>();
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const file of readdirSync(join(dir, sub.name))) {
      if (!file.endsWith('.yaml')) continue;
      for (const doc of parseAllDocuments(readFileSync(join(dir, sub.name, file), 'utf8'))) {
        const crd = doc.toJSON() as CrdDoc | null;
        if (!crd || crd.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
        for (const v of crd.spec.versions) {
          const schema = v.schema?.openAPIV3Schema;
          if (schema) schemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, schema);
        }
      }
    }
  }
  const out: CrdValidators = {
    has: (key) => schemas.has(key),
    schema: (key) => schemas.get(key),
    keys: () => [...schemas.keys()],
    get(key) {
      const schema = schemas.get(key);
      if (!schema) return undefined;
      let fn = compiled.get(key);
      if (!fn) {
        fn = ajv.compile(schema);
        compiled.set(key, fn);
      }
      return fn;
    },
  };
  if (dir === CRD_DIR) crdValidators = out;
  return out;
}

function describe(obj: Record<string, unknown>): string {
  const meta = (obj.metadata ?? {}) as { name?: string; namespace?: string };
  return `${String(obj.apiVersion)} ${String(obj.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name ?? '<no name>'}`;
}

/** The module exporting the kubernetes-models class for `apiVersion`/`kind`, if any. */
export function modelModule(apiVersion: string, kind: string): string | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (MODEL_PACKAGES[group]) return `${MODEL_PACKAGES[group]}/${group}/${version}/${kind}`;
  if (group.endsWith('.k8s.io') || ['apps', 'batch', 'autoscaling', 'policy'].includes(group)) {
    return `kubernetes-models/${group}/${version}/${kind}`;
  }
  return undefined;
}

/** Validates every object; returns the problems found (empty when all are valid). */
export async function validateManifests(objects: readonly Record<string, unknown>[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  const crds = loadCrdValidators();
  for (const obj of objects) {
    const apiVersion = String(obj.apiVersion ?? '');
    const kind = String(obj.kind ?? '');
    const name = describe(obj);
    const meta = obj.metadata as { name?: unknown } | undefined;
    if (!meta || typeof meta.name !== 'string' || meta.name.length === 0) {
      problems.push({ object: name, message: 'metadata.name is missing' });
    }
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const crdKey = `${apiVersion}/${kind}`;
    const crd = crds.get(crdKey);
    if (crd) {
      if (!crd(obj)) {
        problems.push({ object: name, message: (crd.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('; ') });
      }
      const pruned = unknownFields(crds.schema(crdKey), obj);
      if (pruned.length > 0) {
        problems.push({ object: name, message: `unknown fields the API server would drop: ${pruned.join(', ')}` });
      }
      continue;
    }
    const mod = modelModule(apiVersion, kind);
    if (!mod) {
      problems.push({ object: name, message: `no schema known for ${crdKey} (group "${group}"): add its CRD under constructs/crds/ or a model package` });
      continue;
    }
    let Model: new (o: unknown) => { validate(): void };
    try {
      const m = (await import(mod)) as Record<string, unknown>;
      Model = m[kind] as typeof Model;
      if (typeof Model !== 'function') throw new Error(`${mod} does not export ${kind}`);
    } catch (e) {
      problems.push({ object: name, message: `no schema for ${crdKey}: ${(e as Error).message}` });
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      problems.push({ object: name, message: (e as Error).message });
    }
  }
  return problems;
}
