/**
 * Test helper for anything that produces xDS resources (the compiler, the ADS server): asserts
 * that each resource encodes with the real Envoy protos and decodes back identical, with no
 * unknown, mistyped, dropped or rule-breaking fields (api/xds `checkRoundTrip`).
 */
import assert from 'node:assert/strict';
import { checkRoundTrip, inferResourceTypeUrl, type RoundTripOptions } from '../../src/api/xds/index.js';

function label(resource: object, index: number): string {
  const r = resource as Record<string, unknown>;
  const name = r['name'] ?? r['clusterName'];
  return typeof name === 'string' ? `'${name}'` : `#${index}`;
}

/**
 * Asserts every resource round-trips faithfully. The type of each comes from `typeUrl`, else its
 * `@type`, else the one resource type (Listener, RouteConfiguration, Cluster,
 * ClusterLoadAssignment) whose fields include all of its keys.
 */
export function assertEncodes(resources: readonly object[], typeUrl?: string, options?: RoundTripOptions): void {
  const failures: string[] = [];
  resources.forEach((resource, i) => {
    const url = typeUrl ?? inferResourceTypeUrl(resource);
    if (!url) {
      failures.push(`resource ${label(resource, i)}: cannot tell its type; give it an @type or pass typeUrl`);
      return;
    }
    const problems = checkRoundTrip(url, resource, options);
    if (problems.length) {
      const type = url.slice(url.lastIndexOf('.') + 1);
      failures.push(`${type} ${label(resource, i)}:\n    ${problems.join('\n    ')}`);
    }
  });
  assert.deepEqual(failures, [], `resources do not encode faithfully with the Envoy protos:\n  ${failures.join('\n  ')}`);
}
