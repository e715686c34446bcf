/**
 * Real Prometheus and Alertmanager (Debian's `prometheus` and `prometheus-alertmanager`) for the tests: each
 * started on a free loopback port with its own temporary storage, waited on until ready, stopped with
 * its process group.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const tools = {
  prometheus: which('prometheus'),
  promtool: which('promtool'),
  alertmanager: which('prometheus-alertmanager') ?? which('alertmanager'),
  amtool: which('amtool'),
};


export interface Daemon {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startDaemon(bin: string, args: (port: number, dir: string) => string[], files: Record<string, string>): Promise<Daemon> {
  const dir = mkdtempSync(path.join(tmpdir(), `callmos-${path.basename(bin)}-`));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(bin, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${bin} exited (${child.exitCode}):\n${out}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`${bin} not ready in 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

/** Prometheus with `config` (prometheus.yml text) and rule files beside it. */
export function startPrometheus(config: string, ruleFiles: Record<string, string>): Promise<Daemon> {
  return startDaemon(
    tools.prometheus!,
    (port, dir) => [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // alerts are re-sent to Alertmanager every minute by default; the test wants them within seconds
      '--rules.alert.resend-delay=1s',
    ],
    { 'prometheus.yml': config, ...ruleFiles },
  );
}

/** Alertmanager with `config` (alertmanager.yml text), clustering off. */
export function startAlertmanager(config: string): Promise<Daemon> {
  return startDaemon(
    tools.alertmanager!,
    (port, dir) => [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { 'alertmanager.yml': config },
  );
}

/** An instant query; throws unless Prometheus answers `success`. */
export async function query(prometheusUrl: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error ?? res.status}`);
  return body.data!.result;
}
