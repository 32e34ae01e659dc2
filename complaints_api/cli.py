"""Flask CLI: ``flask --app complaints_api init-db`` and ``create-handler``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .auth import MIN_PASSWORD, ROLES, upsert_handler
from .cases import Actor, CaseService


def register(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(create_handler)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the tables (idempotent; existing data is kept)."""
    current_app.extensions["yikatong_db"].init()
    click.echo(f"数据库已就绪：{current_app.extensions['yikatong_db'].write_engine.url.render_as_string(hide_password=True)}")


@click.command("create-handler")
@click.option("--username", required=True, help="登录用户名")
@click.option("--department", required=True, help="部门代码（county.yml 中的 code）")
@click.option("--role", type=click.Choice(ROLES), default="handler", show_default=True)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（第一行）")
@click.option("--email", default=None, help="接收新事项、到期提醒和每日汇总的工作邮箱")
@click.option("--phone", default=None, help="接收短信提醒的手机号（未填邮箱时使用）")
@with_appcontext
def create_handler(username: str, department: str, role: str, password_stdin: bool,
                   email: str | None, phone: str | None) -> None:
    """Create a handler or auditor account (or reset its password and department)."""
    svc: CaseService = current_app.extensions["yikatong"]
    if department not in svc.county.departments:
        codes = "、".join(sorted(svc.county.departments))
        raise click.ClickException(f"部门代码“{department}”不存在，可用代码：{codes}")
    if not password_stdin:
        raise click.ClickException("请用 --password-stdin 从标准输入提供密码，避免密码留在命令历史中。")
    from .notifications import check_contact, set_contact
    email, phone = check_contact(email, phone)
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"密码至少 {MIN_PASSWORD} 位。")
    username = username.strip()
    if not username or len(username) > 64:
        raise click.ClickException("用户名不能为空，且不超过 64 个字符。")
    created = upsert_handler(svc.db, username, department, role, password)
    set_contact(svc, username, email, phone)
    svc.audit(Actor("cli", "system"), "create_handler", username=username,
              department=department, role=role, created=created)
    verb = "已创建" if created else "已更新"
    click.echo(f"{verb}账号 {username}（{svc.department_name(department)}，{'审计只读' if role == 'auditor' else '办理'}）")
