import { ApiObject, type ApiObjectProps } from 'cdk8s';
import { Construct } from 'constructs';

/** A key in a Secret created outside the constructs (by the Pulumi stacks or an operator). */
export interface SecretKeyRef {
  /** Secret name (in the consuming workload's namespace). */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** CPU and memory requests and limits of a container. */
export interface ResourceProps {
  /** @default - per construct */
  readonly cpuRequest?: string;
  /** @default - per construct */
  readonly memoryRequest?: string;
  /** @default - per construct */
  readonly cpuLimit?: string;
  /** @default - per construct */
  readonly memoryLimit?: string;
}

/** Any typed Kubernetes object model (`@kubernetes-models/*` interfaces or plain manifests). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** @default - none */
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/**
 * Emits an object typed by a `@kubernetes-models/*` interface (or a plain manifest) as a
 * cdk8s ApiObject. The model packages are used for their types here and for validation in
 * the tests, so the compiled constructs need only cdk8s at run time.
 */
export function modelObject<T extends { readonly apiVersion: string; readonly kind: string }>(scope: Construct, id: string, obj: T): ApiObject {
  return new ApiObject(scope, id, obj as unknown as ApiObjectProps);
}
