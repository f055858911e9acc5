// The UI in Debian's Chromium, driven by playwright-core: search, open a
// trace, see the hops and their delays, open a hop's raw records, the path
// overview, deep links, keyboard use, and span data that tries to run code.
// `expect` describes the data the server holds (see the callers).
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('../js/node_modules/playwright-core');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function step(name) {
  console.log(`ui: ${name}`);
}

// The token dialog of a collector with --auth-token-file: a wrong token is
// refused and asked again, the right one opens the UI.
async function enterToken(page, token) {
  await page.waitForSelector('#token-dialog[open]');
  await page.fill('#token-input', `wrong-${token}`);
  await page.press('#token-input', 'Enter');
  await page.waitForSelector('#token-dialog.wrong[open]');
  await page.fill('#token-input', token);
  await page.click('#token-submit');
  await page.waitForSelector('#token-dialog', { state: 'hidden' });
  const kept = await page.evaluate((t) => ({
    session: sessionStorage.getItem('clt.authToken'),
    local: Object.keys(localStorage).filter((k) => (localStorage.getItem(k) || '').includes(t)),
  }), token);
  assert.equal(kept.session, token, 'the token is kept in sessionStorage');
  assert.deepEqual(kept.local, [], 'the token is not kept in localStorage');
}

// token: the collector's bearer token, if it has one (see enterToken).
async function runBrowserChecks(base, expect, { artifacts, docsImages, token = null }) {
  fs.mkdirSync(artifacts, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'clt-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true,
    viewport: { width: 1440, height: 900 },
  });
  const problems = [];
  const dialogs = [];
  const base_ = new URL(base);
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol !== 'data:' && u.host !== base_.host) problems.push(`request to another host: ${req.url()}`);
  });
  const watch = (page) => {
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // The deliberate look-up of an unknown trace logs its 404; nothing else may fail.
      const unknownTrace = (m.location().url || '').includes('/api/traces/ffffffffffffffffffffffffffffffff');
      // Each 401 before the token is entered is logged too.
      const unauthorized = token && /status of 401/.test(m.text());
      if (m.type() === 'error' && !unknownTrace && !unauthorized) problems.push(`console error: ${m.text()} (${m.location().url})`);
    });
  };
  context.on('page', watch);
  const shot = async (page, name, fullPage = true) => {
    const file = path.join(artifacts, `${name}.png`);
    await page.screenshot({ path: file, fullPage });
    if (docsImages) fs.copyFileSync(file, path.join(docsImages, `${name}.png`));
  };
  try {
    for (const p of context.pages()) watch(p);
    const page = context.pages()[0] || (await context.newPage());

    step('search');
    await page.goto(`${base}/`);
    if (token) await enterToken(page, token);
    await page.waitForSelector('body[data-ready]');
    await page.selectOption('#f-service', expect.service);
    await page.click('#find-traces');
    await page.waitForSelector('body[data-ready="search"] #results');
    assert.match(page.url(), new RegExp(`/search\\?service=${expect.service}`));
    const resultIds = await page.$$eval('a.result', (as) => as.map((a) => a.dataset.traceId));
    for (const id of expect.traceIds) assert.ok(resultIds.includes(id), `trace ${id} is in the results (got ${resultIds})`);
    const slowMarker = await page.textContent(`a.result[data-trace-id="${expect.slowTraceId}"] .net-marker`);
    assert.match(slowMarker, /slow network/, 'the slow trace carries the slow-network marker');
    assert.ok(slowMarker.includes(expect.slowHop), `marker names the slowest hop: ${slowMarker}`);
    assert.ok(slowMarker.includes(expect.slowDelayText), `marker shows the delay ${expect.slowDelayText}: ${slowMarker}`);
    const fastMarker = await page.getAttribute(`a.result[data-trace-id="${expect.fastTraceId}"] .net-marker`, 'class');
    assert.ok(!fastMarker.includes('slow'), 'a fast trace is not marked slow');
    const xssTitle = await page.textContent(`a.result[data-trace-id="${expect.xssTraceId}"] .result-title`);
    assert.ok(xssTitle.includes(expect.xssName), `the malicious span name is shown as text: ${xssTitle}`);
    assert.equal(await page.locator('.duration-chart .dot').count(), resultIds.length, 'one chart dot per result');
    assert.equal(await page.locator('.duration-chart .dot.slow').count(), expect.slowTraceCount, 'slow traces are red dots');
    await shot(page, 'search');

    step('open a trace from the results');
    await page.click(`a.result[data-trace-id="${expect.slowTraceId}"]`);
    await page.waitForSelector('body[data-ready="trace"] .waterfall');
    assert.ok(page.url().endsWith(`/trace/${expect.slowTraceId}`), `URL is a deep link: ${page.url()}`);
    const firstPath = page.locator('.netpath.request').first();
    assert.equal(await firstPath.locator('.netpath-label').textContent(), 'Request path');
    const nodeNames = await firstPath.locator('.node-name').allTextContents();
    assert.deepEqual(nodeNames, expect.pathNodes, 'the path shows every node by name');
    const ifText = await firstPath.locator('.node-ifs').allTextContents();
    assert.ok(ifText.some((t) => t.includes(`in ${expect.slowHopIngress}`)), `interface ids are shown: ${ifText}`);
    const delays = await firstPath.locator('.link-delay').allTextContents();
    assert.deepEqual(delays, expect.linkDelayTexts, 'per-hop one-way delays');
    assert.equal(await firstPath.locator('.hop-node.slowest .node-name').textContent(), expect.slowHop);
    assert.equal(await firstPath.locator('.hop-link.slowest .link-delay').textContent(), expect.slowDelayText);
    const queue = await firstPath.locator('.hop-node.slowest .node-stats').textContent();
    assert.ok(queue.includes(`queue ${expect.slowHopQueue}`), `queue depth is shown: ${queue}`);
    assert.ok(queue.includes(`${expect.packetsPerSpan} pkt`), `packet count is shown: ${queue}`);
    await shot(page, 'trace');

    step('span attributes and events');
    await page.locator('.wf-toggle').first().click();
    const attrKeys = await page.locator('.wf-details table.kv th').allTextContents();
    assert.ok(attrKeys.includes(expect.rootAttribute), `attributes table lists ${expect.rootAttribute}: ${attrKeys}`);
    if (expect.rootEvent) {
      const events = await page.locator('.wf-details table.events').first().textContent();
      assert.ok(events.includes(expect.rootEvent), `events table shows ${expect.rootEvent}`);
    }
    await shot(page, 'trace-details');

    step('raw IOAM records of the slowest hop');
    await firstPath.locator('.hop-link.slowest .link-box').click();
    await page.waitForSelector('#records-dialog[open] table.records tbody tr');
    const rows = await page.locator('#records-dialog table.records tbody tr').count();
    assert.equal(rows, expect.packetsPerSpan, 'one row per packet');
    const dialogTitle = await page.textContent('#records-title');
    assert.ok(dialogTitle.includes(expect.slowHop), dialogTitle);
    await shot(page, 'records', false);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#records-dialog', { state: 'hidden' });

    if (expect.responsePathNodes) {
      step('both directions: the response path, labelled, in its own hop order');
      const paths = await page.locator('.netpath').evaluateAll((els) => els.map((e) => e.dataset.direction));
      assert.deepEqual(paths, ['request', 'response', 'request', 'response'],
        'each client span has its request path, then its response path');
      const back = page.locator('.netpath.response').first();
      assert.equal(await back.locator('.netpath-label').textContent(), 'Response path');
      assert.deepEqual(await back.locator('.node-name').allTextContents(), expect.responsePathNodes,
        'the response path runs from the server back to the client');
      assert.deepEqual(await back.locator('.link-delay').allTextContents(), expect.responseDelayTexts,
        'the response path has its own one-way delays');
      await back.locator('.hop-link .link-box').first().click();
      await page.waitForSelector('#records-dialog[open] table.records tbody tr');
      assert.equal(await page.locator('#records-dialog table.records tbody tr').count(), expect.responsePackets,
        'the response hop opens the response packets only');
      await page.keyboard.press('Escape');
      await page.waitForSelector('#records-dialog', { state: 'hidden' });
    }

    step('path overview ranks the congested link first');
    await page.click('#back-to-search');
    await page.waitForSelector('body[data-ready="search"] #results');
    await page.click('#to-overview');
    await page.waitForSelector('body[data-ready="overview"] #overview-table');
    const firstLink = await page.textContent('#overview-table tbody tr:first-child .link-name');
    assert.equal(firstLink, expect.slowLinkName);
    const firstCells = await page.locator('#overview-table tbody tr:first-child td').allTextContents();
    assert.ok(firstCells.includes(expect.slowLinkSlowTraces), `slow traces on the link: ${firstCells}`);
    assert.ok(firstCells.includes(expect.slowLinkMaxText), `max delay on the link: ${firstCells}`);
    await shot(page, 'overview');

    step('deep links');
    const deep = await context.newPage();
    await deep.goto(`${base}/trace/${expect.slowTraceId}`);
    // A new tab is a new session: asked again.
    if (token) await enterToken(deep, token);
    await deep.waitForSelector('body[data-ready="trace"] .netpath');
    assert.equal(await deep.textContent('#trace-id'), expect.slowTraceId);
    await deep.goto(`${base}/#/trace/${expect.fastTraceId}`);
    await deep.waitForSelector('body[data-ready="trace"] .netpath');
    assert.equal(await deep.textContent('#trace-id'), expect.fastTraceId);
    await deep.goto(`${base}/trace/ffffffffffffffffffffffffffffffff`);
    await deep.waitForSelector('body[data-ready="trace"] .error-box');
    await deep.close();

    step('keyboard: / to search, j to the first result, Enter to open it');
    await page.goto(`${base}/search?service=${encodeURIComponent(expect.service)}`);
    await page.waitForSelector('body[data-ready="search"] #results');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-service');
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('result')));
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="trace"] .waterfall');
    await page.keyboard.press('?');
    await page.waitForSelector('#help-dialog[open]');
    await page.keyboard.press('Escape');

    step('span data is text, never code');
    await page.goto(`${base}/trace/${expect.xssTraceId}`);
    await page.waitForSelector('body[data-ready="trace"] .waterfall');
    assert.equal(await page.textContent('#trace-title'), `${expect.service}: ${expect.xssName}`);
    const opTexts = await page.locator('.wf-toggle .op').allTextContents();
    assert.ok(opTexts.includes(expect.xssName), 'the span name is shown verbatim');
    await page.locator('.wf-toggle').first().click();
    const values = await page.locator('.wf-details table.kv td').allTextContents();
    assert.ok(values.includes(expect.maliciousValue), 'the malicious attribute value is shown verbatim');
    await page.waitForTimeout(300);
    const injected = await page.evaluate(() => ({
      pwned: window.__pwned,
      imgs: document.querySelectorAll('main img, main script').length,
    }));
    assert.equal(injected.pwned, undefined, 'no script from span data ran');
    assert.equal(injected.imgs, 0, 'no element was created from span data');
    await shot(page, 'xss-as-text');

    assert.deepEqual(dialogs, [], 'no alert/confirm/prompt was opened');
    assert.deepEqual(problems, [], 'no page errors, console errors or requests elsewhere');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

module.exports = { runBrowserChecks };
