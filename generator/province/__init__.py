"""A province: many county data trees built together (``yikatong province …``), on Dask."""
