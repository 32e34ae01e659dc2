"""The words of every notification.

An SMS is one segment: at most 70 characters (a GSM-7-incapable text, i.e. Chinese, is cut
into 67-character parts beyond 70), in Chinese, starting with the county's signature
(``sms_signature`` in county.yml, default 【<county>惠民补贴】). A citizen's SMS holds
nothing the citizen did not type or receive on the receipt page: the tracking number, the
query code (receipt only) and dates. No department names, no reply text, no reasons: the
status page shows those after the query code is entered.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.county import County

from .states import KINDS

SMS_LIMIT = 70
CODE_MASK = "******"


class TooLong(ValueError):
    pass


def signature(county: County) -> str:
    value = str((county.raw.get("county") or {}).get("sms_signature") or "").strip()
    return value or f"【{county.name}惠民补贴】"


@dataclass(frozen=True)
class Text:
    """A text to send and the same text safe for a log (query code starred out)."""

    body: str
    redacted: str
    subject: str = ""


def _sms(sig: str, *candidates: str, secret: str | None = None) -> Text:
    """The first of ``candidates`` (longest first) that fits one segment after the signature."""
    for words in candidates:
        body = sig + words
        if len(body) <= SMS_LIMIT:
            # only the code after its label: the same digits may occur in the tracking number
            return Text(body, body.replace(f"查询码{secret}", f"查询码{CODE_MASK}") if secret else body)
    raise TooLong(f"SMS of {len(sig + candidates[-1])} characters")


# --- to citizens (SMS) ----------------------------------------------------------------

def receipt(county: County, number: str, code: str, due: str) -> Text:
    return _sms(signature(county),
                f"您的来信已登记，编号{number}，查询码{code}，{due}前答复，凭编号和查询码查询进度。",
                f"您的来信已登记，编号{number}，查询码{code}，{due}前答复。",
                f"您的来信已登记，编号{number}，查询码{code}。", secret=code)


def citizen_event(county: County, event: str, number: str, due: str = "") -> Text:
    sig = signature(county)
    words = {
        "await": f"您的事项{number}需要补充材料，请凭编号和查询码在查询页面查看。",
        "reply": f"您的事项{number}已答复，请凭查询码查看，并告诉我们问题是否解决。",
        "extend": f"您的事项{number}办理期限依法延长至{due}，延期理由请凭查询码查看。",
        "close": f"您的事项{number}已办结，感谢您的监督。",
        "refuse": f"您的事项{number}未予受理，原因和反映渠道请凭查询码查看。",
    }
    return _sms(sig, words[event])


CITIZEN_EVENTS = ("await", "reply", "extend", "close", "refuse")


# --- to handlers (SMS or email) -------------------------------------------------------

def handler_event(county: County, event: str, number: str, kind: str, due: str,
                  link: str = "", count: tuple[int, int, int] = (0, 0, 0)) -> tuple[Text, Text]:
    """(SMS, email) for a handler: no citizen's words, only number, kind and dates."""
    sig = signature(county)
    label = KINDS.get(kind, "事项")
    open_, soon, late = count
    words = {
        "new_case": (f"新{label}{number}交你单位办理，期限{due}，请登录办理系统处理。",
                     f"新{label} {number}"),
        "transfer": (f"{label}{number}已转你单位办理，期限{due}，请及时处理。",
                     f"转来{label} {number}"),
        "reminder": (f"{label}{number}已用去八成办理时间，期限{due}，请抓紧办理。",
                     f"即将到期：{label} {number}"),
        "escalate": (f"{label}{number}已超过办理期限{due}，已提请督办，请查看督办队列。",
                     f"督办：{label} {number}"),
        "digest": (f"你单位在办{open_}件，其中即将到期{soon}件、已超期{late}件，请登录处理。",
                   f"今日在办事项：{open_}件（即将到期{soon}件，已超期{late}件）"),
    }
    sms_words, subject = words[event]
    sms = _sms(sig, sms_words)
    body = sms_words + (f"\n\n{link}" if link else "") + f"\n\n——{sig.strip('【】')}（系统自动发送，请勿回复）"
    return sms, Text(body, body, subject=f"{sig}{subject}")


def mask_phone(phone: str) -> str:
    """138****8000: enough for a person to recognise, useless to anyone else."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"
