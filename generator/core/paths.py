"""Where the package's own files are: templates, theme overrides, assets, the guide.

In the repository ``generator/templates``, ``generator/docs_src``, ``generator/overrides`` and
``generator/mkdocs.yml`` are symlinks to the top-level folders; an installed wheel carries
real copies. Every module finds them through these names, never through its own ``__file__``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
OVERRIDES_DIR = PACKAGE_DIR / "overrides"  # mkdocs-material overrides (mkdocs.yml: theme.custom_dir)
ASSETS_DIR = PACKAGE_DIR / "assets"
SEARCH_ASSETS_DIR = ASSETS_DIR / "search"
GUIDE_PATH = PACKAGE_DIR / "docs_src" / "guide.md"
MKDOCS_CONFIG = (PACKAGE_DIR / "mkdocs.yml").resolve()  # paths in it are relative to the real file
COUNTY_REPO_DIR = PACKAGE_DIR / "county_repo"  # the county data repository's CI files (ci/county-data-repo)
