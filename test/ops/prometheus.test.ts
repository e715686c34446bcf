/**
 * deploy/prometheus and deploy/grafana against the real tools: the rules and configs pass promtool and
 * amtool, the rules' own unit tests pass (`promtool test rules`), and, live, `npm start`'s demo is scraped
 * by a real Prometheus whose alerts reach a real Alertmanager, which posts them to a webhook here: a
 * scripted participant's degradation fires CallmosParticipantDegraded and its recovery resolves it; every
 * Grafana panel query returns data from that Prometheus; stopping the demo fires CallmosMonitorDown.
 * The live run loads the shipped prometheus.yml and alertmanager.yml with their hosts, the webhook and the
 * intervals substituted (1 s scrapes, 1 s grouping), and shortens every rule's `for:` to 3 s.
 * Skips, saying why, without Debian's prometheus / prometheus-alertmanager (CI installs them).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerMissing } from '../../packages/server/test/helpers/mediasoup.js';
import { largestShippedModel } from '../../packages/server/test/helpers/models.js';
import { ffmpegPath } from '../../examples/lib/ffmpeg.mjs';
import { speechSource } from '../../examples/lib/speech.mjs';
import { interrupt, missingBuild, REPO, startExample, type ExampleProcess } from '../helpers/example-process.js';
import { query, startAlertmanager, startPrometheus, tools, type Daemon } from './prom-stack.js';

const DEPLOY = path.join(REPO, 'deploy');
const rules = readFileSync(path.join(DEPLOY, 'prometheus/alerts.yml'), 'utf8');
const promConfig = readFileSync(path.join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8');
const amConfig = readFileSync(path.join(DEPLOY, 'prometheus/alertmanager.yml'), 'utf8');
const dashboard = JSON.parse(readFileSync(path.join(DEPLOY, 'grafana/callmos-dashboard.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

const toolsMissing = (Object.entries(tools) as [string, string | null][]).filter(([, p]) => !p).map(([n]) => n);
const noTools = toolsMissing.length ? `missing ${toolsMissing.join(', ')} (apt-get install prometheus prometheus-alertmanager)` : null;
if (noTools) console.warn(`prometheus tests skipped: ${noTools}`);

describe.skipIf(noTools !== null)('deploy/prometheus with promtool and amtool', () => {
  const run = (bin: string, args: string[]) => execFileSync(bin, args, { cwd: path.join(DEPLOY, 'prometheus'), encoding: 'utf8' });
  it('the rules, the Prometheus and Alertmanager configs are valid', () => {
    expect(run(tools.promtool!, ['check', 'rules', 'alerts.yml'])).toMatch(/SUCCESS: 5 rules found/);
    expect(run(tools.promtool!, ['check', 'config', 'prometheus.yml'])).toMatch(/SUCCESS/);
    expect(run(tools.amtool!, ['check-config', 'alertmanager.yml'])).toMatch(/SUCCESS/);
  });
  it("the rules' unit tests pass (promtool test rules)", () => {
    expect(run(tools.promtool!, ['test', 'rules', 'alerts.test.yml'])).toMatch(/SUCCESS/);
  });
});

interface Notification {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const liveSkip =
  noTools ??
  missingBuild() ??
  workerMissing ??
  (ffmpegPath ? null : 'ffmpeg is not installed') ??
  (largestShippedModel() ? null : 'no shipped model') ??
  (speechSource.startsWith('librispeech') ? null : 'needs the LibriSpeech subset of ../shared/corpora (the TTS fixture scores below the alert threshold)');
if (liveSkip && !noTools) console.warn(`live prometheus test skipped: ${liveSkip}`);

describe.skipIf(liveSkip !== null)('live: the demo, Prometheus, Alertmanager and a webhook', () => {
  let demo: ExampleProcess;
  let prometheus: Daemon;
  let alertmanager: Daemon;
  let webhook: Server;
  const notifications: Notification[] = [];

  const waitFor = async <T>(what: string, find: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(`${what} not seen in ${timeoutMs} ms; webhook got ${JSON.stringify(notifications)}\nprometheus:\n${prometheus?.output().slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const msg = JSON.parse(body) as { alerts: Notification[] };
        notifications.push(...msg.alerts.map((a) => ({ status: a.status, labels: a.labels, annotations: a.annotations })));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
    // the shipped configs, with what a test must change (hosts, ports, the webhook) and shorter intervals;
    // every substitution is checked to have happened, so a config that drifts fails here
    const sub = (text: string, pairs: [RegExp | string, string][]) =>
      pairs.reduce((t, [from, to]) => {
        if (!(typeof from === 'string' ? t.includes(from) : from.test(t))) throw new Error(`shipped config lacks ${from}`);
        return t.replace(from, to);
      }, text);
    alertmanager = await startAlertmanager(
      sub(amConfig, [
        ['http://127.0.0.1:9000/alerts', hook],
        ['group_wait: 10s', 'group_wait: 1s'],
        ['group_interval: 1m', 'group_interval: 1s'],
      ]),
    );
    demo = await startExample('qoe-dashboard/server.mjs', ['--port', '0', '--phase-seconds', '10'], /dashboard at (http:\S+)/, { timeoutMs: 90_000 });
    prometheus = await startPrometheus(
      sub(promConfig, [
        ['scrape_interval: 15s', 'scrape_interval: 1s'],
        ['evaluation_interval: 15s', 'evaluation_interval: 1s'],
        ["'127.0.0.1:9093'", `'${new URL(alertmanager.url).host}'`],
        ["'127.0.0.1:8080'", `'${new URL(demo.url).host}'`],
      ]),
      { 'alerts.yml': `# deploy/prometheus/alerts.yml with every for: shortened to 3s for the test\n${rules.replace(/for: \d+[smh]/g, 'for: 3s')}` },
    );
  }, 150_000);

  afterAll(async () => {
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
    await prometheus?.stop();
    await alertmanager?.stop();
    await new Promise((r) => webhook?.close(r));
  });

  it('a scripted participant fires CallmosParticipantDegraded at the webhook, and its recovery resolves it', async () => {
    const resolved = await waitFor(
      'a CallmosParticipantDegraded that fired and then resolved',
      () =>
        notifications.find(
          (n) =>
            n.status === 'resolved' &&
            n.labels.alertname === 'CallmosParticipantDegraded' &&
            notifications.some((f) => f.status === 'firing' && f.labels.producer === n.labels.producer),
        ),
      150_000,
    );
    const fired = notifications.find((f) => f.status === 'firing' && f.labels.producer === resolved.labels.producer)!;
    console.info(`fired: ${fired.annotations.summary}; then resolved`);
    expect(fired.labels.severity).toBe('warning');
    expect(fired.labels.room).toBeTruthy();
    expect(fired.annotations.summary).toMatch(/sounds poor \(MOS [12]\.\d\d\)/);
  }, 170_000);

  it('every Grafana panel query runs on the live Prometheus and has data', async () => {
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        const expr = t.expr.replaceAll('$room', '.*').replaceAll('$__rate_interval', '1m');
        const result = await query(prometheus.url, expr);
        expect(result.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
      }
    }
  });

  it('stopping the demo fires CallmosMonitorDown', async () => {
    interrupt(demo);
    await demo.exited;
    const down = await waitFor('CallmosMonitorDown firing', () => notifications.find((n) => n.status === 'firing' && n.labels.alertname === 'CallmosMonitorDown'), 60_000);
    expect(down.labels.severity).toBe('critical');
  }, 70_000);
});
