"""The sample county's fixed facts: 集贤县's townships, departments and programs.

Townships and departments are real; villages, phone numbers and every person are invented.
Department phones are invented landlines (0469 is 双鸭山's area code), never mobile numbers.
"""

from __future__ import annotations

from typing import Any

COUNTY: dict[str, Any] = {
    "name": "集贤县",
    "code": "230521",
    "province": "黑龙江省",
    "city": "双鸭山市",
    "title": "集贤县惠民惠农财政补贴资金“一卡通”公开平台",
    "supervision_phone": "0469-4623100",
    "supervision_address": "集贤县福利镇财政局一楼 惠民惠农补贴监督举报受理窗口",
    "sms_signature": "【集贤县惠民补贴】",  # starts every SMS of the complaints service
}

# The site's government-website facts (国办发〔2017〕47号): all invented for the sample; the
# 标识码, 备案号 and domain follow the real formats but belong to no site.
WEBSITE: dict[str, str] = {
    "organizer": "集贤县人民政府办公室",
    "undertaker": "集贤县财政局",
    "site_code": "2305210099",
    "icp": "黑ICP备00000000号-1",
    "public_security": "黑公网安备23052102000000号",
    "address": "黑龙江省双鸭山市集贤县福利镇政府街1号",
    "phone": "0469-4623000",
    "domain": "https://ykt.example.gov.cn",
}

# (code, name, villages) — codes follow the county's 9-digit township codes.
TOWNSHIPS = (
    ("230521100", "福利镇", 16),
    ("230521101", "集贤镇", 14),
    ("230521102", "升昌镇", 13),
    ("230521103", "丰乐镇", 15),
    ("230521104", "太平镇", 14),
    ("230521200", "兴安乡", 12),
    ("230521201", "永安乡", 11),
    ("230521202", "腰屯乡", 12),
)

# code, full name, short name, phone, roles, kind
DEPARTMENTS: tuple[tuple[str, str, str, str, list[str], str], ...] = (
    ("czj", "集贤县财政局", "财政局", "0469-4621201", ["finance", "triage"], "department"),
    # the seed plan's 领导专班办公室: overdue complaints are escalated to it (督办)
    ("czjlzb", "集贤县财政局领导专班办公室", "领导专班办公室", "0469-4621202", ["supervision"], "department"),
    ("nyncj", "集贤县农业农村局", "农业农村局", "0469-4621302", [], "department"),
    ("mzj", "集贤县民政局", "民政局", "0469-4621403", [], "department"),
    ("rsj", "集贤县人力资源和社会保障局", "人社局", "0469-4621504", [], "department"),
    ("sjj", "集贤县审计局", "审计局", "0469-4621605", ["audit"], "department"),
    ("xczxj", "集贤县乡村振兴局", "乡村振兴局", "0469-4621706", [], "department"),
    ("jytyj", "集贤县教育和体育局", "教育和体育局", "0469-4621807", [], "department"),
    ("zrzyj", "集贤县自然资源局", "自然资源局", "0469-4621908", [], "department"),
    ("zjj", "集贤县住房和城乡建设局", "住建局", "0469-4622009", [], "department"),
    ("jtysj", "集贤县交通运输局", "交通运输局", "0469-4622110", [], "department"),
    ("tyjrswj", "集贤县退役军人事务局", "退役军人事务局", "0469-4622211", [], "department"),
    ("lcj", "集贤县林业和草原局", "林业和草原局", "0469-4622312", [], "department"),
    ("jwjw", "中共集贤县纪律检查委员会 集贤县监察委员会", "纪委监委", "0469-4622413",
     ["discipline"], "discipline"),
    ("nxs", "集贤县农村信用合作联社", "农村信用社", "0469-4622514", ["agent_bank"], "bank"),
    ("jrjg", "国家金融监督管理总局双鸭山监管分局集贤监管组", "金融监管", "0469-4622615",
     ["bank_supervision"], "department"),
)

_FARM = "持有土地承包经营权证的农户，以二轮承包面积或实际种植面积为准"
_NAME_FULL = {"name": "full", "id_head": 6, "id_tail": 4, "card_tail": 4}
_NAME_PARTIAL = {"name": "partial", "id_head": 6, "id_tail": 4, "card_tail": 4, "sensitive": True}

