"""Golden output: the tiny county committed under ``tests/fixtures/golden_county`` built into a
temporary directory, compared with the files in ``tests/golden/``. After an intended output
change: ``make golden`` (or ``python -m tests.golden --update``) and review the diff.

The input is a committed fixture, not the sample generator's output, so a change to the
sample generator never moves the goldens; only a change to what the build makes of the same
input does. (The fixture was written once by ``yikatong sample --records 150 --seed 11
--as-of 2026-11-20``; it is invented people.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from bs4 import BeautifulSoup

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "golden_county"
AS_OF = dt.date(2026, 11, 20)


def build_tiny(work: Path) -> Path:
    from generator.build import build_site

    data = work / "data"
    shutil.copytree(FIXTURE, data)  # the build writes its ledger: never into the fixture
    out = work / "site"
    build_site(data, out, as_of=AS_OF)
    return out


def article(path: Path) -> str:
    """The page's own content, without the theme around it."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    node = soup.select_one("article.md-content__inner")
    return node.decode_contents().strip() + "\n" if node else ""


def golden_outputs(site: Path) -> dict[str, str]:
    """Golden file name → content, from a built site."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    record_page = sorted(site.glob("t/*/*/*/index.html"))[0]
    village_page = record_page.parent.parent / "index.html"
    download = sorted((site / "downloads" / "files").glob("*.csv"))[0]
    return {
        "pages.txt": "\n".join(pages) + "\n",
        "batches.json": (site / "data" / "batches.json").read_text(encoding="utf-8"),
        "stats.json": (site / "data" / "stats.json").read_text(encoding="utf-8"),
        "record_page.html": article(record_page),
        "village_page.html": article(village_page),
        "download.csv": download.read_text(encoding="utf-8-sig"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        outputs = golden_outputs(build_tiny(Path(tmp)))
    GOLDEN_DIR.mkdir(exist_ok=True)
    for name, content in outputs.items():
        path = GOLDEN_DIR / name
        if args.update:
            path.write_text(content, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != content:
            print(f"differs: {path}")
    print("golden files updated" if args.update else "compared")


if __name__ == "__main__":
    main()
