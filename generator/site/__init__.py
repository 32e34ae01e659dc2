"""Site: mkdocs-material shells for the narrative pages, critical CSS."""
