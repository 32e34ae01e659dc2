"""Kinds, states and the state machine of a case.

    submitted ─┬─ accept ──▶ accepted ─ start ─▶ in_progress ⇄ awaiting_citizen
               ├─ transfer ▶ transferred (then accept / refuse / transfer again)
               ├─ refuse ──▶ not_accepted           (reason and the right channel)
               └─ merge ───▶ merged                 (duplicate of another case)
    accepted / in_progress / awaiting_citizen ─ reply ─▶ replied ─ close ─▶ closed
    replied ─ poor rating (once) ─▶ in_progress;   citizen withdraws ─▶ withdrawn
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.core.vocab import CATEGORIES, KINDS, STATES

# Labels live in the shared vocabulary (generator.core.vocab): one home for site and service.

OPEN_STATES = frozenset({"submitted", "transferred", "accepted", "in_progress", "awaiting_citizen"})
TERMINAL_STATES = frozenset({"closed", "not_accepted", "merged", "withdrawn"})
# Kinds without a formal acceptance decision may be answered straight away.
DIRECT_REPLY_KINDS = frozenset({"inquiry", "disclosure_request"})
UNACCEPTED = frozenset({"submitted", "transferred"})
WORKING = frozenset({"accepted", "in_progress", "awaiting_citizen"})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change (extend)
    actor: str = "handler"  # handler | citizen


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("accept", "受理", UNACCEPTED, "accepted"),
    Action("refuse", "不予受理", UNACCEPTED, "not_accepted"),
    Action("transfer", "转办/退回", UNACCEPTED, "transferred"),
    Action("merge", "合并重复件", UNACCEPTED | WORKING, "merged"),
    Action("start", "开始办理", frozenset({"accepted"}), "in_progress"),
    Action("await", "请群众补充材料", frozenset({"accepted", "in_progress"}), "awaiting_citizen"),
    Action("resume", "恢复办理", frozenset({"awaiting_citizen"}), "in_progress"),
    Action("extend", "延期", UNACCEPTED | WORKING, None),
    Action("reply", "答复", UNACCEPTED | WORKING, "replied"),
    Action("close", "办结", frozenset({"replied"}), "closed"),
    Action("withdraw", "撤回", OPEN_STATES, "withdrawn", actor="citizen"),
    Action("supplement", "补充材料", frozenset({"awaiting_citizen"}), "in_progress", actor="citizen"),
    Action("reopen", "重新办理", frozenset({"replied"}), "in_progress", actor="citizen"),
)}
HANDLER_ACTIONS = tuple(name for name, a in ACTIONS.items() if a.actor == "handler")


class TransitionRefused(Exception):
    """The action is not allowed now; ``message`` says why, in Chinese."""

    def __init__(self, message: str, field: str = "action"):
        super().__init__(message)
        self.message = message
        self.field = field


def check_transition(kind: str, state: str, action_name: str, extended: bool = False) -> str:
    """Return the state after ``action_name`` or raise ``TransitionRefused``."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise TransitionRefused(f"未知的操作“{action_name}”。")
    if state not in action.sources:
        raise TransitionRefused(f"事项当前为“{STATES[state]}”，不能执行“{action.label}”。")
    if action_name == "reply" and state in UNACCEPTED and kind not in DIRECT_REPLY_KINDS:
        raise TransitionRefused(f"{KINDS[kind]}须先受理，再答复。")
    if action_name == "extend":
        _check_extend(kind, state, extended)
    return action.target or state


def _check_extend(kind: str, state: str, extended: bool) -> None:
    if kind == "inquiry":
        raise TransitionRefused("咨询的办理期限不能延长。")
    if extended:
        raise TransitionRefused("办理期限只能延长一次。")
    if state in UNACCEPTED and kind != "disclosure_request":
        raise TransitionRefused(f"{KINDS[kind]}须先受理，受理后方可延期。")


def allowed_actions(kind: str, state: str, extended: bool) -> list[str]:
    """Handler actions allowed for a case right now (for the case page's buttons)."""
    allowed = []
    for name in HANDLER_ACTIONS:
        try:
            check_transition(kind, state, name, extended)
        except TransitionRefused:
            continue
        allowed.append(name)
    return allowed


__all__ = ["ACTIONS", "CATEGORIES", "KINDS", "STATES", "OPEN_STATES", "TERMINAL_STATES"]