# Program specs: yml fields + generator hints (prefixed "_"): share of the population
# receiving it, periods per year ("yearly"/"quarterly"), quantity model, file format.
PROGRAMS: tuple[dict[str, Any], ...] = (
    {"code": "gdzl", "name": "耕地地力保护补贴", "department": "nyncj", "category": "农业生产",
     "legal_basis": "《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》（财农〔2016〕26号）",
     "target": _FARM, "standard": "每亩 68.93 元", "unit": "亩", "standard_amount": 68.93,
     "cycle": "yearly", "payment_deadline_days": 120, "disclosure": _NAME_FULL,
     "_share": 0.30, "_periods": "yearly", "_qty": "area", "_format": "csv", "_produced": (5, 20)},
    {"code": "ymsc", "name": "玉米生产者补贴", "department": "nyncj", "category": "农业生产",
     "legal_basis": "《黑龙江省玉米和大豆生产者补贴实施方案》", "target": "实际种植玉米的生产者",
     "standard": "每亩 86.00 元", "unit": "亩", "standard_amount": 86.0, "cycle": "yearly",
     "payment_deadline_days": 90, "disclosure": _NAME_FULL,
     "_share": 0.20, "_periods": "yearly", "_qty": "area", "_format": "csv-gb18030", "_produced": (10, 15)},
    {"code": "ddsc", "name": "大豆生产者补贴", "department": "nyncj", "category": "农业生产",
     "legal_basis": "《黑龙江省玉米和大豆生产者补贴实施方案》", "target": "实际种植大豆的生产者",
     "standard": "每亩 350.00 元", "unit": "亩", "standard_amount": 350.0, "cycle": "yearly",
     "payment_deadline_days": 90, "disclosure": _NAME_FULL,
     "_share": 0.12, "_periods": "yearly", "_qty": "area", "_format": "csv", "_produced": (10, 18)},
    {"code": "dgsc", "name": "稻谷补贴", "department": "nyncj", "category": "农业生产",
     "legal_basis": "《黑龙江省稻谷补贴实施方案》", "target": "实际种植水稻的生产者",
     "standard": "每亩 55.00 元", "unit": "亩", "standard_amount": 55.0, "cycle": "yearly",
     "payment_deadline_days": 90, "disclosure": _NAME_FULL,
     "_share": 0.05, "_periods": "yearly", "_qty": "area", "_format": "csv-bom", "_produced": (11, 5)},
    {"code": "njgz", "name": "农机购置与应用补贴", "department": "nyncj", "category": "农业生产",
     "legal_basis": "《2024—2026年农机购置与应用补贴实施指导意见》（农办计财〔2024〕4号）",
     "target": "购置列入补贴范围农机具的农户和农业生产经营组织", "standard": "按机具分档定额补贴，每台 3,000 元",
     "unit": "台", "standard_amount": 3000.0, "cycle": "yearly", "payment_deadline_days": 180,
     "disclosure": _NAME_FULL,
     "_share": 0.01, "_periods": "yearly", "_qty": "one", "_format": "xlsx", "_produced": (9, 1)},
    {"code": "nccb", "name": "农村最低生活保障金", "department": "mzj", "category": "社会救助",
     "legal_basis": "《社会救助暂行办法》（国务院令第649号）；《黑龙江省最低生活保障办法》",
     "target": "家庭人均收入低于当地农村低保标准且符合财产状况规定的农村居民",
     "standard": "每人每月 420 元（按季度发放）", "unit": "人·月", "standard_amount": 420.0,
     "cycle": "quarterly", "payment_deadline_days": 15, "disclosure": {**_NAME_PARTIAL, "id_head": 0},
     "_share": 0.04, "_periods": "quarterly", "_qty": "months", "_format": "csv", "_produced": None},
    {"code": "tkgy", "name": "特困人员救助供养金", "department": "mzj", "category": "社会救助",
     "legal_basis": "《国务院关于进一步健全特困人员救助供养制度的意见》（国发〔2016〕14号）",
     "target": "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人",
     "standard": "每人每月 630 元（按季度发放）", "unit": "人·月", "standard_amount": 630.0,
     "cycle": "quarterly", "payment_deadline_days": 15, "disclosure": {**_NAME_PARTIAL, "id_head": 0},
     "_share": 0.01, "_periods": "quarterly", "_qty": "months", "_format": "csv", "_produced": None},
    {"code": "gljt", "name": "高龄津贴", "department": "mzj", "category": "社会福利",
     "legal_basis": "《黑龙江省老年人权益保障条例》", "target": "具有本县户籍、年满80周岁的老年人",
     "standard": "每人每月 100 元（按季度发放）", "unit": "人·月", "standard_amount": 100.0,
     "cycle": "quarterly", "payment_deadline_days": 30,
     "disclosure": {"name": "full", "id_head": 2, "id_tail": 4, "card_tail": 4},
     "_share": 0.03, "_periods": "quarterly", "_qty": "months", "_format": "csv", "_produced": None},
    {"code": "cjlx", "name": "困难残疾人生活补贴和重度残疾人护理补贴", "department": "mzj",
     "category": "社会福利",
     "legal_basis": "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）",
     "target": "低保家庭中的残疾人；残疾等级为一级、二级的重度残疾人",
     "standard": "每人每月 90 元（按季度发放）", "unit": "人·月", "standard_amount": 90.0,
     "cycle": "quarterly", "payment_deadline_days": 30, "disclosure": {**_NAME_PARTIAL, "id_head": 0},
     "_share": 0.025, "_periods": "quarterly", "_qty": "months", "_format": "csv-gb18030",
     "_produced": None, "_sensitive_column": "残疾类别"},
    {"code": "yfbz", "name": "优抚对象定期抚恤补助", "department": "tyjrswj", "category": "优抚安置",
     "legal_basis": "《军人抚恤优待条例》（国务院 中央军委令第788号）",
     "target": "在乡退役军人、烈士遗属等重点优抚对象", "standard": "按类别定额，每人每季度 1,500 元",
     "unit": "人·季", "standard_amount": 1500.0, "cycle": "quarterly", "payment_deadline_days": 30,
     "disclosure": {"name": "partial", "id_head": 0, "id_tail": 4, "card_tail": 4},
     "_share": 0.008, "_periods": "quarterly", "_qty": "one", "_format": "xlsx", "_produced": None},
    {"code": "cxjm", "name": "城乡居民基础养老金", "department": "rsj", "category": "社会保险",
     "legal_basis": "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
     "target": "年满60周岁、参加城乡居民基本养老保险的人员", "standard": "每人每月 148 元（按季度发放）",
     "unit": "人·月", "standard_amount": 148.0, "cycle": "quarterly", "payment_deadline_days": 15,
     "disclosure": _NAME_FULL,
     "_share": 0.10, "_periods": "quarterly", "_qty": "months", "_format": "csv", "_produced": None},
    {"code": "slbc", "name": "森林生态效益补偿", "department": "lcj", "category": "生态保护",
     "legal_basis": "《中央财政林业改革发展资金管理办法》（财资环〔2021〕39号）",
     "target": "国家级、省级公益林的林权权利人", "standard": "每亩 16.00 元", "unit": "亩",
     "standard_amount": 16.0, "cycle": "yearly", "payment_deadline_days": 120, "disclosure": _NAME_FULL,
     "_share": 0.03, "_periods": "yearly", "_qty": "area", "_format": "csv", "_produced": (8, 10)},
    {"code": "thgl", "name": "退耕还林补助", "department": "lcj", "category": "生态保护",
     "legal_basis": "《新一轮退耕还林还草总体方案》（发改西部〔2014〕1772号）",
     "target": "实施新一轮退耕还林的农户", "standard": "每亩 300.00 元", "unit": "亩",
     "standard_amount": 300.0, "cycle": "yearly", "payment_deadline_days": 120, "disclosure": _NAME_FULL,
     "_share": 0.01, "_periods": "yearly", "_qty": "area_small", "_format": "csv", "_produced": (7, 1)},
    {"code": "wfgz", "name": "农村危房改造补助", "department": "zjj", "category": "住房保障",
     "legal_basis": "《住房和城乡建设部 财政部 民政部 国家乡村振兴局关于做好农村低收入群体等重点对象住房安全保障工作的实施意见》（建村〔2021〕35号）",
     "target": "农村低收入群体等重点对象中住房不安全的农户", "standard": "每户 20,000 元",
     "unit": "户", "standard_amount": 20000.0, "cycle": "yearly", "payment_deadline_days": 180,
     "disclosure": {**_NAME_PARTIAL, "sensitive": False},
     "_share": 0.003, "_periods": "yearly", "_qty": "one", "_format": "xlsx", "_produced": (11, 20)},
    {"code": "ywjy", "name": "义务教育家庭经济困难学生生活补助", "department": "jytyj", "category": "教育资助",
     "legal_basis": "《学生资助资金管理办法》（财教〔2021〕310号）",
     "target": "义务教育阶段家庭经济困难的寄宿生", "standard": "每人每年 1,250 元", "unit": "人",
     "standard_amount": 1250.0, "cycle": "yearly", "payment_deadline_days": 90,
     "disclosure": {**_NAME_PARTIAL, "id_head": 0},
     "_share": 0.01, "_periods": "yearly", "_qty": "one", "_format": "csv", "_produced": (10, 30)},
    {"code": "yljh", "name": "雨露计划职业教育补助", "department": "xczxj", "category": "乡村振兴",
     "legal_basis": "《关于进一步做好雨露计划职业教育补助工作的通知》（国开办司发〔2022〕10号）",
     "target": "脱贫家庭（含监测帮扶对象家庭）中接受中高职教育的子女", "standard": "每人每年 3,000 元",
     "unit": "人", "standard_amount": 3000.0, "cycle": "yearly", "payment_deadline_days": 90,
     "disclosure": {**_NAME_PARTIAL, "id_head": 0},
     "_share": 0.005, "_periods": "yearly", "_qty": "one", "_format": "csv-bom", "_produced": (11, 10)},
)

# Region codes of the neighbouring districts and counties: some invented people were born there.
NEIGHBOUR_REGIONS = ("230502", "230503", "230505", "230506", "230522", "230523", "230524")
