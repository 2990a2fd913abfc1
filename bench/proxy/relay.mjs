// The floor of a proxy written on Node's `net` sockets: each client connection gets its own
// upstream connection and bytes are copied both ways (`data` → `write`), with no HTTP parsing,
// routing or pooling. Usage: node bench/proxy/relay.mjs LISTEN_PORT UPSTREAM_PORT (127.0.0.1).
import net from 'node:net';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
net.createServer((down) => {
  down.setNoDelay(true);
  const up = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
  down.on('data', (c) => up.write(c));
  up.on('data', (c) => down.write(c));
  down.on('close', () => up.destroy());
  up.on('close', () => down.destroy());
  down.on('error', () => {});
  up.on('error', () => {});
}).listen(port, '127.0.0.1', () => console.log(`relay listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
