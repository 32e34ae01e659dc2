"""The province's own pages in one shell: the portal ``OUT/index.html``, the county picker
``OUT/complaint/`` and the province search ``OUT/search/``.

Every page extends ``templates/province/page.html.j2``: the county sites' header (the
province's name, the 长辈模式 switch), a way back to the portal and a footer. 长辈模式 is
the site's: the same storage key (``yk-elder``), the same head script
(``overrides/partials/elder-head.js``, inline before the stylesheets, as on the county pages)
and the same switch script (``overrides/partials/elder.js``), and the site's own stylesheet
(``generator/assets/yikatong.css``) over ``generator/assets/province/province.css`` (the little
of mkdocs-material's base these pages need). The files are copied into ``OUT/assets/``; nothing loads from another origin.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from markupsafe import Markup

from generator.core.paths import ASSETS_DIR, OVERRIDES_DIR
from generator.core.website import elder_head_script

ASSET_DIR = "assets"
# file under OUT/assets/ → its one source; the stylesheets in the order the pages link them
ASSETS = {"elder.js": OVERRIDES_DIR / "partials" / "elder.js",
          "province.css": ASSETS_DIR / "province" / "province.css",  # a county copies assets/*
          "yikatong.css": ASSETS_DIR / "yikatong.css"}
STYLESHEETS = ("province.css", "yikatong.css")


def province_title(name: str) -> str:
    return f"{name}惠民惠农财政补贴资金“一卡通”公开平台"


def write_assets(out: Path) -> None:
    """Copy the shell's script and stylesheets into ``out/assets/`` (the leak scan reads them
    with the rest of OUT)."""
    target = Path(out) / ASSET_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, source in ASSETS.items():
        shutil.copyfile(source, target / name)


def render_page(template: str, province: str, root: str, **context: Any) -> str:
    """Render a page of ``templates/province/`` for the province named `province`; `root`:
    the portal relative to the page (``""`` or ``"../"``)."""
    from generator.render.env import environment

    return environment().get_template(f"province/{template}").render(
        province=province, title=province_title(province), short=f"{province}补贴公开", root=root,
        head_script=Markup(elder_head_script()), asset_dir=ASSET_DIR, stylesheets=STYLESHEETS, **context)
