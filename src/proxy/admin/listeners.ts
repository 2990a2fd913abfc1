/**
 * Envoy's admin `/listeners`: one `NAME::ADDRESS:PORT` line per active listener (the bootstrap's
 * static ones, i.e. Istio's Prometheus and health listeners, first; then the dynamic ones in the
 * order LDS sent them), or with `?format=json` Envoy's admin.v3.Listeners
 * (`listener_statuses[].name/local_address`). Pure rendering of a RuntimeSnapshot.
 */
import type { Address } from '../../api/envoy/common.js';
import type { RuntimeSnapshot } from '../bootstrap/runtime.js';

/** A listener the proxy runs outside LDS (Envoy's bootstrap static_resources). */
export interface StaticListener {
  name: string;
  address: string;
  port: number;
}

export function addressText(a: Address | undefined): string {
  if (a?.pipe?.path) return `unix://${a.pipe.path}`;
  const s = a?.socketAddress;
  if (!s) return '';
  const host = s.address.includes(':') ? `[${s.address}]` : s.address;
  return `${host}:${s.portValue ?? 0}`;
}

interface Row {
  name: string;
  address: Address;
}

function rows(snapshot: RuntimeSnapshot, statics: readonly StaticListener[]): Row[] {
  return [
    ...statics.map((l) => ({ name: l.name, address: { socketAddress: { address: l.address, portValue: l.port } } })),
    ...[...snapshot.listeners.values()].map((e) => ({ name: e.listener.name, address: e.listener.address })),
  ];
}

export function renderListenersText(snapshot: RuntimeSnapshot, statics: readonly StaticListener[] = []): string {
  return rows(snapshot, statics).map((r) => `${r.name}::${addressText(r.address)}\n`).join('');
}

export function renderListenersJson(snapshot: RuntimeSnapshot, statics: readonly StaticListener[] = []): object {
  return {
    listenerStatuses: rows(snapshot, statics).map((r) => ({ name: r.name, localAddress: r.address })),
  };
}
