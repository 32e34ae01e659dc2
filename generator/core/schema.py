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

# What a header may carry in brackets and still be its stem's column (units, not qualifiers):
# ``面积（亩）`` is 数量, ``身份证号（配偶）`` is another person's number and is dropped.
HEADER_QUALIFIERS = frozenset(
    "亩 公顷 平方米 元 万元 元/亩 元/人 元/户 元/月 元/人/月 元/人·月 元/头 元/只 元/吨 人 户 人·月 户·月 月 "
    "头 只 株 吨 公斤 千克 kg 台 辆 个 次 年-月-日 yyyy-mm-dd 必填 选填".split()
)

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
    "name_shown", "id_shown", "card_shown", "remark_shown", "sensitive", "recipient",
)
# ``recipient`` is an ordinal that tells one program's recipients apart (records of one person
# in one program share it; the same person in another program gets another), in order of first
# appearance. It is used only to count recipients on the statistics pages and in stats.json
# (sensitive programs show no ID digit, so namesakes of a village look alike) and is never
# written to a page, download or shard.
