"""The tiny sample site's key outputs match the reviewed golden files byte for byte."""

from __future__ import annotations

import pytest

from tests.golden import GOLDEN_DIR, build_tiny, golden_outputs


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return golden_outputs(build_tiny(tmp_path_factory.mktemp("golden")))


@pytest.mark.parametrize("name", ["pages.txt", "batches.json", "stats.json", "record_page.html",
                                  "village_page.html", "download.csv"])
def test_matches_golden(outputs: dict[str, str], name: str) -> None:
    expected = (GOLDEN_DIR / name).read_text(encoding="utf-8")
    assert outputs[name] == expected, f"{name} changed: if intended, run `make golden` and review the diff"
