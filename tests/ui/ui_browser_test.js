#!/usr/bin/env node
// The UI against the real `clt collector`: starts it on loopback port 0,
// loads it through its OTLP/HTTP and IOAM gRPC receivers, then drives Debian's
// Chromium over the UI it serves. Screenshots go to tests/artifacts/ui and,
// with --update-docs, to docs/img. With --auth-token the collector runs with
// --auth-token-file: the API must answer 401 without the token and the UI
// must ask for it (a wrong one first) and then work as without.
//   node tests/ui/ui_browser_test.js path/to/clt [--update-docs] [--auth-token] [--clickhouse]
// With --clickhouse the collector keeps its data in the ClickHouse database
// CLT_CLICKHOUSE_URL names (--store).
'use strict';
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runBrowserChecks } = require('./browser_checks');
const { loadCollector } = require('./load_collector_data');

const repo = path.join(__dirname, '..', '..');

// The TCP ports the collector bound, by receiver, from the line it writes
// once every listener is bound ("clt collector: listening: ioam=H:P ...").
async function waitListening(logPath, collector, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (collector.exitCode !== null) throw new Error(`clt collector exited with ${collector.exitCode}`);
    const line = fs.readFileSync(logPath, 'utf8').split('\n').find((l) => l.startsWith('clt collector: listening:'));
    if (line) {
      const ports = {};
      for (const [, name, port] of line.matchAll(/(\S+)=\S*:(\d+)(?=\s|$)/g)) ports[name] ??= Number(port);
      return ports;
    }
    if (Date.now() > deadline) throw new Error(`clt collector printed no listening line after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  const clt = process.argv[2];
  if (!clt || !fs.existsSync(clt)) throw new Error(`usage: ui_browser_test.js path/to/clt [--update-docs] (got ${clt})`);
  const updateDocs = process.argv.includes('--update-docs');
  const withToken = process.argv.includes('--auth-token');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clt-ui-test-'));
  const token = withToken ? crypto.randomBytes(24).toString('hex') : null;
  const args = ['collector', '--listen', '127.0.0.1', '--ioam-grpc', '0', '--otlp-grpc', 'off',
    '--otlp-http', '0', '--query-http', '0', '--db', path.join(tmp, 'clt.db'),
    '--node-name', '1=athos', '--node-name', '2=porthos', '--node-name', '3=aramis', '--join-delay', '200ms'];
  if (process.argv.includes('--clickhouse')) {
    // The ClickHouse store: tests/support/clickhouse_server.py started a server.
    const url = process.env.CLT_CLICKHOUSE_URL;
    if (!url) throw new Error('--clickhouse needs CLT_CLICKHOUSE_URL: run through tests/support/clickhouse_server.py');
    args.push('--store', url);
  }
  if (token) {
    fs.writeFileSync(path.join(tmp, 'token'), `${token}\n`, { mode: 0o600 });
    args.push('--auth-token-file', path.join(tmp, 'token'));
  }
  const logPath = path.join(tmp, 'collector.log');
  const log = fs.openSync(logPath, 'w');
  const collector = spawn(clt, args, { stdio: ['ignore', log, log] });
  const stop = () => {
    if (collector.exitCode === null) collector.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    const ports = await waitListening(logPath, collector, 20);
    const queryUrl = `http://127.0.0.1:${ports.query}`;
    const expect = await loadCollector({
      otlpUrl: `http://127.0.0.1:${ports['otlp-http']}`, ioamAddress: `127.0.0.1:${ports.ioam}`, queryUrl,
      queryHeaders: token ? { Authorization: `Bearer ${token}` } : {},
    });
    if (token) {
      const open = await fetch(`${queryUrl}/api/services`);
      if (open.status !== 401) throw new Error(`/api/services without the token answered ${open.status}, not 401`);
    }
    await runBrowserChecks(queryUrl, expect, {
      artifacts: path.join(repo, 'tests', 'artifacts', token ? 'ui-token' : 'ui'),
      docsImages: updateDocs && !token ? path.join(repo, 'docs', 'img') : null,
      token,
    });
    console.log(`ui browser test against clt collector${token ? ' with a bearer token' : ''}: ok`);
  } catch (e) {
    console.error(`--- collector log ---\n${fs.readFileSync(path.join(tmp, 'collector.log'), 'utf8').slice(-4000)}`);
    throw e;
  } finally {
    stop();
    await new Promise((r) => (collector.exitCode !== null ? r() : collector.on('exit', r)));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`ui browser test FAILED: ${e.stack || e}`);
  process.exit(1);
});
