"""Search: the index model, pinyin keys, shard writer, lunr serialisation, the search page and its client."""
