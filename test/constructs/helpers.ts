import { Chart, Testing } from 'cdk8s';
import { expect } from 'vitest';
import { validateManifests } from '../../scripts/synth-schema.js';

/** A plain manifest as synthesized. */
export type Obj = Record<string, any> & { apiVersion: string; kind: string; metadata: Record<string, any> };

/** Builds constructs in a fresh chart and returns `Testing.synth(chart)`. */
export function synth(build: (chart: Chart) => void): Obj[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as Obj[];
}

/** Every object of `kind` (optionally with `name`). */
export function all(objs: readonly Obj[], kind: string, name?: string): Obj[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

/** The one object of `kind` (and `name`); fails the test when there is not exactly one. */
export function one(objs: readonly Obj[], kind: string, name?: string): Obj {
  const found = all(objs, kind, name);
  expect(found.map((o) => `${o.kind}/${o.metadata.name}`), `exactly one ${kind}${name ? `/${name}` : ''}`).toHaveLength(1);
  return found[0] as Obj;
}

/** Asserts every object validates against its Kubernetes or CRD schema. */
export async function expectValid(objs: readonly Obj[]): Promise<void> {
  expect(objs.length).toBeGreaterThan(0);
  const problems = await validateManifests(objs);
  expect(problems).toEqual([]);
}
