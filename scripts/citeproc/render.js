// The expected citations of tests/data/citeproc/: every CSL item of the corpus (scripts/citeproc/corpus.py,
// on stdin) rendered by citeproc-js, the CSL reference processor (npm `citeproc`, pinned by
// package-lock.json), as one bibliography entry per style, in HTML and in text, with the very style and
// locale files archiver renders with (csl/). Run by `make citeproc-expected`, never by the tests.
//
// Usage: node render.js CSL_DIR < corpus.json > expected.json
"use strict";

const fs = require("fs");
const path = require("path");
const CSL = require("citeproc");

//: archiver's style names (archiver/citation CSL_STYLES) and their files in CSL_DIR/styles/.
const STYLES = {
  apa: "apa",
  chicago: "chicago-author-date",
  harvard: "harvard-cite-them-right",
  mla: "modern-language-association",
};
const LOCALE = "en-US";

const cslDir = process.argv[2];
const localeXml = fs.readFileSync(path.join(cslDir, "locales", `locales-${LOCALE}.xml`), "utf8");
const corpus = JSON.parse(fs.readFileSync(0, "utf8"));
const items = Object.fromEntries(corpus.map((entry) => [entry.csl.id, entry.csl]));

function engine(styleXml, format) {
  const sys = {
    retrieveItem: (id) => items[id],
    retrieveLocale: (lang) => {
      // Only the en-US locale is used by archiver (citeproc-py renders every style in it).
      if (lang !== LOCALE) throw new Error(`citeproc-js asked for locale ${lang}`);
      return localeXml;
    },
  };
  const processor = new CSL.Engine(sys, styleXml, LOCALE, true);
  processor.setOutputFormat(format);
  return processor;
}

function entry(processor, id) {
  processor.updateItems([id]);
  const [, entries] = processor.makeBibliography();
  if (entries.length !== 1) throw new Error(`${id}: ${entries.length} bibliography entries`);
  return entries[0];
}

const expected = {
  generator: `citeproc-js ${CSL.PROCESSOR_VERSION}`,
  locale: LOCALE,
  styles: STYLES,
  records: [],
};
const engines = Object.fromEntries(
  Object.entries(STYLES).map(([name, file]) => {
    const xml = fs.readFileSync(path.join(cslDir, "styles", `${file}.csl`), "utf8");
    return [name, { html: engine(xml, "html"), text: engine(xml, "text") }];
  }),
);
for (const { record, csl } of corpus) {
  const rendered = {};
  for (const [name, { html, text }] of Object.entries(engines)) {
    rendered[name] = { html: entry(html, csl.id), text: entry(text, csl.id) };
  }
  expected.records.push({ record, csl, expected: rendered });
}
process.stdout.write(JSON.stringify(expected, null, 1) + "\n");
