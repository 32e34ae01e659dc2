"""Search keys for a name *as the page shows it*: characters, pinyin, initials.

The search index never sees a raw name: ``name_keys`` takes ``name_shown`` (``张明秀``,
``张*秀``, ``欧阳*``, ``阿不都·热合曼``) and returns the terms a citizen may type to find it,
split into three kinds that the client ranks differently:

- ``key``: the whole name (``张明秀``), its full pinyin in every plausible reading
  (``zhangmingxiu``; ü as ``v`` and ``u``), a middot name without its dot; a masked name
  (``张*秀``) as a marker and its visible characters (``￮张秀``, see ``masked_key``) and
  the same spelled in pinyin (``￮zhangxiu``: the client cuts a typed ``zhangmingxiu`` into
  syllables and looks up surname + last syllable);
- ``initials``: ``zmx`` and the mixed form ``~张mx`` (surname as typed, given name as initials);
- ``part``: pieces of the name — one given-name character, any two characters of the name
  (``明秀``, ``张秀``) — and, for masked names, the pinyin of the visible characters.

Surnames are read as surnames (单 shan, 曾 zeng, 解 xie, 尉迟 yuchi …); every reading of a
polyphonic given-name character is indexed. A character pypinyin cannot read stays itself,
so it is still found by the character. ``*`` becomes ``＊`` in terms, because lunr.js treats
``*`` in a query as a wildcard.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin import Style, pinyin

from generator.privacy.mask import surname_of

MASK_CHAR = "＊"  # U+FF0A: stands for a hidden character inside index terms
MIDDOTS = "·•・"
# Mixed terms (``~张mx``) carry a marker that sorts after latin and before CJK, so that they
# do not interleave with the names under the same surname in the sorted term space.
MIXED_MARK = "~"
# A masked name's key starts with this marker (U+FFEE), which sorts after every other
# character a name holds: ``masked_key``.
MASKED_MARK = "\uffee"
MAX_READINGS = 16  # cap on pinyin spellings per name (products of polyphonic characters)

# How a character reads *as a surname* where that differs from its common reading, or where
# pypinyin's first reading is not the surname's. Compound surnames read as one unit.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "仇": ("qiu",), "区": ("ou",),
    "朴": ("piao",), "查": ("zha",), "盖": ("ge",), "乐": ("yue",), "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"), "长孙": ("zhang", "sun"), "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"), "令狐": ("ling", "hu"), "覃": ("qin",), "缪": ("miao",),
    "翟": ("zhai",), "秘": ("bi",), "种": ("chong",), "召": ("shao",), "祭": ("zhai",),
    "车": ("che",), "柏": ("bai",), "繁": ("po",), "员": ("yun",), "能": ("nai",),
    "阚": ("kan",), "句": ("gou",), "宿": ("su",), "牟": ("mou",), "隗": ("wei",),
    "折": ("she",), "黑": ("he",), "那": ("na",), "都": ("du",), "重": ("chong",),
    "朝": ("chao",), "长": ("chang",), "行": ("xing",), "和": ("he",), "传": ("chuan",),
    "华": ("hua",), "任": ("ren",), "沈": ("shen",), "石": ("shi",), "藏": ("zang",),
    "薄": ("bo",), "贲": ("ben",), "相": ("xiang",), "尉": ("wei",), "燕": ("yan",),
    "纪": ("ji",), "谌": ("chen",), "郇": ("xun",), "佴": ("nai",), "过": ("guo",),
    "占": ("zhan",), "禚": ("zhuo",), "洗": ("xian",), "冼": ("xian",)
}


@dataclass(frozen=True)
class NameKeys:
    key: tuple[str, ...]
    initials: tuple[str, ...]
    part: tuple[str, ...]


@cache
def char_readings(char: str) -> tuple[str, ...]:
    """Every pinyin reading of one character, ü spelled ``v`` and ``u``; unknown → the char."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")
    readings = [r for r in found[0] if r and r.isascii() and r.isalpha()] if found else []
    if not readings:
        return (char,)
    return tuple(dict.fromkeys(s for r in readings for s in (r, r.replace("v", "u"))))


def surname_readings(surname: str) -> tuple[tuple[str, ...], ...]:
    """Readings of a surname, one tuple of syllables per character."""
    fixed = SURNAME_READINGS.get(surname)
    if fixed is not None:
        return tuple((s,) for s in fixed)
    return tuple(_common_reading(c) for c in surname)


def _common_reading(char: str) -> tuple[str, ...]:
    found = pinyin(char, style=Style.NORMAL, heteronym=False, errors="default")
    first = found[0][0] if found and found[0] else char
    if not (first.isascii() and first.isalpha()):
        return (char,)
    return _with_u(first)


def _with_u(syllable: str) -> tuple[str, ...]:
    """ü is typed as ``v`` (pypinyin's spelling) or ``u``."""
    return tuple(dict.fromkeys((syllable, syllable.replace("v", "u"))))


