// A stand-in for Bookinfo's reviews service (not from the guide; see README "Workloads added for
// Trellis"): answers every path with which version and pod answered, and for which end-user, so
// that header routing, URI matches and weights show in each answer. It runs as a container's
// `command` under `trellis up`, which gives it HOST and PORT (its own address and the container
// port), POD_NAME and the container's env (VERSION). Node's standard library only.
import http from 'node:http';

const { HOST = '127.0.0.1', PORT = '9080', POD_NAME = 'reviews', VERSION = 'v1' } = process.env;

const server = http.createServer((req, res) => {
  const user = req.headers['end-user'];
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`reviews ${VERSION} (${POD_NAME}) answered ${req.method} ${req.url}${user ? ` for end-user ${user}` : ''}\n`);
});
server.on('error', (e) => {
  console.error(`reviews-stub cannot listen on ${HOST}:${PORT}: ${e.message}`);
  process.exit(1);
});
server.listen(Number(PORT), HOST, () => console.log(`reviews ${VERSION} listening on ${HOST}:${PORT}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
