"""Public URLs of the site, in one place (directory URLs, relative to the site root).

Every page is ``<path>/index.html``; links inside pages are made relative with ``relative``.
"""

from __future__ import annotations

import posixpath

from generator.core.county import County


def township_url(county: County, township: str) -> str:
    town = county.township(township)
    return f"t/{town.code if town else 'unknown'}/"


def village_url(county: County, township: str, village: str) -> str:
    town = county.township(township)
    found = town.village(village) if town else None
    return f"{township_url(county, township)}{found.code if found else 'unknown'}/"


def records_url(county: County, township: str, village: str, program: str, year: str | int) -> str:
    """The village × program × year page holding the masked records."""
    return f"{village_url(county, township, village)}{program}-{year}/"


def record_anchor(ref: str) -> str:
    return f"r-{ref}"


def program_url(program: str) -> str:
    return f"programs/{program}/"


SEARCH_URL = "search/"
COMPLAINT_URL = "complaint/"
TRACK_URL = "track/"
TIMELINESS_URL = "timeliness/"
STATS_URL = "stats/"
DOWNLOADS_URL = "downloads/"
POLICIES_URL = "policies/"
GUIDE_URL = "guide/"


def relative(from_url: str, to_url: str) -> str:
    """Relative link from page `from_url` to `to_url` (both site-root relative directory URLs)."""
    start = from_url.rstrip("/") or "."
    rel = posixpath.relpath(to_url or ".", start)
    if to_url.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return "./" if rel in ("./", "./.") else rel