def spellings(syllables: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Cartesian product of per-character readings, capped at ``MAX_READINGS``."""
    return list(itertools.islice(itertools.product(*syllables), MAX_READINGS))


def split_name(name: str) -> tuple[str, str]:
    """(surname, given) of a shown name; a middot name has no surname rule: all given."""
    if any(m in name for m in MIDDOTS):
        return "", name
    surname = surname_of(name)
    return surname, name[len(surname):]


@lru_cache(maxsize=200_000)
def name_keys(shown: str) -> NameKeys:
    """All search terms for one name as shown on the page (see the module docstring)."""
    shown = shown.strip()
    if not shown or set(shown) <= set("*" + MIDDOTS):
        return NameKeys((), (), ())
    if "*" in shown:
        return _masked_keys(shown)
    if any(m in shown for m in MIDDOTS):
        return _middot_keys(shown)
    return _full_keys(shown)


def _full_keys(name: str) -> NameKeys:
    surname, given = split_name(name)
    syllables = list(surname_readings(surname)) + [char_readings(c) for c in given]
    combos = spellings(syllables)
    key = [name] + ["".join(c) for c in combos]
    n_sur = len(surname_readings(surname))
    initials = ["".join(s[0] for s in c) for c in combos]
    mixed = [MIXED_MARK + surname + "".join(s[0] for s in c[n_sur:]) for c in combos]
    units = [surname, *given]
    part = list(given) + [a + b for a, b in itertools.combinations(units, 2)]
    part = [p for p in part if p != units[0] + units[1]]  # a name prefix: found as a prefix
    return _keys(key, initials + mixed, part)


def masked_key(shown: str) -> str:
    """The key of a masked name: a marker, then its visible characters (张*秀 → ￮张秀).

    Someone typing the full name 张明秀 may be looking at 张*秀 (a program that shows only
    the surname and the last character), so a name query also looks up its masked form.
    Full names under a common surname fill many shards and the masked form cannot sort next
    to all of them; with the marker, every masked name sorts after all other terms, in
    shards of their own that hold masked persons only and are cut small (see
    ``search_index``): the second lookup costs a small shard, not a second full one. The
    client checks the number of hidden characters on the display row.
    """
    return MASKED_MARK + "".join(c for c in shown if c not in "*" + MASK_CHAR)


def _masked_keys(shown: str) -> NameKeys:
    if any(m in shown for m in MIDDOTS):
        visible = [c for c in shown if c not in "*" + MIDDOTS]
        return _keys([shown.replace("*", MASK_CHAR)], [], visible[1:])
    surname, given = split_name(shown)
    visible_given = [c for c in given if c != "*"]
    syllables = list(surname_readings(surname)) + [char_readings(c) for c in visible_given]
    part = list(visible_given) + [surname + c for c in visible_given]
    spelled = ["".join(c) for c in spellings(syllables)]
    if visible_given:
        part += spelled
    # full pinyin typed for the whole name (zhangmingsan) finds 张*三 by its spelled key
    return _keys([masked_key(shown)] + [MASKED_MARK + s for s in spelled], [], part)


def _middot_keys(name: str) -> NameKeys:
    bare = "".join(c for c in name if c not in MIDDOTS)
    pieces = [p for p in _split_middot(name) if p]
    # transliterated names: the usual reading of each character, read in context
    read = pinyin(bare, style=Style.NORMAL, heteronym=False, errors="default")
    if len(read) == len(bare):
        syllables = [_with_u(r[0]) if r[0].isascii() else (c,) for r, c in zip(read, bare, strict=True)]
    else:  # pypinyin joined a run of characters it cannot read
        syllables = [_common_reading(c) for c in bare]
    combos = spellings(syllables)
    key = [name, bare] + ["".join(c) for c in combos]
    initials = ["".join(s[0] for s in c) for c in combos]
    part = pieces[1:] + [c for c in bare[1:]]
    return _keys(key, initials, part)


def _split_middot(name: str) -> list[str]:
    for m in MIDDOTS[1:]:
        name = name.replace(m, MIDDOTS[0])
    return name.split(MIDDOTS[0])


def _keys(key: list[str], initials: list[str], part: list[str]) -> NameKeys:
    def clean(terms: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.lower() for t in terms if t))

    keys = clean(key)
    inits = tuple(t for t in clean(initials) if t not in keys)
    parts = tuple(t for t in clean(part) if t not in keys and t not in inits)
    return NameKeys(keys, inits, parts)


def id_key(id_shown: str) -> str | None:
    """The last 4 shown ID characters (``123x``), or None when the page shows none of them."""
    tail = id_shown[-4:].lower()
    if len(tail) == 4 and tail[:3].isdigit() and (tail[3].isdigit() or tail[3] == "x"):
        return tail
    return None
