#!/usr/bin/env node
/*
 * Loads every search shard of a built site with the real lunr.js (npm package) and runs
 * queries through the client's own search core (generator/assets/search/search.js).
 *
 *   node tests/js/check_shards.js SITE_DIR [QUERIES_JSON]
 *
 * QUERIES_JSON: a list of {"q": "...", "town": "..."}. Prints one JSON object:
 * {shards, chunks, loaded, problems: [...], queries: [{q, town, records: [...], persons, truncated,
 *  shards: [file names], chunks: [file names], gzipBytes (manifest + chunks + shards), chunkGzip,
 *  shardGzip}]}. A two-level manifest's boundaries are read from its chunk files.
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

function readChunk(file) {
  return JSON.parse(fs.readFileSync(shardFile(file), 'utf8'));
}

// Every shard's boundary: the manifest's list (one level), or the chunks' (two levels:
// the manifest's `index` holds each chunk's first, every chunk but the last holds k).
function allBoundaries() {
  if (manifest.shards) return manifest.shards;
  const out = [];
  manifest.index.forEach((entry, j) => {
    const chunk = readChunk(core.chunkFile(j));
    if (JSON.stringify(chunk[0]) !== JSON.stringify(entry)) {
      problems.push(`${core.chunkFile(j)}: starts at ${JSON.stringify(chunk[0])}, the manifest's index says ${JSON.stringify(entry)}`);
    }
    const last = j === manifest.index.length - 1;
    if (!last && chunk.length !== manifest.chunk) problems.push(`${core.chunkFile(j)}: ${chunk.length} boundaries, not ${manifest.chunk}`);
    if (last && (chunk.length < 1 || chunk.length > manifest.chunk)) problems.push(`${core.chunkFile(j)}: ${chunk.length} boundaries`);
    chunk.forEach((b) => out.push(b));
    chunks[j] = chunk;
  });
  if (out.length !== manifest.count) problems.push(`chunks hold ${out.length} boundaries, the manifest counts ${manifest.count}`);
  return out;
}

let loaded = 0;
let previousLast = null;
// LAZY=1 (the province bench, thousands of shards): no per-shard checks, a query loads
// only the shards (and chunks) it asks for
const lazy = process.env.LAZY === '1';
const chunks = {};  // chunk number → its boundaries, all of them (two levels)
const boundaries = lazy ? [] : allBoundaries();
boundaries.forEach((entry, n) => {
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
  // the client's own routing (through the chunks, for two levels) sends this shard's first
  // and last postings here
  const personsOf = (term) => {
    const fields = raw.index.invertedIndex.find((t) => t[0] === term)[1];
    return Object.keys(fields).filter((f) => f !== '_index').flatMap((f) => Object.keys(fields[f]))
      .map((ref) => parseInt(ref, 36));
  };
  const firstKey = [terms[0], Math.min(...personsOf(terms[0]))];
  const lastKey = [terms[terms.length - 1], Math.max(...personsOf(terms[terms.length - 1]))];
  for (const [term, person] of [firstKey, lastKey]) {
    const routed = core.shardAt(manifest, term, person, chunks);
    if (routed !== n) problems.push(`${file}: (${term}, ${person}) is routed to shard ${routed}`);
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
    const res = await core.run(lunr, manifest, q, town || '', (f) => Promise.resolve(parsed[f] || load(f)),
                               (f) => Promise.resolve(readChunk(f)));
    const shardGzip = res.shards.reduce((a, f) => a + gzipSize(f), 0);
    const chunkGzip = res.chunks.reduce((a, f) => a + gzipSize(f), 0);
    out.push({
      q, town: town || '', persons: res.persons, truncated: res.truncated, shards: res.shards, chunks: res.chunks,
      gzipBytes: manifestGzip + chunkGzip + shardGzip, chunkGzip, shardGzip,
      places: res.places,
      records: res.records.map((r) => ({name: r.name, id: r.id, township: r.township, village: r.village,
        program: r.program, amount: r.amount, date: r.date, url: r.url, ref: r.ref})),
    });
  }
  process.stdout.write(JSON.stringify({shards: core.shardCount(manifest), chunks: manifest.shards ? 0 : manifest.index.length,
                                       loaded, problems, manifestGzip, queries: out}));
})().catch((e) => { console.error(e); process.exit(1); });
