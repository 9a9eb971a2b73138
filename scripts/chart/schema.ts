/**
 * values.schema.json from the knob table (JSON Schema draft-07, which Helm checks the merged
 * values against before rendering; its errors name the field, e.g.
 * "at '/autoscaling/minReplicas': minimum: got 0, want 1"). Unknown keys are errors, so a
 * misspelt value does not silently do nothing. Patterns are RE2-compatible (no lookahead).
 */
import { KNOBS, type Knob, QUANTITY_SCHEMA, TENANT_KNOBS } from './knobs.js';
import type { Json } from './tree.js';

type Schema = { [k: string]: Json };

function leaf(k: Knob, withDefault: boolean): Schema {
  const base: Schema = k.type === 'quantity' ? { ...QUANTITY_SCHEMA, type: [...QUANTITY_SCHEMA.type] } : { type: k.type };
  return { ...base, ...(k.schema ?? {}), description: k.description, ...(withDefault && k.default !== undefined ? { default: k.default } : {}) };
}

/** Nested objects for dotted paths; every key of an object is required when `required`. */
function tree(knobs: readonly Knob[], required: boolean, withDefault: boolean): Schema {
  const root: Schema = { type: 'object', additionalProperties: false, properties: {} };
  for (const k of knobs) {
    const keys = k.path.split('.');
    let node = root;
    for (const key of keys.slice(0, -1)) {
      const props = node.properties as Schema;
      node = (props[key] ??= { type: 'object', additionalProperties: false, properties: {} }) as Schema;
    }
    (node.properties as Schema)[keys[keys.length - 1] as string] = leaf(k, withDefault);
  }
  const walk = (n: Schema) => {
    if (n.type !== 'object') return;
    const props = n.properties as Schema;
    if (required) n.required = Object.keys(props);
    Object.values(props).forEach((p) => walk(p as Schema));
  };
  walk(root);
  return root;
}

export function valuesSchema(): Schema {
  const root = tree(KNOBS, true, true);
  const tenant = tree(TENANT_KNOBS, false, false);
  tenant.required = ['name'];
  const props = root.properties as Schema;
  props.tenants = { type: 'array', description: 'Tenants: a namespace with quota, limits, policies and roles each, a host on the gateway, a Kafka user, a schema, a dashboard.', items: tenant };
  // Helm passes `global` to every chart; nothing here reads it.
  props.global = { type: 'object', description: 'Helm global values (unused).' };
  (root.required as string[]).push('tenants');
  const replica = ((props.postgres as Schema).properties as Schema).replica as Schema;
  replica.if = { properties: { enabled: { const: true } } };
  replica.then = { properties: { destinationPath: { minLength: 1 } } };
  return { $schema: 'http://json-schema.org/draft-07/schema#', title: 'Debug Host Platform chart values', ...root };
}
