"""The one Jinja2 environment over ``templates/`` for every page and fragment the site renders.

Autoescaping on, undefined names an error, the shared vocabulary as globals and the one money
formatter as the ``money`` filter. Narrative pages, data pages, notices, the timeliness and
statistics pages all render through :func:`environment`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from generator.core import vocab
from generator.core.money import format_money, format_plain, format_yuan
from generator.core.paths import TEMPLATES_DIR


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The environment (built once per process)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["money"] = format_money
    env.filters["yuan"] = format_yuan
    env.filters["plain_number"] = format_plain
    env.filters["urlencode"] = _urlencode_value
    env.globals.update(vocab.labels_for_templates())
    from generator.core.website import tel_link

    env.filters["tel"] = tel_link
    return env


def render_fragment(name: str, **context: Any) -> str:
    """Render one template of ``templates/`` with `context`."""
    return environment().get_template(name).render(**context)


def _urlencode_value(value: Any) -> str:
    return quote(str(value), safe="")
