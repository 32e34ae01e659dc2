"""Shared fixtures: a small synthetic county and a site built from it (built once per session)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.build import build_site
from generator.sample import write_sample

AS_OF = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated county with about 600 records (read-only: copy it before changing it)."""
    out = tmp_path_factory.mktemp("sample") / "data"
    write_sample(out, records=600, seed=7, as_of=AS_OF)
    return out


@pytest.fixture(scope="session")
def built_site(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from ``sample_dir`` (read-only)."""
    work = tmp_path_factory.mktemp("built")
    data = work / "data"
    shutil.copytree(sample_dir, data)
    out = work / "site"
    build_site(data, out, as_of=AS_OF)
    return out


@pytest.fixture
def data_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the sample data."""
    target = tmp_path / "data"
    shutil.copytree(sample_dir, target)
    return target
