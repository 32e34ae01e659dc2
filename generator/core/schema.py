"""The canonical record schema and the Chinese headers clerks use for each column.

Every loaded record becomes one row of a pandas DataFrame with the columns in
``RECORD_COLUMNS`` (all strings except where noted). Columns not listed in ``HEADER_ALIASES``
are dropped by ``load`` before anything else sees them.
"""

from __future__ import annotations

# canonical column → accepted headers (after removing spaces, units in brackets, and '*')
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "户主姓名", "补贴对象姓名", "领取人姓名", "户主", "姓 名"),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "身份证", "证件号码", "居民身份证号码"),
    "card_number": ("社保卡号", "银行账号", "卡号", "一卡通账号", "账号", "社会保障卡号", "银行卡号"),
    "township": ("乡镇", "乡镇名称", "乡(镇)", "乡镇（街道）"),
    "village": ("村", "村名", "行政村", "村(社区)", "村（社区）", "所在村"),
    "group": ("组", "村民小组", "屯", "组别"),
    "quantity": ("数量", "面积", "补贴面积", "计税面积", "人数", "补贴数量"),
    "standard": ("标准", "补贴标准", "单价"),
    "amount": ("金额", "补贴金额", "发放金额", "应发金额", "实发金额"),
    "paid_on": ("发放日期", "发放时间", "拨付日期"),
    "pay_status": ("发放状态", "状态", "兑付状态"),
    "remark": ("备注", "说明"),
}

# Columns a clerk must fill in every record row.
REQUIRED_COLUMNS = ("name", "id_number", "card_number", "township", "village", "amount")

PAY_STATUSES = ("成功", "失败", "退回")

# What load adds to each record (provenance), then validate/mask add derived columns.
PROVENANCE_COLUMNS = ("batch_id", "program", "period", "year", "source_file", "source_row")

RECORD_COLUMNS = PROVENANCE_COLUMNS + tuple(HEADER_ALIASES)

# Canonical column → the default header used in templates and downloads.
DEFAULT_HEADERS: dict[str, str] = {key: aliases[0] for key, aliases in HEADER_ALIASES.items()}

# The only columns that leave the masker (generator.privacy.mask.mask_records): every page,
# download, search shard and statistic is made from these. Raw name, ID, card and remark
# columns are not among them.
PUBLIC_COLUMNS = (
    "ref", "batch_id", "program", "period", "year", "township", "village", "group",
    "quantity", "standard", "amount", "paid_on", "pay_status",
    "name_shown", "id_shown", "card_shown", "remark_shown", "sensitive",
)
