// Run DAISY Ace (the EPUB accessibility checker, @daisy/ace-core 1.4.6) on many books in ONE Node
// process and ONE headless Chromium.
//
// `ace-cli` checks one book per call and starts a browser each time (seconds per book), so this script
// calls the library Ace's command line is built on, `ace(epubPath, options, axeRunner)`, once per book,
// through Ace's own Puppeteer runner whose browser is launched once and closed at the end. Same checks
// and the same JSON report as `ace-cli book.epub`; the verdict is that report's failed assertions.
//
// Usage: node tests/ace_batch.js OUT.json WORKDIR BOOK.epub...   (Node finds Ace through NODE_PATH,
// which the tests set to vendor/node/node_modules; Chromium through PUPPETEER_EXECUTABLE_PATH.) Ace also
// prints each report on stdout, which the caller discards.
// Writes {book: {"outcome": "pass"|"fail", "violations": [{"rule", "impact", "file", "description", "html"}]}}.
'use strict';

const fs = require('fs');
const path = require('path');
const winston = require('winston');
const ace = require('@daisy/ace-core');
const runner = require('@daisy/ace-axe-runner-puppeteer');

// Ace logs through winston; its messages are not the verdict, so they go nowhere.
winston.configure({ transports: [new winston.transports.Console({ silent: true })] });

// One browser for the whole batch: Ace calls launch() and close() around every book.
let launching;
const shared = Object.assign(Object.create(runner), {
  launch: () => launching || (launching = runner.launch()),
  close: async () => {},
});

function violations(report) {
  const found = [];
  for (const document of report.assertions || []) {
    for (const assertion of document.assertions || []) {
      if ((assertion['earl:result'] || {})['earl:outcome'] !== 'fail') continue;
      const test = assertion['earl:test'] || {};
      found.push({
        rule: test['dct:title'],
        impact: test['earl:impact'],
        file: (document['earl:testSubject'] || {}).url,
        description: (assertion['earl:result'] || {})['dct:description'],
        html: (assertion['earl:result'] || {}).html,
      });
    }
  }
  return found;
}

async function main() {
  const [out, workdir, ...books] = process.argv.slice(2);
  const results = {};
  for (const [index, book] of books.entries()) {
    try {
      // No outdir: Ace then writes no HTML report, only its JSON (to stdout, which the caller drops).
      const [, report] = await ace(book, { cwd: process.cwd(), tmpdir: path.join(workdir, `book${index}`) }, shared);
      results[book] = { outcome: (report['earl:result'] || {})['earl:outcome'], violations: violations(report) };
    } catch (err) {
      results[book] = { outcome: 'error', violations: [], error: String(err && err.message ? err.message : err) };
    }
  }
  // A browser that never started has nothing to close; each book's verdict then carries the reason.
  if (launching && await launching.then(() => true, () => false)) await runner.close();
  fs.writeFileSync(out, JSON.stringify(results, null, 1));
}

main().then(() => process.exit(0), err => {
  console.error(err);
  process.exit(1);
});
