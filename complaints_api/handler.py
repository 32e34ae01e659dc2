"""Staff pages under ``/handler``: login, the department's queue, a case and its actions,
reply templates and the audit log. Every form carries a CSRF token (see ``csrf``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from generator.core.urls import record_anchor, records_url

from . import csrf
from .auth import (
    MIN_PASSWORD,
    account_exists,
    authenticate,
    current_actor,
    end_all_sessions,
    login_required,
    start_session,
    upsert_handler,
    writer_required,
)
from .cases import (
    CHINA,
    Actor,
    CaseService,
    Submission,
    action_label,
    is_vaulted,
    normalise_tracking_no,
)
from .errors import ApiError, wants_html
from .models import Handler, ReplyTemplate
from .states import ACTIONS, CATEGORIES, KINDS, STATES, allowed_actions
from .validation import clean, clean_arg

bp = Blueprint("handler", __name__, url_prefix="/handler", static_folder="static",
               static_url_path="/static")

BUILTIN_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("受理告知", "您好！您反映的事项（受理编号 {tracking_no}）已由{department}受理，"
                "我们将在法定期限内办理并答复。"),
    ("咨询答复", "您好！关于您咨询的问题，答复如下：\n……\n如有疑问，请拨打{phone}。"),
    ("办理结果", "您好！经核查，……\n处理结果：……\n如对答复不服，可自收到答复之日起30日内"
                "请求原办理机关的上一级行政机关复查。"),
)
WARNING_LABELS = {50: "已过半", 80: "即将到期", 100: "已到期"}
# Where a login may send the browser: a path under /handler, nothing else.
SAFE_NEXT = re.compile(r"^/handler(/[A-Za-z0-9._~/-]*)?$")
HIDDEN = "（内容保密，仅纪委监委可见）"


def service() -> CaseService:
    return current_app.extensions["yikatong"]  # type: ignore[no-any-return]


def actor() -> Actor:
    found = current_actor()
    assert found is not None
    return found


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"KINDS": KINDS, "STATES": STATES, "CATEGORIES": CATEGORIES, "me": current_actor(),
            "dept_name": lambda code: service().department_name(code) if code else "",
            "action_label": action_label, "local_time": _local_time}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    if request.method == "GET":
        return render_template("handler/login.html", error=None)
    username = clean_arg(request.form.get("username"), 64)
    password = request.form.get("password") or ""
    guard = current_app.extensions["yikatong_account_guard"]
    guard.check(username)
    handler = authenticate(service().db, username, password)
    if handler is None:
        guard.failed(username)
        service().audit(Actor(_failed_login_name(username), "anonymous"), "login_failed")
        return render_template("handler/login.html", error="用户名或密码错误。"), 401
    start_session(handler)
    csrf.rotate()
    service().audit(Actor(handler.username, handler.role, handler.department), "login")
    target = request.args.get("next") or ""
    if not SAFE_NEXT.match(target) or ".." in target:
        target = url_for("handler.queue")
    return redirect(target, 303)


def _failed_login_name(username: str) -> str:
    """The username when it names an account; otherwise a keyed hash (what was typed may
    be a password typed into the wrong field), never the password."""
    if username and account_exists(service().db, username):
        return username
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, username.encode(), hashlib.sha256).hexdigest()[:12]
    return f"未知用户#{digest}"


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Logging out ends every session of this handler, on every device."""
    service().audit(actor(), "logout")
    end_all_sessions(service().db, g.handler_id)
    session.clear()
    return redirect(url_for("handler.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | tuple[str, int] | str:
    """Change one's password: every session ends, this one included (log in again)."""
    if request.method == "GET":
        return render_template("handler/password.html", errors=[])
    me = actor()
    current = request.form.get("current") or ""
    new = request.form.get("new") or ""
    errors = []
    if authenticate(service().db, me.name, current) is None:
        errors.append(("current", "当前密码不正确。"))
    if len(new) < MIN_PASSWORD:
        errors.append(("new", f"新密码至少 {MIN_PASSWORD} 位。"))
    elif new != (request.form.get("repeat") or ""):
        errors.append(("repeat", "两次输入的新密码不一致。"))
    if errors:
        return render_template("handler/password.html", errors=errors), 400
    with service().db.read() as s:
        handler = s.get(Handler, g.handler_id)
    assert handler is not None
    upsert_handler(service().db, handler.username, handler.department, handler.role, new)
    service().audit(me, "password_change")
    session.clear()
    flash("密码已修改，所有设备上的登录均已退出，请用新密码登录。")
    return redirect(url_for("handler.login"), 303)


@bp.get("/")
@login_required
def queue() -> str:
    me = actor()
    department = clean_arg(request.args.get("department"), 64) or None
    supervisor = me.is_auditor or service().supervises(me)
    if department and not supervisor and department != me.department:
        abort(404)  # another department's queue does not exist for you
    if department and department not in service().county.departments:
        abort(404)
    scope = request.args.get("scope", "open")
    scope = scope if scope in ("open", "done", "all") else "open"
    cases = service().queue(me, department, scope)
    rows = [_row(c) for c in cases]
    copied = [_row(c) for c in service().copied(me)] if scope == "open" else []
    return render_template("handler/queue.html", rows=rows, copied=copied, scope=scope,
                           department=department or me.department, supervisor=supervisor,
                           departments=service().county.departments)


def _row(case: Submission) -> dict[str, Any]:
    percent, level = service().progress(case)
    overdue = level == 100 and service().today() > case.due_date
    me = current_actor()
    hidden = me is not None and service().content_hidden(case, me)
    return {"case": case, "percent": percent, "level": level,
            "subject": HIDDEN if hidden else case.subject,
            "warning": "已超期" if overdue else WARNING_LABELS.get(level, "")}


@bp.get("/cases/<tracking_no>")
@login_required
def case_page(tracking_no: str) -> str:
    case = service().get_for(tracking_no, actor())
    revealed = session.pop("revealed", None) == case.tracking_no  # shown once per logged reveal
    return _render_case(case, revealed=revealed and service().identity_allowed(case, actor()))


@bp.post("/cases/<tracking_no>/reveal")
@login_required
def reveal(tracking_no: str) -> Response:
    """Log the view, then show the identity on the next GET of the case page only (a
    reload after that hides it again; each view is one audit row)."""
    case = service().reveal_identity(tracking_no, actor())
    session["revealed"] = case.tracking_no
    return redirect(url_for("handler.case_page", tracking_no=case.tracking_no) + "#identity", 303)


@bp.post("/cases/<tracking_no>/<action>")
@writer_required
def act(tracking_no: str, action: str) -> Response | tuple[str, int]:
    if action not in ACTIONS or ACTIONS[action].actor != "handler":
        abort(404)
    try:
        case = service().act(tracking_no, actor(), action, dict(request.form))
    except ApiError as exc:
        if exc.status != 400 or not wants_html():
            raise
        case = service().get_for(tracking_no, actor())
        return _render_case(case, errors=exc.errors, form=request.form), 400
    flash(f"已{ACTIONS[action].label}。")
    if not service().can_see(case, actor()):
        return redirect(url_for("handler.queue"), 303)  # transferred away
    return redirect(url_for("handler.case_page", tracking_no=case.tracking_no), 303)


def _render_case(case: Submission, revealed: bool = False, errors: list[tuple[str, str]] | None = None,
                 form: Any = None) -> str:
    me = actor()
    svc = service()
    percent, level = svc.progress(case)
    can_act = not me.is_auditor and case.department == me.department
    templates = _templates(me.department) if can_act else []
    chosen = clean_arg(request.args.get("template"), 20)
    hidden = svc.content_hidden(case, me)
    reply_text = (form or {}).get("reply") or next(
        (_fill(t["body"], case) for t in templates if t["id"] == chosen), "")
    history = svc.history(case.tracking_no)
    return render_template(
        "handler/case.html", case=case, percent=percent, level=level,
        warning=_row(case)["warning"], can_act=can_act,
        actions=allowed_actions(case.kind, case.state, case.extended) if can_act else [],
        identity_allowed=svc.identity_allowed(case, me), revealed=revealed,
        vaulted=is_vaulted(case), hidden=hidden, hidden_text=HIDDEN,
        cc_reader=f",{me.department}," in (case.cc or ""), supervisor=svc.supervises(me),
        program=svc.county.programs.get(case.program or ""),
        record_url=_record_url(case), templates=templates, reply_text=reply_text,
        errors=errors or [], history=[_history_row(e, hidden) for e in history],
        transfer_until=svc.transfer_deadline(case),
        targets=_transfer_targets(case), cc=[c for c in (case.cc or "").split(",") if c])


def _record_url(case: Submission) -> str | None:
    """Link from a case to the public record it is about.

    With RECORD_URL_TEMPLATE set, that; otherwise the record's row on the site's village ×
    program × year page (same origin), found from the case's program, township and village
    and the year at the start of the reference (``2025-gdzl-17``).
    """
    if not case.record_ref:
        return None
    template = current_app.config.get("RECORD_URL_TEMPLATE") or ""
    if template:
        return str(template).replace("{ref}", case.record_ref)
    county = service().county
    town = next((t for t in county.townships if case.township in (t.name, t.code)), None)
    year = case.record_ref[:4]
    if town is None or not case.village or not year.isdigit() or case.program not in county.programs:
        return None
    if town.village(case.village) is None:
        return None
    return "/" + records_url(county, town.name, case.village, case.program, year) + "#" + record_anchor(case.record_ref)


def _transfer_targets(case: Submission) -> list[tuple[str, str]]:
    svc = service()
    codes = svc.discipline if case.kind == "report" else set(svc.county.departments)
    return [(d.code, d.name) for d in svc.county.departments.values()
            if d.code in codes and d.code != case.department]


def _history_row(entry: Any, hidden: bool = False, show_source: bool = False) -> dict[str, Any]:
    """One audit row for a page; ``hidden``: the auditor's view of a vaulted case (what
    happened and when, not what was written)."""
    detail = json.loads(entry.detail or "{}")
    actor = {"citizen": "群众", "cli": "系统"}.get(entry.actor, entry.actor)
    note = detail.get("note", "")
    reason = detail.get("reason") or detail.get("comment") or detail.get("text") or ""
    if hidden:
        note, reason = "", ""
    source = entry.source if show_source and entry.source else ""
    return {"at": _local_time(entry.at), "actor": actor, "department": entry.actor_department,
            "action": action_label(entry.action), "from": STATES.get(entry.from_state or "", ""),
            "to": STATES.get(entry.to_state or "", ""), "note": note, "reason": reason,
            "tracking_no": entry.tracking_no, "source": source}


def _local_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _templates(department: str | None) -> list[dict[str, Any]]:
    items = [{"id": f"b{i}", "title": t, "body": b, "builtin": True}
             for i, (t, b) in enumerate(BUILTIN_TEMPLATES)]
    with service().db.read() as s:
        rows = s.scalars(select(ReplyTemplate).where(ReplyTemplate.department == department)
                         .order_by(ReplyTemplate.id)).all()
    items += [{"id": str(r.id), "title": r.title, "body": r.body, "builtin": False} for r in rows]
    return items


def _fill(body: str, case: Submission) -> str:
    svc = service()
    dept = svc.county.departments.get(case.department)
    values = {"{tracking_no}": case.tracking_no, "{department}": svc.department_name(case.department),
              "{phone}": (dept.phone if dept and dept.phone else svc.county.supervision_phone) or "本部门电话",
              "{today}": svc.today().isoformat()}
    for key, value in values.items():
        body = body.replace(key, value)
    return body


@bp.get("/templates")
@login_required
def templates() -> str:
    me = actor()
    return render_template("handler/templates.html", templates=_templates(me.department),
                           errors=[], form={})


@bp.post("/templates")
@writer_required
def add_template() -> Response | tuple[str, int]:
    me = actor()
    title = clean(request.form.get("title") or "")
    body = clean(request.form.get("body") or "")
    errors = []
    if not title or len(title) > 100:
        errors.append(("title", "请填写模板名称（不超过100字）。"))
    if not body or len(body) > 10000:
        errors.append(("body", "请填写模板内容（不超过10000字）。"))
    if errors:
        if not wants_html():
            raise ApiError(400, "提交的内容有误，请按提示修改。", errors)
        return render_template("handler/templates.html", templates=_templates(me.department),
                               errors=errors, form=request.form), 400
    with service().db.write() as s:
        s.add(ReplyTemplate(department=me.department, title=title, body=body,
                            created_at=dt.datetime.now(dt.UTC)))
    service().audit(me, "template_add", title=title)
    flash("已新增答复模板。")
    return redirect(url_for("handler.templates"), 303)


@bp.post("/templates/<int:template_id>/delete")
@writer_required
def delete_template(template_id: int) -> Response:
    me = actor()
    with service().db.write() as s:
        row = s.get(ReplyTemplate, template_id)
        if row is None or row.department != me.department:
            abort(404)
        title = row.title
        s.delete(row)
    service().audit(me, "template_delete", title=title)
    flash("已删除答复模板。")
    return redirect(url_for("handler.templates"), 303)


@bp.get("/audit")
@login_required
def audit_log() -> str:
    """Who did what and when: everything for auditors, one's own department otherwise."""
    me = actor()
    typed = clean_arg(request.args.get("no"), 40)
    number = normalise_tracking_no(typed) if typed else None
    if typed and number is None:
        abort(404)
    department = None if me.is_auditor else me.department
    entries = service().history(number, department)
    if number and not me.is_auditor:
        service().get_for(number, me)  # 404 unless the case is visible
        entries = service().history(number)
    vaulted = service().vaulted_numbers({e.tracking_no for e in entries if e.tracking_no})
    rows = [_history_row(e, hidden=me.is_auditor and e.tracking_no in vaulted,
                         show_source=e.actor != "citizen"
                         or (me.is_auditor and e.tracking_no not in vaulted))
            for e in entries]
    return render_template("handler/audit.html", rows=rows, no=typed)


