"""The shared vocabulary: every code the data, the pages, the search client and the service use.

One home for each list of codes and its Chinese labels. Python imports these names; the
templates get them through the one Jinja environment (``generator.render.env``); the search
client reads the labels it needs from the manifest the index writes (``vocab`` key); the
complaints service imports them from here. Change a label here and every surface follows.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

# --- payments (发放状态) ------------------------------------------------------------------

PAID = "成功"
FAILED = "失败"
RETURNED = "退回"
PAY_STATUSES = (PAID, FAILED, RETURNED)
FAILED_STATUSES = (FAILED, RETURNED)
# What counts as paid: 成功, or no status at all (a list published as paid often has no
# 发放状态 column). Failed and returned payments never count. Every figure — program pages,
# the budget page, stats.json, the audit report — uses this one rule.
PAID_STATUSES = (PAID, "")
PAID_RULE_TEXT = "只计发放成功的金额（未填写发放状态的记录按已发放计，发放失败和退回的不计）"


def is_paid(status: object) -> bool:
    """True when a record's 发放状态 means the money reached the recipient."""
    text = "" if status is None or status != status else str(status).strip()
    return text in PAID_STATUSES


def paid_mask(statuses: Any) -> Any:
    """Vectorised :func:`is_paid` over a pandas Series of 发放状态 (NaN counts as blank)."""
    return statuses.fillna("").astype(str).str.strip().isin(PAID_STATUSES).to_numpy()


# --- batches ----------------------------------------------------------------------------------

BATCH_STATUSES = MappingProxyType({"paid": "已发放", "notice": "公示", "withdrawn": "撤回"})
# The status of a batch on the timeliness page and in batches.json.
TIMELINESS_LABELS = MappingProxyType(
    {"on_time": "按时公开", "late": "逾期公开", "notice": "公示中", "withdrawn": "已撤回"})
CYCLES = MappingProxyType({"yearly": "每年一次", "quarterly": "按季度发放", "monthly": "按月发放", "once": "一次性"})

# --- complaints service -----------------------------------------------------------------------

KINDS = MappingProxyType({
    "inquiry": "咨询",
    "complaint": "投诉",
    "report": "举报",
    "disclosure_request": "信息公开申请",
})

CATEGORIES = MappingProxyType({
    "eligibility": "资格认定有误",
    "amount": "金额有误",
    "list": "公示名单有误",
    "payment_not_received": "未收到补贴",
    "delay": "发放延迟",
    "misconduct": "干部违纪违法",
    "bank_misconduct": "银行违规",
    "other": "其他",
})

# How the complaint form asks for each category, in a villager's words (same codes, same order
# as the form has always shown them).
CATEGORY_PROMPTS = MappingProxyType({
    "amount": "补贴金额有误",
    "eligibility": "应享受未享受或不应享受",
    "payment_not_received": "一卡通未收到钱",
    "delay": "发放不及时",
    "list": "公示名单有误",
    "misconduct": "干部优亲厚友、截留挪用等",
    "bank_misconduct": "银行网点违规扣费、代领等",
    "other": "其他",
})

STATES = MappingProxyType({
    "submitted": "已提交",
    "transferred": "已转办",
    "accepted": "已受理",
    "in_progress": "办理中",
    "awaiting_citizen": "待补充材料",
    "replied": "已答复",
    "closed": "已办结",
    "not_accepted": "不予受理",
    "merged": "已合并办理",
    "withdrawn": "已撤回",
})

# Complaint routing: category or kind → target. county.yml's `routing:` overrides any key.
# Targets: program, township, bank (agent bank, finance copied), finance, triage, discipline,
# bank_supervision, audit, holder (the program's department), or a department code.
DEFAULT_ROUTING: MappingProxyType[str, object] = MappingProxyType({
    "eligibility": "program",
    "amount": "program",
    "list": "township",
    "payment_not_received": "bank",
    "delay": "finance",
    "misconduct": "discipline",
    "bank_misconduct": "bank_supervision",
    "other": "triage",
    "report": "discipline",
    "disclosure_request": "holder",
    "copy_finance_on": ("payment_not_received",),
})


def labels_for_templates() -> dict[str, Any]:
    """The names every template may use (added to the Jinja environment's globals)."""
    return {"PAY_STATUSES": PAY_STATUSES, "PAID_STATUSES": PAID_STATUSES, "PAID_RULE_TEXT": PAID_RULE_TEXT,
            "KINDS": dict(KINDS), "CATEGORIES": dict(CATEGORIES), "CATEGORY_PROMPTS": dict(CATEGORY_PROMPTS), "STATES": dict(STATES),
            "BATCH_STATUSES": dict(BATCH_STATUSES), "TIMELINESS_LABELS": dict(TIMELINESS_LABELS)}


def labels_for_client() -> dict[str, Any]:
    """What the search client needs, written into the search manifest (never a JS copy)."""
    return {"paid": PAID}
