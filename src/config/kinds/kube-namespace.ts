/**
 * Kubernetes `v1` Namespace: only the envelope matters to Trellis (labels such as
 * `istio-injection`); the rest of the object is accepted as Kubernetes would.
 */
import type { KindValidator } from './kind.js';
import { openObj, str, any } from '../schema.js';

export const kubeNamespace: KindValidator = {
  kind: 'Namespace',
  schema: openObj({ apiVersion: str(), kind: str(), metadata: any(), spec: openObj({ finalizers: any() }), status: any() }),
  validate() {},
};

