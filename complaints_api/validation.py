"""Reading and checking what citizens send: JSON or form-encoded, every field at once."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import request

from generator.core.county import County

from .errors import ApiError, invalid
from .routing import categories
from .states import KINDS

LIMITS = {"subject": 100, "body": 5000, "name": 50, "comment": 1000, "reason": 1000}
RECORD_REF = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")
MAX_JSON_DEPTH = 8  # a submission is a flat object; deeper nesting is refused
# Invisible characters that reorder or hide text (bidi controls, zero-width marks): a
# subject or name could otherwise show a handler something other than what it holds.
INVISIBLE = dict.fromkeys([0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029,
                           *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF])
# Control characters other than tab and newline (NUL: PostgreSQL refuses it in text).
CONTROLS = dict.fromkeys([c for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (0x09, 0x0A)])
TRUE_WORDS = {"1", "true", "on", "yes"}
FALSE_WORDS = {"", "0", "false", "off", "no"}


def clean(value: str) -> str:
    """Text as stored and shown: CRLF → LF, bidi/zero-width and control characters
    (NUL included) removed, surrounding white space stripped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.translate(INVISIBLE).translate(CONTROLS).strip()


def clean_arg(value: str | None, limit: int = 200) -> str:
    """A query-string or form value used for lookups only: cleaned and cut short."""
    return clean(value or "")[:limit]


def read_body() -> dict[str, Any]:
    """The request's fields from a JSON object or a form; 400 for anything else."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {key: request.form.get(key) for key in request.form}
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        return _json_object(request.get_data(cache=True))
    raise ApiError(400, "请以 JSON 或表单格式提交。", [("", "Content-Type 须为 application/json 或 application/x-www-form-urlencoded。")])


def _json_object(raw: bytes) -> dict[str, Any]:
    """Parse a JSON object without recursion errors: nesting deeper than
    ``MAX_JSON_DEPTH`` is refused before parsing (by counting brackets outside strings)."""
    if _depth(raw) > MAX_JSON_DEPTH:
        raise invalid([("", f"请求体嵌套过深（最多 {MAX_JSON_DEPTH} 层）。")])
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise invalid([("", "请求体须为 JSON 对象。")]) from None
    if not isinstance(data, dict):
        raise invalid([("", "请求体须为 JSON 对象。")])
    return data


def _depth(raw: bytes) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


class Fields:
    """Collects field errors while reading values of the right type."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: list[tuple[str, str]] = []

    def text(self, name: str, label: str, required: bool = False,
             limit: int | None = None) -> str | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors.append((name, f"请填写{label}。"))
            return None
        if not isinstance(value, str):
            self.errors.append((name, f"{label}须为文本。"))
            return None
        value = clean(value)
        if not value:
            if required:
                self.errors.append((name, f"请填写{label}。"))
            return None
        limit = limit or LIMITS.get(name)
        if limit and len(value) > limit:
            self.errors.append((name, f"{label}不能超过 {limit} 个字。"))
            return None
        return value

    def flag(self, name: str, label: str) -> bool:
        value = self.data.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        self.errors.append((name, f"{label}须为 true 或 false。"))
        return False

    def integer(self, name: str, label: str, low: int, high: int) -> int | None:
        value = self.data.get(name)
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.errors.append((name, f"请为{label}选择 {low} 到 {high} 之间的整数。"))
            return None
        return value

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)


@dataclass(frozen=True)
class SubmissionInput:
    kind: str
    category: str | None
    program: str | None
    township: str | None  # township name
    village: str | None  # village name
    record_ref: str | None
    subject: str
    body: str
    name: str | None
    phone: str | None
    anonymous: bool
    notify_sms: bool = False  # 短信通知我 (needs a mobile number; never when anonymous)


def parse_submission(data: dict[str, Any], county: County) -> SubmissionInput:
    """Check every field of a submission; raise one 400 naming each bad field."""
    f = Fields(data)
    kind = f.text("kind", "事项类型", required=True, limit=40)
    if kind is not None and kind not in KINDS:
        f.errors.append(("kind", "事项类型须为 inquiry（咨询）、complaint（投诉）、report（举报）"
                                 "或 disclosure_request（信息公开申请）。"))
    category = f.text("category", "问题类别", limit=40)
    if category is not None and category not in categories(county):
        f.errors.append(("category", f"问题类别须为以下之一：{'、'.join(categories(county))}。"))
    program = _program(f, county)
    township, village = _place(f, county)
    record_ref = f.text("record_ref", "记录编号", limit=64)
    if record_ref is not None and not RECORD_REF.match(record_ref):
        f.errors.append(("record_ref", "记录编号只能包含字母、数字和 . _ : - 符号。"))
    subject = f.text("subject", "标题", required=True)
    body = f.text("body", "具体内容", required=True)
    anonymous = f.flag("anonymous", "匿名")
    name = f.text("name", "姓名")
    phone = _phone(f)
    notify_sms = f.flag("notify_sms", "短信通知") and not anonymous
    if notify_sms and not (phone and MOBILE.match(phone)) and all(n != "phone" for n, _ in f.errors):
        f.errors.append(("phone", "选择短信通知时，请填写11位手机号码。"))
    f.done()
    assert kind is not None and subject is not None and body is not None
    if anonymous:
        name = phone = None
    return SubmissionInput(kind, category, program, township, village, record_ref,
                           subject, body, name, phone, anonymous, notify_sms)


def _program(f: Fields, county: County) -> str | None:
    value = f.text("program", "补贴项目", limit=100)
    if value is None:
        return None
    if value in county.programs:
        return value
    by_name = next((p.code for p in county.programs.values() if p.name == value), None)
    if by_name is None:
        f.errors.append(("program", f"补贴项目“{value}”不存在，请从清单中选择。"))
    return by_name


def _place(f: Fields, county: County) -> tuple[str | None, str | None]:
    town_value = f.text("township", "乡镇", limit=64)
    village_value = f.text("village", "村", limit=64)
    town = None
    if town_value is not None:
        town = next((t for t in county.townships if town_value in (t.code, t.name)), None)
        if town is None:
            f.errors.append(("township", f"乡镇“{town_value}”不在本县乡镇名单中。"))
            return None, None
    if village_value is None:
        return (town.name if town else None), None
    if town is not None:
        village = next((v for v in town.villages if village_value in (v.code, v.name)), None)
        if village is None:
            f.errors.append(("village", f"“{town.name}”没有名为“{village_value}”的村。"))
            return town.name, None
        return town.name, village.name
    matches = [(t, v) for t in county.townships for v in t.villages
               if village_value in (v.code, v.name)]
    if len(matches) != 1:
        message = "请同时选择乡镇。" if matches else f"村“{village_value}”不在本县村名单中。"
        f.errors.append(("village", message))
        return None, None
    return matches[0][0].name, matches[0][1].name


def _phone(f: Fields) -> str | None:
    value = f.text("phone", "联系电话", limit=40)
    if value is None:
        return None
    digits = unicodedata.normalize("NFKC", value).replace(" ", "").replace("－", "-")
    if not (MOBILE.match(digits) or LANDLINE.match(digits)):
        f.errors.append(("phone", "联系电话格式不正确，请填写11位手机号或带区号的固定电话。"))
        return None
    return digits


def idempotency_key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None or value == "":
        return None
    if not IDEMPOTENCY_KEY.match(value):
        raise invalid([("Idempotency-Key", "Idempotency-Key 须为 1 到 128 个可见 ASCII 字符。")])
    return value
