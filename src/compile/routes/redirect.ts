/**
 * HTTPRedirect → Envoy RedirectAction and HTTPDirectResponse → DirectResponseAction, as Istio's
 * ApplyRedirect / ApplyDirectResponse: uri as pathRedirect (or prefixRewrite), authority as
 * hostRedirect, derivePort FROM_REQUEST_PORT as the listener port, default ports dropped for
 * their scheme, redirectCode to the response-code enum (301 default; unsupported codes yield no
 * action, as in Istio); bodies as inline string or bytes. Pure.
 */
import type { DirectResponseAction, RedirectAction, RedirectResponseCode } from '../../api/envoy/route.js';
import type { HTTPDirectResponse, HTTPRedirect } from '../../api/istio/virtual-service.js';

const CODES: Readonly<Record<number, RedirectResponseCode | undefined>> = {
  0: 'MOVED_PERMANENTLY',
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** The redirect action, or undefined when the redirect code is unsupported. */
export function translateRedirect(r: HTTPRedirect, listenPort: number, isTls: boolean): RedirectAction | undefined {
  const out: RedirectAction = {};
  if (r.authority) out.hostRedirect = r.authority;
  if (r.prefixRewrite) out.prefixRewrite = r.prefixRewrite;
  else if (r.uri) out.pathRedirect = r.uri;
  if (r.scheme) out.schemeRedirect = r.scheme;
  if (r.port != null || r.derivePort != null) {
    let port = 0;
    if (r.port != null) port = r.port;
    else if (r.derivePort === 'FROM_REQUEST_PORT') port = listenPort;
    const scheme = r.scheme || (isTls ? 'https' : 'http');
    if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) port = 0;
    if (port !== 0) out.portRedirect = port;
  }
  const code = CODES[r.redirectCode ?? 0];
  if (code === undefined) return undefined;
  if (code !== 'MOVED_PERMANENTLY') out.responseCode = code;
  return out;
}

export function translateDirectResponse(d: HTTPDirectResponse): DirectResponseAction {
  const out: DirectResponseAction = { status: d.status ?? 0 };
  if (d.body?.string != null) out.body = { inlineString: d.body.string };
  else if (d.body?.bytes != null) out.body = { inlineBytes: d.body.bytes };
  return out;
}
