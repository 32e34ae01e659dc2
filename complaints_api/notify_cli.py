"""``flask --app complaints_api notify [--loop]``: deliver due outbox messages, run the
reminders, digests and escalations — once (cron, systemd timer) or as a worker."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .channels import transports
from .escalation import Scheduler
from .outbox import Sender, counts

log = logging.getLogger(__name__)


def make_sender(app: Flask) -> Sender:
    svc = app.extensions["yikatong"]
    return Sender(svc.db, transports(app.config, app.instance_path), app.config)


def run_once(app: Flask, sender: Sender | None = None) -> dict[str, Any]:
    """Scan once, then deliver everything due. Returns the figures."""
    own = sender is None
    sender = sender or make_sender(app)
    try:
        scanned = Scheduler(app.extensions["yikatong"], app.config).run()
        sent = sender.run_once()
    finally:
        if own:
            sender.close()
    return {**scanned, **sent}


@click.command("notify")
@click.option("--loop", is_flag=True, help="一直运行：每秒投递待发消息，按 NOTIFY_INTERVAL_SECONDS 检查提醒和督办")
@click.option("--quiet", is_flag=True, help="不输出统计")
@with_appcontext
def notify(loop: bool, quiet: bool) -> None:
    """Deliver due notifications and run reminders and escalations (once, or --loop)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not loop:
        figures = run_once(app)
        if not quiet:
            click.echo("已投递 {delivered} 条，待重试 {retry} 条，失败 {failed} 条；新督办 {escalated} 件，"
                       "到期提醒 {reminded} 条，每日汇总 {digests} 条。".format(**figures))
        return
    stop = {"now": False}

    def _stop(_signum: int, _frame: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    interval = max(1, int(app.config["NOTIFY_INTERVAL_SECONDS"]))
    sender = make_sender(app)
    scheduler = Scheduler(app.extensions["yikatong"], app.config)
    if not quiet:
        click.echo(f"通知发送已启动（每 {interval} 秒检查提醒和督办；Ctrl-C 停止）。")
    next_scan = 0.0
    try:
        while not stop["now"]:
            if time.monotonic() >= next_scan:
                try:
                    scheduler.run()
                except Exception as exc:  # noqa: BLE001 - a bad scan must not stop deliveries
                    # the class only: a database error's text may quote parameters (phones)
                    log.error("reminder/escalation scan failed: %s", type(exc).__name__)
                next_scan = time.monotonic() + interval
            try:
                sent = sender.run_once(limit=sender.batch * 20)
            except Exception as exc:  # noqa: BLE001 - e.g. the database restarting; try again
                log.error("outbox delivery failed: %s", type(exc).__name__)
                sent = {}
                time.sleep(1)
            if not any(sent.values()):
                time.sleep(1)
    finally:
        sender.close()
        if not quiet:
            n = counts(app.extensions["yikatong_db"])
            click.echo(f"通知发送已停止（已投递 {n.get('delivered', 0)} 条，待发 {n.get('pending', 0) + n.get('sending', 0)} 条，"
                       f"失败 {n.get('failed', 0)} 条）。")
