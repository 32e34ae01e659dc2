#!/usr/bin/env node
/*
 * Loads every search shard of a built site with the real lunr.js (npm package) and runs
 * queries through the client's own search core (generator/assets/search/search.js).
 *
 *   node tests/js/check_shards.js SITE_DIR [QUERIES_JSON]
 *
 * QUERIES_JSON: a list of {"q": "...", "town": "..."}. Prints one JSON object:
 * {shards, loaded, problems: [...], queries: [{q, town, records: [...], persons, truncated,
 *  shards: [file names], gzipBytes}]}.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const repo = path.resolve(__dirname, '..', '..');
const lunr = require(path.join(repo, 'node_modules', 'lunr'));
const core = require(path.join(repo, 'generator', 'assets', 'search', 'search.js'));

const site = process.argv[2];
const queries = process.argv[3] ? JSON.parse(fs.readFileSync(process.argv[3], 'utf8')) : [];
const dir = path.join(site, 'search');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const problems = [];
const parsed = {};
const warn = lunr.utils.warn;
lunr.utils.warn = (msg) => { problems.push('lunr warning: ' + msg); warn(msg); };

function shardFile(file) {
  return path.join(dir, manifest.shardDir, file);
}

let loaded = 0;
let previousLast = null;
// LAZY=1 (the province bench, thousands of shards): no per-shard checks, a query loads
// only the shards it asks for
const lazy = process.env.LAZY === '1';
(lazy ? [] : manifest.shards).forEach((entry, n) => {
  const file = core.shardFile(n);
  const [first, pid] = typeof entry === 'string' ? [entry, 0] : entry;
  const raw = JSON.parse(fs.readFileSync(shardFile(file), 'utf8'));
  let index;
  try {
    index = lunr.Index.load(raw.index);
  } catch (e) {
    problems.push(`${file}: lunr.Index.load failed: ${e.message}`);
    return;
  }
  loaded += 1;
  parsed[file] = {index, docs: raw.docs, villages: raw.villages, batches: raw.batches};
  const terms = raw.index.invertedIndex.map((t) => t[0]);
  // the boundary routes exactly this shard's terms here: after the previous shard's last
  // term (or equal to it, with a person number, for a term split between shards), and not
  // after this shard's first term
  if (n === 0 && first !== terms[0]) problems.push(`${file}: first term ${terms[0]} != manifest ${first}`);
  if (first > terms[0] || (!terms[0].startsWith(first) && first !== terms[0])) {
    problems.push(`${file}: boundary ${first} is not a prefix of its first term ${terms[0]}`);
  }
  if (previousLast !== null) {
    if (typeof entry === 'string' && !(first > previousLast)) {
      problems.push(`${file}: boundary ${first} does not sort after the previous shard's ${previousLast}`);
    }
    if (typeof entry !== 'string' && !(first === previousLast && first === terms[0])) {
      problems.push(`${file}: split boundary ${first} is not the term the previous shard ended with`);
    }
  }
  previousLast = terms[terms.length - 1];
  for (let i = 1; i < terms.length; i++) {
    if (!(terms[i - 1] < terms[i])) problems.push(`${file}: terms out of order at ${terms[i]}`);
  }
  // every term answers an exact query, and every hit has a display row
  for (const term of [terms[0], terms[terms.length >> 1], terms[terms.length - 1]]) {
    const hits = index.query((q) => q.term(term, {usePipeline: false, wildcard: lunr.Query.wildcard.NONE}));
    if (!hits.length) problems.push(`${file}: no hit for its own term ${term}`);
    hits.forEach((h) => { if (!raw.docs[h.ref]) problems.push(`${file}: ref ${h.ref} has no row`); });
  }
  if (typeof entry !== 'string') {
    const firstHit = index.query((q) => q.term(first, {usePipeline: false}));
    if (!firstHit.some((h) => parseInt(h.ref, 36) === pid)) {
      problems.push(`${file}: first person ${pid} not found under ${first}`);
    }
  }
});

function load(file) {
  const raw = JSON.parse(fs.readFileSync(shardFile(file), 'utf8'));
  parsed[file] = {index: lunr.Index.load(raw.index), docs: raw.docs, villages: raw.villages, batches: raw.batches};
  return parsed[file];
}

const gz = {};
function gzipSize(file) {
  if (gz[file] === undefined) gz[file] = zlib.gzipSync(fs.readFileSync(shardFile(file)), {level: 6}).length;
  return gz[file];
}
const manifestGzip = zlib.gzipSync(fs.readFileSync(path.join(dir, 'manifest.json')), {level: 6}).length;

(async () => {
  const out = [];
  for (const {q, town} of queries) {
    const res = await core.run(lunr, manifest, q, town || '', (f) => Promise.resolve(parsed[f] || load(f)));
    out.push({
      q, town: town || '', persons: res.persons, truncated: res.truncated, shards: res.shards,
      gzipBytes: manifestGzip + res.shards.reduce((a, f) => a + gzipSize(f), 0),
      places: res.places,
      records: res.records.map((r) => ({name: r.name, id: r.id, township: r.township, village: r.village,
        program: r.program, amount: r.amount, date: r.date, url: r.url, ref: r.ref})),
    });
  }
  process.stdout.write(JSON.stringify({shards: manifest.shards.length, loaded, problems, manifestGzip, queries: out}));
})().catch((e) => { console.error(e); process.exit(1); });
