"""One error shape for the generator.

Clerks read these messages: each data problem names the file, the row as Excel shows it
(header = row 1), the column as the clerk wrote it, what is wrong and how to fix it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input cell (or file, when row/column are not known)."""

    path: str
    row: int | None
    column: str | None
    message: str
    warning: bool = False  # reported by validate, does not stop the build

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.path}:{row}:{column}: {self.message}"


class YikatongError(click.ClickException):
    """An expected error: the CLI prints the message, never a traceback."""

    exit_code = 1
    prefix = "错误："

    def format_message(self) -> str:
        return self.message

    def show(self, file: object = None) -> None:
        click.echo(f"{self.prefix}{self.format_message()}", err=True)


class InvalidInput(YikatongError):
    """Input data has problems; carries every problem found, not just the first."""

    prefix = ""  # each line is already `path:row:column: message`

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_problem_sort_key)
        lines = [str(p) for p in self.problems]
        lines.append(f"共发现 {len(self.problems)} 个问题，请修改后重新提交。")
        super().__init__("\n".join(lines))


class LeakFound(YikatongError):
    """The leak scan found personal data in the output; nothing was published."""

    prefix = ""

    def __init__(self, findings: list[str]):
        self.findings = findings
        lines = list(findings[:200])
        if len(findings) > 200:
            lines.append(f"……另有 {len(findings) - 200} 处")
        lines.append(f"泄露扫描发现 {len(findings)} 处个人信息，已拒绝发布。")
        super().__init__("\n".join(lines))


def _problem_sort_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.path, p.row or 0, p.column or "", p.message)


def display_path(path: str | Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel
