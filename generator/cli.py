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
    """县级惠民惠农财政补贴资金“一卡通”公开平台：数据校验、脱敏、生成静态网站（县名、代码等取自数据目录的 county.yml）。"""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="写入样例数据的目录")
@click.option("--records", type=click.IntRange(min=100), default=2000, show_default=True)
@click.option("--seed", type=int, default=None, help="随机种子（默认：县的行政区划代码）")
@click.option("--county-file", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="按这个 county.yml 的县名、代码、乡镇生成（默认：内置样例县）")
@as_of_option
def sample(out: Path, records: int, seed: int | None, county_file: Path | None, as_of: dt.date | None) -> None:
    """生成一个虚构的样例县数据目录（人员均为虚构）。"""
    from generator.dev.model import default_model, model_from_file
    from generator.dev.sample import write_sample

    try:
        model = model_from_file(county_file) if county_file else default_model()
    except (ValueError, KeyError) as exc:
        raise click.UsageError(str(exc)) from exc
    summary = write_sample(out, records=records, seed=int(model.code) if seed is None else seed,
                           as_of=as_of, model=model)
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
    """完整构建：校验 → 交叉核对 → 脱敏 → 生成页面 → 搜索索引 → 泄露扫描。

    --out 已有上次构建的网站时，输入没有变化的页面、打印公示表、下载文件和搜索分片直接沿用（被改动过的文件重新生成），结果与从头构建逐字节相同；泄露扫描仍读取新网站的每个字节。

    沿用记录保存在网站目录旁边的 .<网站目录名>.reuse.json，不会发布。
    """
    from generator.build import build_site

    summary = build_site(data_dir, out, as_of=as_of)
    click.echo(summary.line())


@main.command()
@click.argument("site_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@data_option
def scan(site_dir: Path, data_dir: Path) -> None:
    """泄露扫描：在已生成的网站中查找身份证号、卡号、手机号等个人信息。"""
    from generator.ingest.load import input_values
    from generator.privacy.scan import scan_site

    findings = scan_site(site_dir, sensitive=input_values(data_dir) if data_dir.exists() else None)
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
    from generator.commands import run_audit

    run = run_audit(data_dir, out, as_of=as_of)
    if run.findings is None:
        for problem in run.problems:
            click.echo(str(problem), err=True)
        click.echo("无法核对：county.yml 或补贴政策清单（programs/）有误，不知道乡镇、补贴标准和发放期限。"
                   "请先按上面的提示修改，再运行 yikatong audit。", err=True)
        sys.exit(1)
    click.echo(run.findings.summary_line())
    if run.problems:
        click.echo(f"注意：输入数据有 {len(run.problems)} 个问题（运行 yikatong validate 查看），"
                   "有问题的字段已跳过，核对结果可能不完整。")
    click.echo(run.budget_line())
    click.echo(f"已核对 {run.records} 条记录（读取 {run.load_seconds:.1f} 秒，核对 {run.findings.seconds:.1f} 秒），"
               f"报告已写入 {run.out}")
    sys.exit(1 if strict and run.blocking else 0)


@main.command()
@data_option
@as_of_option
@click.option("--strict", is_flag=True, help="存在逾期批次时以状态 1 退出")
def deadlines(data_dir: Path, as_of: dt.date | None, strict: bool) -> None:
    """列出 5 天内到期和已逾期未公开的批次。"""
    from generator.publish.timeliness import DUE_SOON_DAYS, deadlines_report

    report = deadlines_report(data_dir, as_of=as_of)
    for warning in report.warnings:
        click.echo(f"警告：{warning}", err=True)
    click.echo(f"公开期限检查（{report.as_of.isoformat()}，公开时限 {report.window}）")
    for title, items in ((f"已逾期（{len(report.overdue)} 个）", report.overdue),
                         (f"{DUE_SOON_DAYS} 天内到期（{len(report.soon)} 个）", report.soon)):
        if items:
            click.echo(title + "：")
            for item in items:
                click.echo("  " + item.line())
    if not report.overdue and not report.soon:
        click.echo(f"没有逾期或 {DUE_SOON_DAYS} 天内到期的未公开批次。")
    sys.exit(1 if strict and report.overdue else 0)


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


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--county", "name", required=True, help="县名，例如 宝清县")
@click.option("--code", required=True, help="6 位行政区划代码，例如 230523")
def init(directory: Path, name: str, code: str) -> None:
    """为一个新的县建立数据目录：county.yml（带注释）、补贴政策清单、节假日、CI 文件。"""
    from generator.dev.init import init_county

    try:
        written = init_county(directory, name, code)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"已建立 {name}（{code}）的数据目录 {directory}：{len(written)} 个文件。"
               f"下一步：按注释填写 {directory / 'county.yml'}，然后运行 yikatong validate --data {directory}。")


@main.group()
def province() -> None:
    """省级平台：多个县的数据目录一起构建（Dask），省级门户、全省查询和跨县核对。"""


@province.command("sample")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="写入样例省数据的目录")
@click.option("--counties", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--records", type=click.IntRange(min=100), default=2000, show_default=True, help="每个县的记录数")
@click.option("--seed", type=int, default=2300, show_default=True)
@as_of_option
def province_sample(out: Path, counties: int, records: int, seed: int, as_of: dt.date | None) -> None:
    """生成一个虚构的样例省：若干虚构的县，部分人员和卡在县之间共用（人员均为虚构）。"""
    from generator.province.sample import write_province_sample

    summary = write_province_sample(out, counties=counties, records=records, seed=seed, as_of=as_of)
    click.echo(f"已生成样例省：{summary.counties} 个县，{summary.records} 条记录 → {summary.out}")


@province.command("build")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="省级数据目录（province.yml 和各县的数据目录）")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="省级网站目录")
@as_of_option
@click.option("--executor", default="sync", show_default=True,
              help="sync（本进程）、local:N（本机 N 个进程）或 tcp://主机:端口（Dask 集群）")
@click.option("--audit-out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="跨县核对报告（.xlsx），不能放在网站目录内")
def province_build(data_dir: Path, out: Path, as_of: dt.date | None, executor: str, audit_out: Path | None) -> None:
    """构建全省：各县网站、省级门户、全省查询、跨县核对（需要环境变量 YIKATONG_AUDIT_KEY）。"""
    from generator.province.build import build_province

    summary = build_province(data_dir, out, as_of=as_of, executor=executor, audit_out=audit_out)
    click.echo(summary.line())
    if summary.audit_out:
        click.echo(f"跨县核对报告已写入 {summary.audit_out}")


def run() -> None:  # pragma: no cover - console entry for python -m
    try:
        main()
    except YikatongError as exc:
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
