"""The layer contracts in pyproject.toml hold, and they do catch a sideways import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, check=False)


def copy_packages(tmp_path: Path) -> Path:
    for package in ("generator", "complaints_api"):
        shutil.copytree(ROOT / package, tmp_path / package, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "templates", "static", "assets"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_a_sideways_import_breaks_the_layers(tmp_path: Path) -> None:
    root = copy_packages(tmp_path)
    ledger = root / "generator" / "publish" / "ledger.py"
    ledger.write_text(ledger.read_text(encoding="utf-8") + "\nfrom generator.render.env import environment  # noqa\n",
                      encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1
    assert "The generator is layered by pipeline stage BROKEN" in result.stdout
    assert "generator.publish.ledger -> generator.render.env" in result.stdout


def test_the_service_may_not_reach_past_the_core(tmp_path: Path) -> None:
    root = copy_packages(tmp_path)
    api = root / "complaints_api" / "api.py"
    api.write_text(api.read_text(encoding="utf-8") + "\nfrom generator.privacy.mask import mask_name  # noqa\n",
                   encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1
    assert "complaints_api imports only the generator's core BROKEN" in result.stdout
