"""Real screens for the browser tests: the portal (site + service on one port), the three
ways a villager sees it (360 × 740 normal, 长辈模式, 200 % zoom), and what a person checks on
every screen: no sideways scrolling, no clipped text, text big enough, targets big enough,
nothing from another origin; and axe-core (from node_modules, injected into the page).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "journeys-screenshots"
PASSWORD = "journey-pass-2026"


@dataclass(frozen=True)
class Mode:
    """How the screen is set: 200 % zoom on a 360 px phone is a 180 CSS px viewport at 2×."""

    name: str
    width: int
    height: int
    scale: int
    elder: bool
    min_font: float  # px: the smallest body text a person must read
    min_target: float  # px: height of buttons, inputs and list links


NORMAL = Mode("normal", 360, 740, 1, False, 12, 24)
ELDER = Mode("elder", 360, 740, 1, True, 24, 60)
ZOOM = Mode("zoom200", 180, 370, 2, False, 12, 24)
MODES = (NORMAL, ELDER, ZOOM)


@contextlib.contextmanager
def portal(site: Path, data: Path, db_dir: Path, today: str = "2026-11-20") -> Iterator[tuple[str, Any]]:
    """The built site and the complaints service on one local port, as nginx serves them.

    Yields (base URL, Flask app); two demo accounts exist: ``j-nyncj`` (农业农村局 handler)
    and ``j-sjj`` (审计局 auditor), password ``PASSWORD``.
    """
    from werkzeug.serving import make_server

    from complaints_api import create_app
    from complaints_api.auth import upsert_handler
    from complaints_api.dispatch import mount
    from generator.dev.serve import StaticSite

    app = create_app({"TESTING": True, "YIKATONG_DATA": str(data), "SECRET_KEY": "journeys",
                      "DATABASE_URL": f"sqlite:///{db_dir / 'journeys.sqlite3'}", "SQLITE_SYNCHRONOUS": "NORMAL",
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False, "TODAY": today,
                      # each mode is another villager: identical text must not fold into one case
                      "DUPLICATE_WINDOW_SECONDS": 0})
    db = app.extensions["yikatong_db"]
    upsert_handler(db, "j-nyncj", "nyncj", "handler", PASSWORD)
    upsert_handler(db, "j-sjj", "sjj", "auditor", PASSWORD)
    server = make_server("127.0.0.1", 0, mount(StaticSite(site), app), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", app
    finally:
        server.shutdown()
        db.dispose()


@contextlib.contextmanager
def tab(browser: Any, base: str, mode: Mode, bypass_csp: bool = False) -> Iterator[Any]:
    """A tab in `mode`; fails on a script error or any request outside `base`.

    `bypass_csp` lets axe-core be injected into the service's pages (their CSP allows no
    inline script but the elder-mode one)."""
    context = browser.new_context(viewport={"width": mode.width, "height": mode.height},
                                  device_scale_factor=mode.scale, locale="zh-CN", bypass_csp=bypass_csp)
    if mode.elder:  # she switched it on once, some day before
        context.add_init_script("try{localStorage.getItem('yk-elder')===null&&localStorage.setItem('yk-elder','1')}catch(e){}")
    outside: list[str] = []
    context.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                  if not route.request.url.startswith(base) else route.continue_())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert errors == []
    assert outside == []  # nothing loads from another origin


# What a person checks on one screen; each returns a list of problems (empty: fine).
CHECK_JS = r"""
([minFont, minTarget, elder]) => {
  const out = [];
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  if (doc.scrollWidth > vw + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${vw}`);
  const shown = (e) => {
    for (let n = e; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.display === "none" || s.visibility === "hidden" || s.position === "fixed" && n !== e && n.closest(".md-sidebar")) return false;
      if (n.classList && (n.classList.contains("yk-sr") || n.classList.contains("md-sidebar") || n.tagName === "THEAD" && s.position === "absolute")) return false;
    }
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
  const main = document.querySelector("main") || document.body;
  // text: big enough, and not cut off by its box
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || !shown(el) || el.closest("svg, script, style, noscript, .md-header, .md-ellipsis, option, .yk-print-only")) continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (size < minFont - 0.5) out.push(`text too small (${size}px): ${name(el)} “${text.slice(0, 20)}”`);
    if (elder && !el.closest("h1, h2, h3") && parseFloat(s.lineHeight) / size < 1.45) out.push(`line height ${s.lineHeight} / ${size}: ${name(el)}`);
    for (let box = el; box && box !== main; box = box.parentElement) {
      const bs = getComputedStyle(box);
      if ((bs.overflowX === "hidden" || bs.overflowX === "clip" || bs.textOverflow === "ellipsis") && box.scrollWidth > box.clientWidth + 1) {
        out.push(`text clipped in ${name(box)}: “${text.slice(0, 20)}”`);
        break;
      }
    }
  }
  // an ID number is read as one thing: on one line, inside its card or cell
  for (const id of main.querySelectorAll("td.yk-id, .result-id, .ykt-id")) {
    if (!shown(id) || !id.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(id);
    const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
    if (lines.size > 1) out.push(`ID number on ${lines.size} lines: ${name(id)} “${id.textContent.trim()}”`);
    const card = id.closest("tr, li, p, div");
    const r = range.getBoundingClientRect(), c = card.getBoundingClientRect();
    if (r.right > c.right + 1 || r.left < c.left - 1) out.push(`ID number runs out of its box: ${name(id)} “${id.textContent.trim()}”`);
  }
  // table cells that stay cells: at least three characters wide
  for (const cell of main.querySelectorAll("td, th")) {
    if (!shown(cell) || getComputedStyle(cell).display !== "table-cell" || !cell.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(cell).fontSize);
    if (cell.getBoundingClientRect().width < size * 3) out.push(`cell narrower than 3 characters: ${name(cell)} “${cell.textContent.trim().slice(0, 10)}”`);
  }
  // controls and list links big enough to hit
  const targets = document.querySelectorAll("main button, main input:not([type=hidden]):not([type=radio]):not([type=checkbox]), main select, main textarea, main li > a, .yk-elder-switch, main .md-button");
  for (const t of targets) {
    if (!shown(t)) continue;
    const h = t.getBoundingClientRect().height;
    if (h < minTarget - 0.5) out.push(`target too small (${Math.round(h)}px): ${name(t)} “${(t.textContent || t.value || "").trim().slice(0, 12)}”`);
  }
  return out.slice(0, 12);
}
"""


def screen_problems(page: Any, mode: Mode) -> list[str]:
    return page.evaluate(CHECK_JS, [mode.min_font, mode.min_target, mode.elder])


def axe_violations(page: Any) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
          .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
    }""")
    return list(found)


def shoot(page: Any, journey: str, mode: Mode, step: int, label: str) -> Path:
    """Save the screen of one step: journeys-screenshots/<journey>/<mode>/<nn>-<label>.png."""
    path = SCREENSHOTS / journey / mode.name / f"{step:02d}-{label}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)
    return path
