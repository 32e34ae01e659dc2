"""The ``yikatong`` command: argument parsing only; every command calls a library function."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from generator.core.errors import YikatongError


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"日期“{value}”格式不对，应为 YYYY-MM-DD，例如 2025-03-31。", param, ctx)


DATE = DateType()
data_option = click.option("--data", "data_dir", type=click.Path(path_type=Path), default=Path("data"),
                           show_default=True, help="数据目录（county.yml、programs/、batches/）")
as_of_option = click.option("--as-of", "as_of", type=DATE, default=None,
                            help="把这一天当作“今天”（默认：今天），用于期限、公示和可重复构建")


@click.group()
@click.option("-q", "--quiet", is_flag=True, help="只输出警告和错误")
@click.version_option(package_name="yikatong")
def main(quiet: bool) -> None:
    """集贤县惠民惠农财政补贴资金“一卡通”公开平台：数据校验、脱敏、生成静态网站。"""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="写入样例数据的目录")
@click.option("--records", type=click.IntRange(min=100), default=2000, show_default=True)
@click.option("--seed", type=int, default=230521, show_default=True)
@as_of_option
def sample(out: Path, records: int, seed: int, as_of: dt.date | None) -> None:
    """生成一个虚构的样例县数据目录（人员均为虚构）。"""
    from generator.dev.sample import write_sample

    summary = write_sample(out, records=records, seed=seed, as_of=as_of)
    click.echo(f"已生成样例数据：{summary.batches} 个批次，{summary.records} 条记录 → {summary.out}")


@main.command()
@data_option
@as_of_option
def validate(data_dir: Path, as_of: dt.date | None) -> None:
    """校验全部输入文件；每个问题一行：文件:行:列: 说明。"""
    from generator.ingest.validate import validate_data

    result = validate_data(data_dir, as_of=as_of)
    for warning in result.warnings:
        click.echo(f"警告：{warning}", err=True)
    if result.problems:
        for problem in result.problems:
            click.echo(str(problem))
        click.echo(f"共发现 {len(result.problems)} 个问题，请修改后重新提交。", err=True)
        sys.exit(1)
    click.echo(f"校验通过：{len(result.batches)} 个批次，{len(result.records)} 条记录。")


@main.command()
@data_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True)
@as_of_option
def build(data_dir: Path, out: Path, as_of: dt.date | None) -> None:
    """完整构建：校验 → 交叉核对 → 脱敏 → 生成页面 → 搜索索引 → 泄露扫描。"""
    from generator.build import build_site

    summary = build_site(data_dir, out, as_of=as_of)
    click.echo(summary.line())


@main.command()
@click.argument("site_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@data_option
def scan(site_dir: Path, data_dir: Path) -> None:
    """泄露扫描：在已生成的网站中查找身份证号、卡号、手机号等个人信息。"""
    from generator.privacy.scan import scan_site

    findings = scan_site(site_dir, data_dir if data_dir.exists() else None)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        click.echo(f"发现 {len(findings)} 处个人信息泄露。", err=True)
        sys.exit(1)
    click.echo("泄露扫描通过：未发现个人信息。")


@main.command()
@data_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("audit.xlsx"), show_default=True)
@click.option("--strict", is_flag=True, help="存在问题时以状态 1 退出")
@as_of_option
def audit(data_dir: Path, out: Path, strict: bool, as_of: dt.date | None) -> None:
    """交叉核对报告（重发、多发、一人多卡、一卡多人、漏发、迟发、身份异常）。"""
    from generator.checks.audit import run_audit_command

    sys.exit(run_audit_command(data_dir, out, strict=strict, as_of=as_of))


@main.command()
@data_option
@as_of_option
@click.option("--strict", is_flag=True, help="存在逾期批次时以状态 1 退出")
def deadlines(data_dir: Path, as_of: dt.date | None, strict: bool) -> None:
    """列出 5 天内到期和已逾期未公开的批次。"""
    from generator.publish.timeliness import run_deadlines_command

    sys.exit(run_deadlines_command(data_dir, as_of=as_of, strict=strict))


@main.command()
@click.argument("program")
@data_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help="默认：<PROGRAM>-模板.xlsx")
def template(program: str, data_dir: Path, out: Path | None) -> None:
    """生成某项补贴的 Excel 报送模板（含乡镇、村下拉列表和填写说明）。"""
    from generator.render.template import write_template

    path = write_template(data_dir, program, out)
    click.echo(f"已生成模板：{path}")


@main.command()
@click.option("--site", "site_dir", type=click.Path(path_type=Path), default=Path("site"), show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@data_option
def serve(site_dir: Path, port: int, host: str, data_dir: Path) -> None:
    """本地预览：静态网站 + 投诉服务（同一端口）。"""
    from generator.dev.serve import serve_site

    serve_site(site_dir, host=host, port=port, data_dir=data_dir)


def run() -> None:  # pragma: no cover - console entry for python -m
    try:
        main()
    except YikatongError as exc:
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
