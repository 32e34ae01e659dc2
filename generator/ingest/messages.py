"""Messages a clerk sees while a file is read (tests assert them word for word).

``validate.MESSAGES`` holds the per-cell ones; these are about a whole file, sheet or header.
Rows are numbered as Excel shows them (first row = 1).
"""

from __future__ import annotations

LOAD_MESSAGES = {
    "duplicate_column": "“{first}”和“{second}”都会被读作同一列：请只保留一列，另一列删除或改名。",
    "qualified_column": "列“{header}”带有括号说明，不是“{stem}”列，已忽略（不会公开）。如果这一列就是{stem}，请把表头改为“{stem}”。",
    "missing_column": "缺少“{col}”列：请在表头中加上“{col}”一列并逐行填写。",
    "no_header": "找不到表头行：前 10 行中没有“姓名”“身份证号”等列名。请把表头放在数据上方的一行。",
    "two_row_header": "表头占了两行（第 {row} 行和第 {next} 行）：请把表头合并为一行，每列一个列名，例如“补贴面积（亩）”。",
    "xls": "这是旧版 Excel 文件（.xls），无法读取：请在 Excel 中“文件 → 另存为”，文件类型选“Excel 工作簿（*.xlsx）”，保存为 records.xlsx 后删除 records.xls。",
    "xlsx_unreadable": "无法打开 Excel 文件（{kind}）：请确认是 .xlsx 格式且未加密。",
    "xlsx_no_visible": "Excel 文件中没有可见的工作表：请取消隐藏发放名单所在的工作表。",
    "xlsx_empty": "Excel 工作表“{sheet}”是空的：请把发放名单放在“名单”工作表或第一个工作表中。",
    "xlsx_formula": "这个单元格是公式，但文件中没有保存计算结果：请在 Excel 中打开文件、确认结果显示正常后保存，或把公式改为数值。",
    "xlsx_merged": "有合并单元格（{range}）：请取消合并，并在每一行填写完整的值。",
    "xlsx_hidden_row": "这一行被隐藏了但有内容：请取消隐藏后核对，不应公开的行请删除。",
    "xlsx_hidden_column": "第 {column} 列被隐藏了但有内容：请取消隐藏后核对，不应公开的列请删除。",
    "csv_encoding": "无法识别文件编码：请在 Excel 中“另存为”CSV UTF-8 或 CSV（逗号分隔）后重新提交。",
    "csv_empty": "文件是空的：请放入带表头的发放名单。",
    "csv_quote": "第 {row} 行有未配对的英文双引号（\"）：请删去这个引号或补全另一半，或直接提交 Excel 文件。",
    "csv_delimiter": "文件用{name}分隔各列，而不是逗号：请在 Excel 中“另存为”CSV UTF-8（逗号分隔），或直接提交 Excel 文件。",
    "yaml_syntax": "batch.yml 格式错误{where}：请检查缩进和冒号（冒号后要有空格），并以 UTF-8 保存。",
    "yaml_encoding": "batch.yml 的编码无法识别：请用记事本打开，“另存为”时编码选 UTF-8。",
    "yaml_unknown_key": "batch.yml 中的“{key}”不是可用的项目{hint}：可用的有 {keys}。",
}
