"""generator/render/env.py: the one Jinja environment every page and fragment renders through."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from generator.core import vocab
from generator.core.paths import TEMPLATES_DIR
from generator.render.env import environment


def test_one_environment_for_every_template() -> None:
    env = environment()
    assert environment() is env
    names = set(env.list_templates())
    expected = {p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.j2")}
    assert expected <= names
    for name in sorted(expected):
        env.get_template(name)  # every template parses under the same settings


def test_escapes_and_refuses_unknown_names() -> None:
    env = environment()
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()


def test_money_filter_and_vocabulary_globals() -> None:
    env = environment()
    assert env.from_string("{{ 1234.5|money }}|{{ 1234.5|yuan }}").render() == "1,234.50|1,234.50 元"
    assert env.from_string("{{ KINDS.report }}").render() == vocab.KINDS["report"] == "举报"
    assert "成功" in env.from_string("{{ PAID_STATUSES|join(',') }}").render()

