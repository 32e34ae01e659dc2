"""Name material for the synthetic county: invented people, realistic frequencies.

Surname weights follow the usual national ranking (per mille, rounded), with the
north-east's Korean (朴 金) and Manchu/Mongol presence, polyphonic surnames (单 曾 解 仇
区 朴 查 盖 乐), compound surnames and a few minority names written with ``·``.
"""

SURNAMES: dict[str, float] = {
    "王": 72, "李": 72, "张": 69, "刘": 54, "陈": 45, "杨": 32, "赵": 23, "黄": 22, "周": 21,
    "吴": 20, "徐": 17, "孙": 16, "胡": 14, "朱": 13, "高": 13, "林": 12, "何": 12, "郭": 12,
    "马": 11, "罗": 9, "梁": 9, "宋": 8, "郑": 8, "谢": 7, "韩": 7, "唐": 7, "冯": 6, "于": 6,
    "董": 6, "萧": 5, "程": 5, "曹": 5, "袁": 5, "邓": 5, "许": 5, "傅": 4, "沈": 4, "曾": 4,
    "彭": 4, "吕": 4, "苏": 4, "卢": 4, "蒋": 4, "蔡": 4, "贾": 3, "丁": 3, "魏": 3, "薛": 3,
    "叶": 3, "阎": 3, "余": 3, "潘": 3, "杜": 3, "戴": 3, "夏": 3, "钟": 3, "汪": 3, "田": 3,
    "任": 3, "姜": 3, "范": 3, "方": 3, "石": 3, "姚": 3, "谭": 2, "廖": 2, "邹": 2, "熊": 2,
    "金": 3, "陆": 2, "郝": 2, "孔": 2, "白": 2, "崔": 2, "康": 2, "毛": 2, "邱": 2, "秦": 2,
    "江": 2, "史": 2, "顾": 2, "侯": 2, "邵": 2, "孟": 2, "龙": 2, "万": 2, "段": 2, "关": 2,
    "单": 1, "解": 1, "仇": 1, "区": 0.3, "朴": 1.5, "查": 0.5, "盖": 0.6, "乐": 0.4, "佟": 0.8,
    "那": 0.5, "付": 2, "常": 1.5, "包": 0.8, "车": 0.5, "宫": 0.5, "隋": 0.5, "迟": 0.8,
    "欧阳": 0.4, "司马": 0.2, "诸葛": 0.2, "尉迟": 0.1, "万俟": 0.05, "上官": 0.2, "东方": 0.1,
}

# Given-name characters; polyphonic ones (长 乐 朝 重 行 和 强 传 长) and a few rare
# characters (堃 喆 昇 𫖯) that pinyin libraries may not read.
GIVEN_MALE = (
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林 "
    "国 建 志 文 海 春 晓 东 永 庆 长 福 贵 宝 山 成 德 忠 广 兴 和 朝 重 行 传 乐 堃 喆 昇"
).split()
GIVEN_FEMALE = (
    "芳 娜 敏 静 丽 艳 娟 霞 秀 玲 桂 英 华 红 梅 兰 凤 琴 云 莲 洁 燕 萍 雪 丹 颖 佳 慧 "
    "玉 珍 淑 荣 春 秋 月 翠 香 乐 薇 婷 倩 𫖯"
).split()

# A few invented minority names written with the middle dot.
MIDDOT_NAMES = (
    "阿不都·热合曼", "买买提·艾力", "古丽·阿不力孜", "巴特尔·那顺", "其其格·乌云",
    "吐尔洪·托乎提", "阿依古丽·买买提", "斯琴·巴图",
)

# Village names: invented, in the style of the region's villages (many founded as 屯 and 队).
VILLAGE_STEMS = (
    "前进 红星 新兴 永胜 东升 富强 太平 兴隆 长胜 和平 光明 双河 平安 向阳 新华 跃进 "
    "胜利 建国 民主 团结 东风 丰收 幸福 德胜 友谊 曙光 新村 吉祥 公平 福安 合心 "
    "宝山 安邦 永丰 庆丰 裕民 兴旺 利民 长发 长青 金沙 三合 四合 五一 七星 八一 九龙 "
    "新安 永和 东兴 西兴 南岗 北山 腰屯 头道 二道 三道 河口 柳树 榆林 杨树"
).split()
