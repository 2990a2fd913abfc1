/**
 * VirtualService header operations (request/response set/add/remove) to Envoy header lists, as
 * Istio's TranslateHeadersOperations does: `set` overwrites, `add` appends, each sorted by name;
 * pseudo-headers and `host` are never written, but a set/add of `:authority`/`host` is returned
 * as the authority to rewrite to (set wins over add). Pure.
 */
import type { HeaderValueOption } from '../../api/envoy/common.js';
import type { HeaderOperations, Headers } from '../../api/istio/virtual-service.js';

export interface HeaderOps {
  requestHeadersToAdd: HeaderValueOption[];
  requestHeadersToRemove: string[];
  responseHeadersToAdd: HeaderValueOption[];
  responseHeadersToRemove: string[];
  /** Authority from a request set/add of `:authority` or `host`; '' when none. */
  authority: string;
}

function isInternal(key: string): boolean {
  return key.startsWith(':') || key.toLowerCase() === 'host';
}

function isAuthority(key: string): boolean {
  const k = key.toLowerCase();
  return k === ':authority' || k === 'host';
}

function toOptions(map: Record<string, string> | null | undefined, append: boolean): { opts: HeaderValueOption[]; authority: string } {
  let authority = '';
  const opts: HeaderValueOption[] = [];
  if (!map) return { opts, authority };
  for (const [key, value] of Object.entries(map)) {
    if (isAuthority(key)) authority = value;
    if (isInternal(key)) continue;
    opts.push({
      header: { key, value },
      appendAction: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD',
    });
  }
  opts.sort((a, b) => (a.header.key < b.header.key ? -1 : a.header.key > b.header.key ? 1 : 0));
  return { opts, authority };
}

function removals(list: string[] | null | undefined): string[] {
  return (list ?? []).filter((k) => !isInternal(k));
}

export function translateHeaders(headers: Headers | null | undefined): HeaderOps {
  const req: HeaderOperations = headers?.request ?? {};
  const resp: HeaderOperations = headers?.response ?? {};
  const reqSet = toOptions(req.set, false);
  const reqAdd = toOptions(req.add, true);
  return {
    requestHeadersToAdd: [...reqSet.opts, ...reqAdd.opts],
    requestHeadersToRemove: removals(req.remove),
    responseHeadersToAdd: [...toOptions(resp.set, false).opts, ...toOptions(resp.add, true).opts],
    responseHeadersToRemove: removals(resp.remove),
    authority: reqSet.authority !== '' ? reqSet.authority : reqAdd.authority,
  };
}

/** Sets the non-empty lists of `ops` on `target` (appending to lists already there). */
export function applyHeaderOps(
  target: {
    requestHeadersToAdd?: HeaderValueOption[];
    requestHeadersToRemove?: string[];
    responseHeadersToAdd?: HeaderValueOption[];
    responseHeadersToRemove?: string[];
  },
  ops: HeaderOps,
): void {
  if (ops.requestHeadersToAdd.length) target.requestHeadersToAdd = [...(target.requestHeadersToAdd ?? []), ...ops.requestHeadersToAdd];
  if (ops.requestHeadersToRemove.length)
    target.requestHeadersToRemove = [...(target.requestHeadersToRemove ?? []), ...ops.requestHeadersToRemove];
  if (ops.responseHeadersToAdd.length) target.responseHeadersToAdd = [...(target.responseHeadersToAdd ?? []), ...ops.responseHeadersToAdd];
  if (ops.responseHeadersToRemove.length)
    target.responseHeadersToRemove = [...(target.responseHeadersToRemove ?? []), ...ops.responseHeadersToRemove];
}
