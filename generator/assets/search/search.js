/*
 * Yikatong client-side search: sharded lunr indexes written by generator/search_index.py.
 *
 * The query is split into parts (Chinese name, pinyin / initials, name + initials, ID digits,
 * township / village / program names). Each name part becomes a few lunr lookups (exact or
 * prefix) whose shards are found by binary search over the manifest's shard boundaries (a
 * two-level manifest: over every k-th, then over the chunk file of k that the key falls in); a
 * part whose lookups would need many shards ("王", "zhang") is fetched only in part, or used
 * as a filter when another part is more selective. Persons matching every part are ranked
 * by how well they matched (exact name first) and expanded to one result per record.
 *
 * The core (YikatongSearch.run) has no DOM dependency so node tests can drive it with the
 * real lunr.js; the page code at the bottom only runs in a browser.
 */
(function (root) {
  'use strict';

  // Shards one lookup / one query may read: a manifest's `maxShards` ([lookup, query]: an
  // index of smaller shards reads more of them), or these.
  var MAX_SHARDS_PER_LOOKUP = 2;
  var MAX_SHARDS_PER_QUERY = 3;
  var PAGE = 50;
  var TIER = {exact: 0, initials: 1, masked: 2, prefix: 3, part: 4, initialsPrefix: 5, filter: 6};
  var MASK = '\uff0a';

  // --- query parsing ------------------------------------------------------------------------

  function normalize(text) {
    var s = String(text || '');
    if (s.normalize) s = s.normalize('NFKC');
    return s.toLowerCase()
      .replace(/[\u00fc\u01d6\u01d8\u01da\u01dc]/g, 'v')
      .replace(/[\u2022\u30fb\u2027.]/g, '\u00b7')
      .replace(/['\u2019`]/g, '')
      .replace(/[,\uff0c\u3001;\uff1b:\uff1a/|]+/g, ' ')
      .trim();
  }

  function isHan(ch) {
    var c = ch.codePointAt(0);
    return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || c >= 0x20000 ||
      ch === '*' || ch === MASK || ch === '\u00b7';
  }

  function classOf(ch) {
    if (/[0-9]/.test(ch)) return 'd';
    if (/[a-z]/.test(ch)) return 'l';
    if (isHan(ch)) return 'h';
    return '';
  }

  // "张明秀 zhang san 前进村 123x" → [{kind:'han',text:'张明秀'}, {kind:'latin',text:'zhangsan'}, …]
  function parseQuery(query, manifest) {
    var runs = [];
    normalize(query).split(/\s+/).forEach(function (token, tokenNo) {
      var chars = Array.from(token), current = null;
      chars.forEach(function (ch) {
        var k = classOf(ch);
        if (k === 'l' && current && current.k === 'd' && /^[0-9]{3,}$/.test(current.text) && ch === 'x') {
          current.text += ch;  // an ID ending in X
          return;
        }
        if (!k) { current = null; return; }
        if (current && current.k === k) { current.text += ch; return; }
        current = {k: k, text: ch, token: tokenNo};
        runs.push(current);
      });
    });
    var parts = [];
    runs.forEach(function (run, i) {
      var prev = parts[parts.length - 1];
      if (run.k === 'l' && prev && prev.kind === 'latin') { prev.text += run.text; return; }
      if (run.k === 'l' && prev && prev.kind === 'han' && prev.token === run.token && !isPlace(prev.text, manifest)) {
        prev.kind = 'mixed'; prev.latin = run.text; return;
      }
      if (run.k === 'h') {
        var place = isPlace(run.text, manifest);
        if (place) { parts.push({kind: place.kind, text: run.text, match: place.match}); return; }
        parts.push({kind: 'han', text: run.text.replace(/\*/g, MASK), token: run.token});
      } else if (run.k === 'l') {
        parts.push({kind: 'latin', text: run.text, token: run.token});
      } else {
        parts.push({kind: 'digits', text: run.text});
      }
    });
    return parts;
  }

  // A township, village or program name (or a telling part of one) filters instead of searching.
  function isPlace(text, manifest) {
    if (!manifest || text.indexOf(MASK) >= 0 || text.indexOf('*') >= 0) return null;
    var towns = [], villages = [], programs = [];
    manifest.towns.forEach(function (t, i) {
      if (t[0] === text || (text.length >= 2 && /[镇乡]$/.test(text) && t[0].indexOf(text) === 0) ||
          (text.length >= 2 && t[0].replace(/[镇乡]$/, '') === text)) towns.push(i);
    });
    (manifest.villages || []).forEach(function (v, i) {
      if (v[1] === text || (/[村屯]$/.test(text) && v[1].indexOf(text) === 0)) villages.push(i);
    });
    if (towns.length) return {kind: 'town', match: towns};
    if (villages.length) return {kind: 'village', match: villages};
    // the province's manifest lists no villages (each shard carries those of its rows): a
    // village name filters by its text
    if (!manifest.villages && text.length >= 2 && /[村屯]$/.test(text)) return {kind: 'villageName', match: [text]};
    Object.keys(manifest.programs).forEach(function (code) {
      var name = manifest.programs[code];
      if (name === text || (text.length >= 4 && name.indexOf(text) >= 0) ||
          (text.length >= 2 && /(补贴|补助|补偿|救助|津贴|养老金|抚恤|低保)$/.test(text) && name.indexOf(text) >= 0)) {
        programs.push(code);
      }
    });
    if (programs.length) return {kind: 'program', match: programs};
    return null;
  }

  function surnameOf(name, manifest) {
    var two = Array.from(name).slice(0, 2).join('');
    var chars = Array.from(name);
    if (chars.length > 2 && manifest.compound.indexOf(two) >= 0) return two;
    return chars[0];
  }

  // How the record page would show this name under a "partial" policy: 张明秀 → 张＊秀.
  function maskedForm(name, manifest) {
    var chars = Array.from(name);
    var surname = surnameOf(name, manifest);
    var given = chars.slice(Array.from(surname).length);
    if (given.length < 2) return null;
    return surname + new Array(given.length).join(MASK) + given[given.length - 1];
  }

  // --- lookups ------------------------------------------------------------------------------

  // One lunr lookup: term, exact or prefix, fields, and the tier a match earns. `shape`: a
  // masked name (张＊秀) the display row must show, for keys that drop the mask count.
  function lookup(term, prefix, fields, tier, shape) {
    return {term: term, prefix: prefix, fields: fields, tier: tier, shape: shape || null};
  }

  // A masked name's key: the manifest's marker and its visible characters (张＊秀 → ￮张秀);
  // masked names sort after every other term, in small shards of their own
  // (generator/pinyin_keys.py).
  function maskedKey(masked, manifest) {
    return manifest.masked + Array.from(masked).filter(function (c) { return c !== MASK && c !== '*'; }).join('');
  }

  function partLookups(part, manifest) {
    var t = part.text, out = [];
    if (part.kind === 'han') {
      var chars = Array.from(t);
      if (t.indexOf(MASK) >= 0 && t.indexOf('\u00b7') < 0 && manifest.masked) {
        out.push(lookup(maskedKey(t, manifest), false, ['k'], TIER.exact, t));
      } else {
        out.push(lookup(t, false, ['k'], TIER.exact));
      }
      if (t.indexOf(MASK) < 0) {
        out.push(lookup(t, true, ['k'], TIER.prefix));
        // a surname (and a character): the masked names that begin so (王 → 王＊三)
        if (chars.length <= 2 && manifest.masked) out.push(lookup(maskedKey(t, manifest), true, ['k'], TIER.prefix));
        if (chars.length <= 3) out.push(lookup(t, false, ['g'], TIER.part));
        var masked = chars.length >= 3 ? maskedForm(t, manifest) : null;
        if (masked) {
          out.push(manifest.masked ? lookup(maskedKey(masked, manifest), false, ['k'], TIER.masked, masked)
                                   : lookup(masked, false, ['k'], TIER.masked));
        }
      }
    } else if (part.kind === 'latin') {
      if (t.length < 2) return [];
      out.push(lookup(t, false, ['k'], TIER.exact));
      out.push(lookup(t, false, ['i'], TIER.initials));
      out.push(lookup(t, false, ['g'], TIER.part));
      out.push(lookup(t, true, ['k'], TIER.prefix));
      out.push(lookup(t, true, ['i'], TIER.initialsPrefix));
      if (manifest.masked) maskedPinyin(t, manifest).forEach(function (lk) { out.push(lk); });
    } else if (part.kind === 'mixed') {
      // 张mx: initials; 张mingxiu: pinyin, of which only the first initial is usable here
      var spelled = part.latin.length >= 2 && /[aeiouv]/.test(part.latin);
      var initials = spelled ? part.latin.charAt(0) : part.latin;
      var mixed = manifest.mixed + part.text + initials;
      if (!spelled) out.push(lookup(mixed, false, ['i'], TIER.initials));
      out.push(lookup(mixed, true, ['i'], TIER.initialsPrefix));
    } else if (part.kind === 'digits') {
      if (t.length >= 4) out.push(lookup(t.slice(-4), false, ['k'], TIER.exact));
      else if (t.length >= 2) out.push(lookup(t, true, ['k'], TIER.prefix));
    }
    return out;
  }

  // Full pinyin of a name that a page shows masked: zhangmingsan may be 张＊三, whose key
  // is ￮zhangsan (surname and visible characters spelled, generator/pinyin_keys.py). The
  // query is cut into syllables (every way, a few at most); the surname is one syllable or
  // two (欧阳), the last syllable the last character, the ones between are hidden.
  var SYLLABLE = /^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ao|ou|an|en|in|un|vn|ia|ie|iu|ua|uo|ui|ue|ve|er|a|o|e|i|u|v)/;

  function syllableSplits(text) {
    var found = [];
    (function walk(rest, syllables) {
      if (found.length >= 6) return;
      if (!rest) { found.push(syllables); return; }
      var m = SYLLABLE.exec(rest);
      if (!m) return;
      for (var n = m[0].length; n >= 1; n--) {  // the longest syllable first, then shorter ones
        var head = rest.slice(0, n);
        var whole = SYLLABLE.exec(head);
        if (whole && whole[0] === head) walk(rest.slice(n), syllables.concat([head]));
      }
    })(text, []);
    return found;
  }

  function maskedPinyin(text, manifest) {
    if (text.length < 5) return [];
    var out = [], seen = {};
    syllableSplits(text).forEach(function (syllables) {
      var n = syllables.length;
      [1, 2].forEach(function (surname) {
        var hidden = n - surname - 1;
        if (hidden < 1) return;
        var key = manifest.masked + syllables.slice(0, surname).join('') + syllables[n - 1];
        var shape = {chars: n, masks: hidden};
        if (seen[key + n]) return;
        seen[key + n] = true;
        out.push(lookup(key, false, ['k'], TIER.masked, shape));
      });
    });
    return out;
  }

  // Does a display row's name have the shape a masked lookup asked for?
  function shapeFits(name, shape) {
    var chars = Array.from(name.replace(/\*/g, MASK));
    if (typeof shape === 'string') return chars.join('') === shape;
    return chars.length === shape.chars &&
      chars.filter(function (c) { return c === MASK; }).length === shape.masks;
  }

  // Shard boundaries: "term" (the shard starts at that term) or ["term", person] (it starts
  // inside a term that spans shards); keys compare as (term, person).
  function keyLess(term, pid, entry) {
    var t = typeof entry === 'string' ? entry : entry[0], p = typeof entry === 'string' ? 0 : entry[1];
    return term < t || (term === t && pid < p);
  }

  function lastAtOrBefore(list, term, pid) {
    var lo = 0, hi = list.length - 1;
    while (lo < hi) {  // last entry <= (term, pid)
      var mid = (lo + hi + 1) >> 1;
      if (keyLess(term, pid, list[mid])) hi = mid - 1; else lo = mid;
    }
    return lo;
  }

  // A one-level manifest lists every shard's boundary (`shards`). A two-level one (the
  // province's; generator/search/chunks.py) lists every k-th (`index`, k = `chunk`) and keeps
  // the boundaries of shards [j·k, (j+1)·k) in chunk file j (`_<j in base 36>.json`): a key's
  // chunk is found in `index`, its shard in that chunk. Ordinals are global.
  function shardCount(manifest) {
    return manifest.shards ? manifest.shards.length : manifest.count;
  }

  function chunkOf(manifest, term, pid) {
    return lastAtOrBefore(manifest.index, term, pid);
  }

  // The shard holding (term, pid); null if its chunk (two levels) is not in `chunks`.
  function shardAt(manifest, term, pid, chunks) {
    if (manifest.shards) return lastAtOrBefore(manifest.shards, term, pid);
    var j = chunkOf(manifest, term, pid), list = chunks && chunks[j];
    return list ? j * manifest.chunk + lastAtOrBefore(list, term, pid) : null;
  }

  // Shards are named by ordinal, in base 36, inside the index's content-hashed directory;
  // chunks by theirs after "_" (never the start of a shard's name).
  function shardFile(n) {
    return n.toString(36) + '.json';
  }

  function chunkFile(j) {
    return '_' + j.toString(36) + '.json';
  }

  // The first and last key a lookup may hit: a prefix's whole key range; a term's postings
  // of the persons in `pids` (a township is a range of persons).
  function lookupKeys(lk, pids) {
    return lk.prefix ? [[lk.term, 0], [lk.term + '\uffff', 0]] : [[lk.term, pids[0]], [lk.term, pids[1] - 1]];
  }

  // The chunks a query's lookups still need (two levels), given those loaded (`chunks`):
  // each lookup's first key's chunk j1, and the next one, j1 + 1, if its last key falls
  // there. A last key further on means the range holds all of chunk j1 + 1 and more, k + 2
  // shards at least (the index writer makes that more than a lookup may read): broad, so
  // only its first shards are read, which chunk j1 locates, and its end need not be known
  // (shardRange). One round trip, before the shards.
  function chunksNeeded(manifest, parts, pids, chunks) {
    if (manifest.shards || !manifest.count) return [];
    var want = {};
    parts.forEach(function (part) {
      partLookups(part, manifest).forEach(function (lk) {
        var keys = lookupKeys(lk, pids);
        var j1 = chunkOf(manifest, keys[0][0], keys[0][1]), j2 = chunkOf(manifest, keys[1][0], keys[1][1]);
        if (!chunks[j1]) want[j1] = true;
        if (j2 === j1 + 1 && !chunks[j2]) want[j2] = true;
      });
    });
    return Object.keys(want).map(Number).sort(function (a, b) { return a - b; });
  }

  // Loads the chunks the query needs (chunksNeeded: one round trip) → Promise of
  // {chunks: chunk number → boundaries, files: [chunk file names fetched]}.
  function loadChunks(manifest, parts, pids, loadChunk) {
    var chunks = {}, files = [];
    function more() {
      var wanted = chunksNeeded(manifest, parts, pids, chunks);
      if (!wanted.length) return Promise.resolve({chunks: chunks, files: files});
      return Promise.all(wanted.map(function (j) { files.push(chunkFile(j)); return loadChunk(chunkFile(j)); }))
        .then(function (lists) {
          wanted.forEach(function (j, i) { chunks[j] = lists[i]; });
          return more();
        });
    }
    return more();
  }

  function shardRange(manifest, lk, pids, chunks) {
    if (!shardCount(manifest)) return [];
    var keys = lookupKeys(lk, pids);
    var first = shardAt(manifest, keys[0][0], keys[0][1], chunks);
    var last = shardAt(manifest, keys[1][0], keys[1][1], chunks);
    if (first === null) throw new Error('chunk not loaded for ' + lk.term);
    // not loaded (chunksNeeded): a range of three shards or more, or an empty one (the last
    // key before the first: a township without this term); the first shard of the last
    // key's chunk stands for its end
    if (last === null) last = chunkOf(manifest, keys[1][0], keys[1][1]) * manifest.chunk;
    var out = [];
    for (var i = first; i <= last; i++) out.push(i);
    return out;
  }

  // Decide which shards to fetch and which parts only filter. A lookup spanning more than
  // MAX_SHARDS_PER_LOOKUP shards is "broad": only its first shards are read (the first may
  // hold little of the range, so two). The most selective part runs first; another part
  // runs only if all its shards fit the per-query cap, otherwise it filters the rows.
  // `chunks` (a two-level manifest): chunk number → its boundaries, for chunksNeeded's.
  function plan(manifest, parts, pids, chunks) {
    var perLookup = manifest.maxShards ? manifest.maxShards[0] : MAX_SHARDS_PER_LOOKUP;
    var perQuery = manifest.maxShards ? manifest.maxShards[1] : MAX_SHARDS_PER_QUERY;
    var searchable = [];
    parts.forEach(function (part) {
      var lks = partLookups(part, manifest);
      if (!lks.length) return;
      var all = {};
      lks.forEach(function (lk) {
        var range = shardRange(manifest, lk, pids, chunks);
        lk.broad = range.length > perLookup;
        lk.shards = range.slice(0, perLookup);
        lk.shards.forEach(function (x) { all[x] = true; });
      });
      searchable.push({part: part, lookups: lks, count: Object.keys(all).length,
                       broad: lks.some(function (lk) { return lk.broad; })});
    });
    searchable.sort(function (a, b) { return (a.broad - b.broad) || (a.count - b.count); });
    var taken = {}, used = 0, run = [], truncated = false;
    searchable.forEach(function (s, n) {
      if (n > 0 && s.broad) return;
      var fits = [];
      s.lookups.slice().sort(function (a, b) { return a.tier - b.tier; }).forEach(function (lk) {
        var extra = lk.shards.filter(function (x) { return !taken[x]; });
        if (used + extra.length > perQuery && (n > 0 || fits.length)) { lk.skipped = true; return; }
        extra.forEach(function (x) { taken[x] = true; });
        used += extra.length;
        fits.push(lk);
      });
      if (n > 0 && fits.length < s.lookups.length) {
        return;  // would not fit whole: this part filters instead (its shards stay fetched)
      }
      if (fits.length < s.lookups.length || s.broad) truncated = true;
      run.push({part: s.part, lookups: fits});
    });
    return {
      run: run,
      filters: parts.filter(function (p) {
        return !run.some(function (s) { return s.part === p; });
      }),
      shards: Object.keys(taken).map(Number).sort(function (a, b) { return a - b; }),
      truncated: truncated
    };
  }

  // --- filters on display rows --------------------------------------------------------------

  function nameHasChars(name, text) {
    var visible = Array.from(text).filter(function (c) { return c !== MASK && c !== '*'; });
    var from = 0;
    for (var i = 0; i < visible.length; i++) {
      var at = name.indexOf(visible[i], from);
      if (at < 0) return false;
      from = at + visible[i].length;
    }
    return true;
  }

  // A shard of the province's search carries the villages and batches its rows refer
  // to; a county's shards refer to the manifest's.
  function villagesOf(shard, manifest) { return shard && shard.villages ? shard.villages : manifest.villages; }
  function batchesOf(shard, manifest) { return shard && shard.batches ? shard.batches : manifest.batches; }

  function passesFilter(part, doc, manifest, shard) {
    var name = doc[0], id = doc[1], village = villagesOf(shard, manifest)[doc[2]];
    switch (part.kind) {
      case 'han':
        // as the part's own lookups would: its characters, or the masked form a page shows
        // (张明秀 → 张＊秀), so a name filtering the ID digits' rows keeps its masked records
        if (nameHasChars(name, part.text)) return true;
        var masked = part.text.indexOf(MASK) < 0 && Array.from(part.text).length >= 3 ? maskedForm(part.text, manifest) : null;
        return !!masked && shapeFits(name, masked);
      case 'mixed': return name.indexOf(part.text) === 0;
      case 'digits':
        var tail = id.slice(-4).toLowerCase();
        return part.text.length >= 4 ? tail === part.text.slice(-4) : tail.indexOf(part.text) === 0;
      case 'town': return part.match.indexOf(village[0]) >= 0;
      case 'village': return part.match.indexOf(doc[2]) >= 0;
      case 'villageName': return village[1].indexOf(part.match[0]) === 0;
      default: return true;  // latin parts cannot be checked without pinyin; programs: per record
    }
  }

  // --- running a query ----------------------------------------------------------------------

  function townRange(manifest, town) {
    if (!town) return null;
    for (var i = 0; i < manifest.towns.length; i++) {
      var t = manifest.towns[i];
      if (t[0] === town || t[1] === town) return {index: i, pids: [t[2], t[3]]};
    }
    return {index: -1, pids: [0, 0]};  // a township with no published records
  }

  function queryShard(lunr, shard, lk) {
    return shard.index.query(function (q) {
      q.term(lk.term, {
        fields: lk.fields, usePipeline: false,
        wildcard: lk.prefix ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE
      });
    });
  }

  /**
   * Run a query. loadShard(fileName) → Promise of a parsed shard ({index: lunr.Index, docs}).
   * loadChunk(fileName) → Promise of a chunk file's boundary list (a two-level manifest; the
   * chunks are fetched first, one round trip); without it loadShard is asked for them.
   * Resolves to {records: [...], persons, truncated, places, parts, shards: [file names],
   * chunks: [file names]}.
   */
  function run(lunr, manifest, query, town, loadShard, loadChunk) {
    var parts = parseQuery(query, manifest);
    var townInfo = townRange(manifest, town);
    var pids = townInfo ? townInfo.pids : [0, manifest.persons];
    if (manifest.shards) return runPlanned(lunr, manifest, parts, pids, {}, [], loadShard);
    return loadChunks(manifest, parts, pids, loadChunk || loadShard).then(function (got) {
      return runPlanned(lunr, manifest, parts, pids, got.chunks, got.files, loadShard);
    });
  }

  function runPlanned(lunr, manifest, parts, pids, chunks, chunkFiles, loadShard) {
    var p = plan(manifest, parts, pids, chunks);
    var files = p.shards.map(shardFile);
    var result = {parts: parts, records: [], persons: 0, truncated: p.truncated,
                  places: placeLinks(parts, manifest), shards: files, chunks: chunkFiles};
    if (!p.run.length) return Promise.resolve(result);
    return Promise.all(files.map(loadShard)).then(function (loaded) {
      var byIndex = {};
      p.shards.forEach(function (s, i) { byIndex[s] = loaded[i]; });
      var docs = {}, owner = {}, best = null;
      p.run.forEach(function (s) {
        var tiers = {};
        s.lookups.forEach(function (lk) {
          lk.shards.forEach(function (si) {
            var shard = byIndex[si];
            queryShard(lunr, shard, lk).forEach(function (hit) {
              var pid = parseInt(hit.ref, 36);
              if (pid < pids[0] || pid >= pids[1]) return;
              if (lk.shape && !shapeFits(shard.docs[hit.ref][0], lk.shape)) return;
              docs[hit.ref] = shard.docs[hit.ref];
              owner[hit.ref] = shard;
              if (tiers[hit.ref] === undefined || lk.tier < tiers[hit.ref]) tiers[hit.ref] = lk.tier;
            });
          });
        });
        if (best === null) { best = tiers; return; }
        var merged = {};
        Object.keys(best).forEach(function (ref) {
          if (tiers[ref] !== undefined) merged[ref] = best[ref] + tiers[ref];
        });
        best = merged;
      });
      var persons = Object.keys(best || {}).filter(function (ref) {
        return p.filters.every(function (f) { return passesFilter(f, docs[ref], manifest, owner[ref]); });
      }).map(function (ref) {
        return {ref: ref, pid: parseInt(ref, 36), doc: docs[ref], score: best[ref], shard: owner[ref]};
      });
      persons.sort(function (a, b) {
        return a.score - b.score || (a.doc[0] < b.doc[0] ? -1 : a.doc[0] > b.doc[0] ? 1 : 0) || a.pid - b.pid;
      });
      var programs = null;
      p.filters.forEach(function (f) { if (f.kind === 'program') programs = (programs || []).concat(f.match); });
      persons.forEach(function (person) {
        var recs = expand(person, manifest).filter(function (r) {
          return !programs || programs.indexOf(r.program) >= 0;
        });
        if (recs.length) result.persons += 1;
        recs.forEach(function (r) { result.records.push(r); });
      });
      return result;
    });
  }

  // A person's display row → one object per record.
  function expand(person, manifest) {
    var d = person.doc, flat = d[3], extra = d[4] || {}, village = villagesOf(person.shard, manifest)[d[2]];
    var batches = batchesOf(person.shard, manifest);
    var town = manifest.towns[village[0]], out = [];
    for (var i = 0, n = 0; i < flat.length; i += 3, n++) {
      var batch = batches[flat[i]], more = extra[n];
      var ref = batch[0] + '-' + flat[i + 1];
      out.push({
        name: d[0], id: d[1], township: town[0], village: village[1],
        program: batch[1], programName: manifest.programs[batch[1]] || batch[1],
        amount: flat[i + 2], date: more ? more[1] : batch[3], status: more ? more[0] : '',
        ref: ref, url: village[2] + batch[2] + '#' + manifest.anchor + ref, score: person.score
      });
    }
    out.sort(function (a, b) { return a.date < b.date ? 1 : a.date > b.date ? -1 : 0; });
    return out;
  }

  function placeLinks(parts, manifest) {
    var links = [];
    parts.forEach(function (part) {
      if (part.kind === 'village') {
        part.match.forEach(function (vi) {
          var v = manifest.villages[vi];
          links.push({label: manifest.towns[v[0]][0] + v[1], url: v[2]});
        });
      } else if (part.kind === 'town') {
        part.match.forEach(function (ti) {
          links.push({label: manifest.towns[ti][0], url: manifest.towns[ti][4]});
        });
      }
    });
    return links;
  }

  var core = {normalize: normalize, parseQuery: parseQuery, plan: plan, run: run, loadChunks: loadChunks,
              maskedForm: maskedForm, syllableSplits: syllableSplits, shardFile: shardFile, chunkFile: chunkFile,
              shardCount: shardCount, shardAt: shardAt, PAGE: PAGE};
  root.YikatongSearch = core;
  if (typeof module !== 'undefined' && module.exports) module.exports = core;

  // --- the page: what starts at once --------------------------------------------------------
  //
  // The search page carries this part inline near the top of its <head>, after its manifest
  // (generator/search_index.py, inline_client): for a query in the URL (?q=…&town=…) the
  // shards are requested here, while the rest of the page is still on its way. The second
  // part of this file wires up the form once the document has been parsed (it also works
  // placed in <body>, or with the manifest fetched).

  if (typeof document === 'undefined') return;

  // State the page code (the second part of this file) shares: where the index lives
  // (relative to the page; the form's data-index), lunr's URL, loaded shards, the manifest,
  // the query in the URL.
  var boot = core.boot = {base: '', lunrSrc: 'lunr.min.js', shardCache: {}};
  // The search page carries the manifest inline (<script id="yk-manifest" type="application/json">,
  // put there at build time next to this code): the query's shards are requested without
  // waiting for a round trip. Without it (another page, a test harness) it is fetched.
  boot.manifest = inlineManifest() || fetchJson(boot.base + 'manifest.json');
  var lunrPromise = waitForLunr();
  // run() reads lunr.Query only after shards (and so lunr) have loaded
  var lunrProxy = {get Query() { return root.lunr.Query; }};
  var params = boot.params = new URLSearchParams(location.search);
  boot.early = null;  // the query in the URL, started before the body exists
  if ((params.get('q') || '').trim()) {
    // the query and town are captured here: search() clears `early` once it has taken the
    // promise, possibly before the manifest arrives
    var earlyQuery = params.get('q').trim(), earlyTown = params.get('town') || '';
    var early = boot.early = {query: earlyQuery, town: earlyTown};
    early.promise = boot.manifest.then(function (manifest) {
      return run(lunrProxy, manifest, earlyQuery, earlyTown, function (file) { return loadShard(manifest, file); },
                 function (file) { return loadChunk(manifest, file); });
    });
    early.promise.catch(function () {});
  }
  boot.manifest.catch(function () {});
  // settles when the query in the URL has its answer (or failed): the page may hold back
  // less urgent downloads (the theme's script) until then, so they do not share the link
  core.settled = boot.early ? boot.early.promise.then(function () {}, function () {}) : Promise.resolve();
  boot.lunrProxy = lunrProxy;
  boot.fetchJson = fetchJson;
  boot.loadShard = loadShard;
  boot.loadChunk = loadChunk;
  boot.lunrWanted = function () { lunrWanted(); };

  function inlineManifest() {
    var tag = document.getElementById('yk-manifest');
    if (!tag) return null;
    try {
      return Promise.resolve(JSON.parse(tag.textContent));
    } catch (e) {
      return null;
    }
  }

  function fetchJson(url) {
    return fetch(url, {credentials: 'same-origin'}).then(function (r) {
      if (!r.ok) throw new Error(url + ': ' + r.status);
      return r.json();
    });
  }

  // lunr.js: the search page requests it first thing (<script id="yk-lunr" async>), so it
  // streams in the gap between the page and the shards; elsewhere it is added when the
  // first shard is requested.
  var lunrWanted;  // set by waitForLunr() below, before any use
  function waitForLunr() {
    var ready = null;
    var promise = new Promise(function (resolve, reject) { ready = {resolve: resolve, reject: reject}; });
    lunrWanted = function () {
      lunrWanted = function () {};
      if (root.lunr) { ready.resolve(root.lunr); return; }
      var tag = document.getElementById('yk-lunr');
      if (tag && tag.getAttribute('data-failed')) { ready.reject(new Error(boot.lunrSrc)); return; }
      if (!tag) {
        tag = document.createElement('script');
        tag.src = boot.lunrSrc;
        tag.async = true;
        (document.head || document.documentElement).appendChild(tag);
      }
      tag.addEventListener('load', function () { ready.resolve(root.lunr); });
      tag.addEventListener('error', function () { ready.reject(new Error(boot.lunrSrc)); });
    };
    return promise;
  }

  // A chunk of a two-level manifest's boundaries (a JSON list), kept like the shards.
  function loadChunk(manifest, file) {
    var cache = boot.shardCache;
    if (!cache[file]) {
      cache[file] = fetchJson(boot.base + manifest.shardDir + file);
      lunrWanted();  // the shards come next
    }
    return cache[file];
  }

  function loadShard(manifest, file) {
    var cache = boot.shardCache;
    if (!cache[file]) {
      var raw = fetchJson(boot.base + manifest.shardDir + file);
      lunrWanted();
      cache[file] = Promise.all([raw, lunrPromise]).then(function (got) {
        return {index: got[1].Index.load(got[0].index), docs: got[0].docs,
                villages: got[0].villages, batches: got[0].batches};
      });
    }
    return cache[file];
  }

})(typeof window !== 'undefined' ? window : this);
/* yk:page — the page's form and results; the search page carries this part at the end of its
   <head>, after the first part has already requested the query's shards. */
(function (root) {
  'use strict';

  if (typeof document === 'undefined') return;
  var core = root.YikatongSearch, boot = core.boot, run = core.run, PAGE = core.PAGE;
  var params = boot.params, lunrProxy = boot.lunrProxy, fetchJson = boot.fetchJson;
  var loadShard = boot.loadShard, loadChunk = boot.loadChunk, lunrWanted = boot.lunrWanted;

  // The page starts once its form and results box exist: the search page calls
  // YikatongSearch.start() right after them (templates/search.html.j2), so a shared link's
  // answer is drawn while the footer is still arriving; elsewhere, once the document is parsed.
  var started = false;
  core.start = function () {
    if (started) return;
    started = true;
    page();
  };
  if (document.readyState === 'loading') {
    document.addEventListener('readystatechange', function wait() {
      document.removeEventListener('readystatechange', wait);
      core.start();
    });
  } else {
    core.start();
  }

  function page() {
    var form = document.getElementById('yk-search');
    if (!form) return;
    if ((form.getAttribute('data-index') || '') !== boot.base) {  // the index lives elsewhere: start over
      boot.base = form.getAttribute('data-index') || '';
      boot.shardCache = {};
      boot.early = null;
      boot.manifest = fetchJson(boot.base + 'manifest.json');
    }
    boot.lunrSrc = form.getAttribute('data-lunr') || boot.lunrSrc;
    var manifestPromise = boot.manifest;
    var input = form.querySelector('input[name="q"]');
    var select = form.querySelector('select[name="town"]');
    var results = document.getElementById('results');
    var status = document.getElementById('yk-status');
    var siteRoot = form.getAttribute('data-site-root') || '../';
    var sequence = 0;
    var timer = null;
    var filled = false;
    var pendingTown = '';

    function el(tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) node.className = cls;
      if (text !== undefined) node.textContent = text;
      return node;
    }

    // the index carries each amount already formatted by the generator (one money formatter)
    function money(text) {
      return text ? text + ' 元' : '';
    }

    function renderRecord(r) {
      var item = el('li', 'result');
      var link = el('a', 'result-link');
      link.href = siteRoot + r.url;
      var head = el('div', 'result-head');
      head.appendChild(el('span', 'result-name', r.name));
      head.appendChild(el('span', 'result-id', r.id));
      link.appendChild(head);
      link.appendChild(el('div', 'result-place', r.township + ' ' + r.village));
      link.appendChild(el('div', 'result-program', r.programName));
      var pay = el('div', 'result-pay');
      pay.appendChild(el('span', 'result-amount', money(r.amount)));
      pay.appendChild(el('span', 'result-date', r.date));
      if (r.status) pay.appendChild(el('span', 'result-status', r.status));
      link.appendChild(pay);
      item.appendChild(link);
      return item;
    }

    function renderEmpty(query) {
      var box = el('div', 'yk-empty');
      var p = el('p', null, '没有找到与“' + query + '”相符的记录。');
      box.appendChild(p);
      var tips = el('ul');
      ['请核对姓名用字，或改用拼音（如 zhangsan）、拼音首字母（如 zs）。',
       '试试身份证号码的后四位，或只输入名字中的一两个字。',
       '部分补贴只公开姓氏和名字的最后一个字（如 张*三），可以加上村名或身份证后四位查找。',
       '选择了乡镇的，请改为“全部乡镇”再试。'].forEach(function (t) { tips.appendChild(el('li', null, t)); });
      box.appendChild(tips);
      var ask = el('p');
      ask.appendChild(document.createTextNode('仍然找不到？'));
      var a = el('a', 'yk-inquiry', '在线咨询');
      a.href = siteRoot + 'complaint/?kind=inquiry';
      ask.appendChild(a);
      ask.appendChild(document.createTextNode('，我们会转给负责的部门答复。'));
      box.appendChild(ask);
      return box;
    }

    function render(query, res) {
      results.textContent = '';
      results.setAttribute('aria-busy', 'false');
      if (res.places.length) {
        var places = el('p', 'yk-places', '相关页面：');
        res.places.forEach(function (pl, i) {
          var a = el('a', null, pl.label);
          a.href = siteRoot + pl.url;
          if (i) places.appendChild(document.createTextNode('、'));
          places.appendChild(a);
        });
        results.appendChild(places);
      }
      if (!res.records.length) {
        if (res.parts.some(function (p) { return p.kind === 'han' || p.kind === 'latin' || p.kind === 'mixed' || p.kind === 'digits'; }) ||
            !res.places.length) results.appendChild(renderEmpty(query));
        status.textContent = res.places.length ? '请输入姓名或身份证后四位查找具体记录。' : '没有找到';
        return;
      }
      status.textContent = '找到 ' + res.records.length + ' 条记录（' + res.persons + ' 人）' +
        (res.truncated ? '，结果较多，只列出了一部分' : '');
      if (res.truncated) {
        results.appendChild(el('p', 'yk-note',
          '结果较多，只列出了一部分。请输入完整姓名，或加上身份证后四位、村名，或选择乡镇。'));
      }
      var list = el('ol', 'yk-list');
      results.appendChild(list);
      var shown = 0;
      function more() {
        res.records.slice(shown, shown + PAGE).forEach(function (r) { list.appendChild(renderRecord(r)); });
        shown = Math.min(res.records.length, shown + PAGE);
        if (button) button.hidden = shown >= res.records.length;
      }
      var button = null;
      if (res.records.length > PAGE) {
        button = el('button', 'yk-more', '显示更多');
        button.type = 'button';
        button.addEventListener('click', more);
      }
      more();
      if (button) results.appendChild(button);
    }

    function syncUrl(query, town) {
      if (!root.history || !history.replaceState) return;
      var params = new URLSearchParams();
      if (query) params.set('q', query);
      if (town) params.set('town', town);
      var qs = params.toString();
      history.replaceState(null, '', location.pathname + (qs ? '?' + qs : ''));
    }

    function search() {
      var query = input.value.trim(), town = currentTown();
      var mine = ++sequence;
      syncUrl(query, town);
      if (!query) {
        results.textContent = '';
        status.textContent = '';
        return;
      }
      results.setAttribute('aria-busy', 'true');
      status.textContent = '正在查找…';
      var early = boot.early;
      var started = early && early.query === query && early.town === town ? early.promise : null;
      boot.early = null;
      manifestPromise.then(function (manifest) {
        fillTowns(manifest);
        // the core plans and requests shards at once; lunr is awaited only inside loadShard
        return started || run(lunrProxy, manifest, query, town, function (file) { return loadShard(manifest, file); },
                              function (file) { return loadChunk(manifest, file); });
      }).then(function (res) {
        if (mine === sequence) render(query, res);
      }).catch(function () {
        if (mine !== sequence) return;
        results.setAttribute('aria-busy', 'false');
        status.textContent = '搜索暂时无法使用，请检查网络后重试。';
      });
    }

    // The template may render the townships; otherwise they come from the manifest.
    function fillTowns(manifest) {
      if (!select || filled) return;
      filled = true;
      var have = Array.from(select.options).map(function (o) { return o.value; });
      manifest.towns.forEach(function (t) {
        if (have.indexOf(t[0]) >= 0) return;
        var o = el('option', null, t[0]);
        o.value = t[0];
        select.appendChild(o);
      });
      manifest.towns.forEach(function (t) { if (t[1] && t[1] === pendingTown) pendingTown = t[0]; });
      if (pendingTown) select.value = pendingTown;
      pendingTown = '';
    }

    function currentTown() {
      return pendingTown || (select ? select.value : '');
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      clearTimeout(timer);
      search();
    });
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    if (select) select.addEventListener('change', function () { pendingTown = ''; search(); });

    if (params.get('q')) input.value = params.get('q');
    if (params.get('town') && select) {
      select.value = params.get('town');
      if (select.value !== params.get('town')) pendingTown = params.get('town');
    }
    if (input.value.trim()) search();
    else manifestPromise.then(fillTowns, function () {});
    input.addEventListener('focus', function () { lunrWanted(); });
    root.addEventListener('load', function () { setTimeout(function () { lunrWanted(); }, 500); });
  }
})(typeof window !== 'undefined' ? window : this);
