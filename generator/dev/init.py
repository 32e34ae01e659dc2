"""``yikatong init DIR --county NAME --code CODE``: a new county's starter data tree.

Writes a commented ``county.yml`` (every key a county must fill, see docs/county-yml.md),
the sample's programs as a starting policy list (``programs/*.yml``, departments named after
the county), ``holidays.yml``, ``.gitignore`` and the CI files of ``ci/county-data-repo``.
Never overwrites an existing file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from generator.core.paths import COUNTY_REPO_DIR
from generator.dev.model import departments_for
from generator.dev.sampledata.county import PROGRAMS

COUNTY_TEMPLATE = """# {name}惠民惠农财政补贴资金“一卡通”公开平台：县情、乡镇村、部门。
# 每一项的含义见 yikatong 仓库的 docs/county-yml.md；改完运行 yikatong validate 检查。
county:
  name: {name}                 # 县名（必填）
  code: "{code}"               # 6 位行政区划代码（必填，加引号）
  province: 请填写省名          # 所属省份，例如 黑龙江省
  city: 请填写地级市名          # 所属地级市，例如 双鸭山市
  supervision_phone: "0000-0000000"   # 监督举报电话（固定电话），每个页面都会显示
  supervision_address: 请填写监督举报受理窗口地址
  # title: {name}惠民惠农财政补贴资金“一卡通”公开平台   # 网站标题（可选）

publication:
  window_days: 20              # 信息产生后多少日内公开（黑财办〔2021〕11号：20 日）
  window_unit: calendar        # calendar 自然日；working 工作日

# 乡镇和村：名称必须与各部门报送名单中填写的完全一致。下面是占位示例，请改为本县实际的乡镇和村。
townships:
  - code: "{code}100"          # 9 位乡镇代码
    name: 城关镇
    # phone: "0000-0000000"
    villages:
      - {{code: "{code}100201", name: 示例一村}}   # 12 位村代码
      - {{code: "{code}100202", name: 示例二村}}

# 部门：补贴政策清单（programs/*.yml）的 department 和投诉转办都用这里的 code。
departments:
{departments}
"""


def init_county(directory: Path, name: str, code: str) -> list[Path]:
    if not (len(code) == 6 and code.isdigit()):
        raise ValueError(f"行政区划代码“{code}”应为 6 位数字，例如 230523。")
    if not name.strip():
        raise ValueError("县名不能为空，例如 --county 宝清县。")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        path = root / rel
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    lines = []
    for dcode, full, short, _phone, roles, kind in departments_for(name):
        lines.append(f"  - {{code: {dcode}, name: {full}, short_name: {short}, phone: \"0000-0000000\""
                     + (f", roles: [{', '.join(roles)}]" if roles else "")
                     + (f", kind: {kind}" if kind != "department" else "") + "}")
    write("county.yml", COUNTY_TEMPLATE.format(name=name, code=code, departments="\n".join(lines)))
    for spec in PROGRAMS:
        doc = {k: v for k, v in spec.items() if not k.startswith("_")}
        doc["how_to_apply"] = "请填写申请方式：向哪里申请、需要哪些材料、谁审核。"
        text = (f"# 补贴政策清单：{spec['name']}。这是起步清单：请按本县实际核对标准、依据和主管部门，"
                "不发放的项目删去本文件。\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000))
        write(f"programs/{spec['code']}.yml", text)
    write("holidays.yml", "# 法定节假日和调休工作日：chinesecalendar 尚未收录的年份在此按国务院办公厅通知补充。\n"
                          "# 例：\n# 2027:\n#   holidays: [2027-01-01]\n#   workdays: [2027-02-07]\n{}\n")
    write("batches/README.md", "各部门的发放名单放在 batches/<年份>/<批次名>/ 下（batch.yml 和 records.xlsx 或 records.csv），"
                               "见网站上的“报送指南”。\n")
    for path in sorted(COUNTY_REPO_DIR.rglob("*")):
        if path.is_file() and path.name != "README.md":
            rel = path.relative_to(COUNTY_REPO_DIR)
            target = root / rel
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                written.append(target)
    write("CI-README.md", (COUNTY_REPO_DIR / "README.md").read_text(encoding="utf-8"))
    return written
