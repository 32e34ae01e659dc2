"""Core: the county model, work calendar, ID numbers, errors, schema, vocabulary, money, URLs.

Every other part of the generator and the complaints service may import from here; nothing
here imports from another part."""
