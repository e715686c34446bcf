/**
 * A local webhook receiver for the demo: prints every JSON body POSTed to it. Stands in for your pager,
 * chat or incident tool. Also usable alone: node examples/alerting/receiver.mjs [--port 8099]
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * @param {{ port?: number, host?: string, onAlert?: (body: any) => void }} [options]
 * @returns {Promise<{ url: string, received: any[], close: () => Promise<void> }>}
 */
export async function startReceiver({ port = 0, host = '127.0.0.1', onAlert = (b) => console.log(`webhook received: ${b.text}`) } = {}) {
  /** @type {any[]} */
  const received = [];
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        const alert = JSON.parse(body);
        received.push(alert);
        onAlert(alert);
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end('not JSON');
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${host}:${address.port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8099' } } });
  const receiver = await startReceiver({ port: Number(values.port), onAlert: (b) => console.log(JSON.stringify(b)) });
  console.log(`webhook receiver at ${receiver.url}`);
}
