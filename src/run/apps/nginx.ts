/**
 * `nginx` (the stock image, seed 003's second backend): `/` and `/index.html` answer the
 * "Welcome to nginx!" page, other paths nginx's 404 page, methods other than GET and HEAD on the
 * page nginx's 405; every reply carries `Server: nginx`. Static content only.
 */
import { serveHttp, text, type AppReply, type AppRequest } from './http-app.js';
import type { BuiltinAppOptions, RunningApp } from './types.js';

export const NGINX_PORT = 80;
const HTML = 'text/html';

const WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

function errorPage(status: number, reason: string): AppReply {
  return text(status, `<html>
<head><title>${status} ${reason}</title></head>
<body>
<center><h1>${status} ${reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
`, HTML);
}

export function nginxHandler() {
  return (req: AppRequest): AppReply => {
    if (req.path !== '/' && req.path !== '/index.html') return errorPage(404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return errorPage(405, 'Not Allowed');
    return { status: 200, headers: { 'content-type': HTML, 'accept-ranges': 'bytes' }, body: WELCOME };
  };
}

export function startNginx(o: BuiltinAppOptions): Promise<RunningApp> {
  return serveHttp({ host: o.host, port: o.port, server: 'nginx' }, nginxHandler());
}
