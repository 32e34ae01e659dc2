"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``.

Enumerations (kinds, categories, states) come from the same tables the code uses, so the
document cannot drift from the behaviour; schemathesis checks the rest in the tests.
"""

from __future__ import annotations

from typing import Any

from generator.core.county import County

from .routing import categories
from .states import KINDS, STATES
from .validation import LIMITS

NULLABLE_TEXT = ["string", "null"]


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {"type": NULLABLE_TEXT, "maxLength": max_length, "description": description}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
        "text/html": {"schema": {"type": "string"}}}}


ERRORS = {
    "400": _error_response("请求有误：errors 列出每个有问题的字段"),
    "404": _error_response("未找到（编号错误、查询码错误与编号不存在的回答完全相同）"),
    "413": _error_response("请求体超过 64 KB"),
    "429": {**_error_response("请求过于频繁（每个客户端的限额，或同一受理编号查询码错误次数过多）"),
            "headers": {"Retry-After": {"description": "秒数", "schema": {"type": "string"}}}},
    "503": {**_error_response("数据库暂时不可用（例如正在重启），稍后重试即可"),
            "headers": {"Retry-After": {"description": "秒数", "schema": {"type": "string"}}}},
}


def _submission_input(county: County) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["kind", "subject", "body"],
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS),
                     "description": "inquiry 咨询, complaint 投诉, report 举报, disclosure_request 信息公开申请"},
            "category": {"type": NULLABLE_TEXT, "enum": [*categories(county), None],
                         "description": "问题类别，决定办理部门（见 county.yml 的 routing）"},
            "program": _text(100, "补贴项目代码（或清单中的项目全称）"),
            "township": _text(64, "乡镇代码或名称"),
            "village": _text(64, "村代码或名称（须属于所选乡镇）"),
            "record_ref": {"type": NULLABLE_TEXT, "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]*$",
                           "description": "公开记录的编号（对此有异议链接带入）"},
            "subject": {"type": "string", "minLength": 1, "maxLength": LIMITS["subject"], "pattern": "\\S"},
            "body": {"type": "string", "minLength": 1, "maxLength": LIMITS["body"], "pattern": "\\S"},
            "name": _text(LIMITS["name"], "姓名（可不填；举报可匿名）"),
            "phone": {"type": NULLABLE_TEXT, "maxLength": 40,
                      "description": "11 位手机号或带区号的固定电话"},
            "anonymous": {"type": ["boolean", "null"], "description": "匿名：不保存姓名和电话"},
            "notify_sms": {"type": ["boolean", "null"],
                           "description": "短信通知我（须填手机号；匿名时不发送）"},
        },
    }


def _citizen_body(extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "required": ["code", *required],
              "properties": {"code": {"type": "string", "description": "查询码"}, **extra}}
    return {"required": True, "content": {"application/json": {"schema": schema},
                                          "application/x-www-form-urlencoded": {"schema": schema}}}


def _citizen_op(summary: str, extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"post": {
        "summary": summary,
        "parameters": [{"$ref": "#/components/parameters/TrackingNo"}],
        "requestBody": _citizen_body(extra, required),
        "responses": {"200": {"description": "完成", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CitizenResult"}}}},
            "303": {"description": "浏览器表单提交：转到 /track?no={tracking_no}（刷新不会重复提交）",
                    "headers": {"Location": {"schema": {"type": "string"}}}},
            "400": ERRORS["400"], "404": ERRORS["404"], "413": ERRORS["413"], "429": ERRORS["429"],
            "503": ERRORS["503"]}}}


def openapi_document(county: County) -> dict[str, Any]:
    date = {"type": "string", "format": "date"}
    nullable_date = {"type": ["string", "null"], "format": "date"}
    department = {"type": "object", "required": ["code", "name"],
                  "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{county.name}惠民惠农补贴“一卡通”投诉咨询服务", "version": "1.0.0",
                 "description": "群众咨询、投诉、举报和信息公开申请，按 county.yml 的分办规则送达责任部门。"},
        "paths": {
            "/api/v1/submissions": {"post": {
                "summary": "提交咨询、投诉、举报或信息公开申请",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "description": "同一键重复提交相同内容时返回第一次创建的事项（响应头 Idempotent-Replayed: true）",
                                "schema": {"type": "string", "minLength": 1, "maxLength": 128,
                                           "pattern": "^[\\x21-\\x7e]+$"}}],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _submission_input(county)},
                    "application/x-www-form-urlencoded": {"schema": _submission_input(county)}}},
                "responses": {
                    "201": {"description": "已受理登记（JSON）；同一内容在重复提交窗口内或同一 Idempotency-Key 得到同一回执",
                            "headers": {"Location": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
                    "303": {"description": "浏览器表单提交：转到回执页 /track?no={tracking_no}&receipt=1（刷新不会重复提交）",
                            "headers": {"Location": {"schema": {"type": "string"}}}},
                    **{k: ERRORS[k] for k in ("400", "413", "429", "503")}}}},
            "/api/v1/submissions/{tracking_no}": {"get": {
                "summary": "查询办理进度和答复",
                "parameters": [{"$ref": "#/components/parameters/TrackingNo"},
                               {"name": "X-Query-Code", "in": "header", "required": False,
                                "description": "查询码（不放进网址，不进访问日志）", "schema": {"type": "string"}},
                               {"name": "code", "in": "query", "required": False, "deprecated": True,
                                "description": "旧链接的查询码；请改用 X-Query-Code 请求头", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "办理进度", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                    "404": ERRORS["404"], "429": ERRORS["429"], "503": ERRORS["503"]}}},
            "/api/v1/submissions/{tracking_no}/rating": _citizen_op(
                "评价答复（不满意时首次重新办理，其后告知复查权利）",
                {"score": {"type": "integer", "minimum": 1, "maximum": 5},
                 "comment": _text(LIMITS["comment"], "评价意见")}, ["score"]),
            "/api/v1/submissions/{tracking_no}/withdraw": _citizen_op(
                "撤回", {"reason": _text(5000, "撤回理由")}, []),
            "/api/v1/submissions/{tracking_no}/supplement": _citizen_op(
                "补充材料（待补充材料时）", {"body": {"type": "string", "minLength": 1, "maxLength": 5000,
                                           "pattern": "\\S"}}, ["body"]),
            "/api/v1/stats": {"get": {"summary": "公开统计", "responses": {"200": {
                "description": "按部门、类型、状态的数量和按期办结率",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}}}}},
            "/healthz": {"get": {"summary": "存活检查", "responses": {"200": {
                "description": "服务在运行", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}}}}}}},
        },
        "components": {
            "parameters": {"TrackingNo": {"name": "tracking_no", "in": "path", "required": True,
                                          "description": "受理编号，如 YK7K3M9Q2X4B1D", "schema": {"type": "string"}}},
            "schemas": {
                "Error": {"type": "object", "required": ["ok", "status", "error", "errors"],
                          "properties": {"ok": {"const": False}, "status": {"type": "integer"},
                                         "error": {"type": "string"},
                                         "errors": {"type": "array", "items": {
                                             "type": "object", "required": ["field", "message"],
                                             "properties": {"field": {"type": "string"},
                                                            "message": {"type": "string"}}}}}},
                "Department": department,
                "Receipt": {"type": "object",
                            "required": ["ok", "tracking_no", "query_code", "department", "due_date", "kind", "state"],
                            "properties": {"ok": {"const": True}, "tracking_no": {"type": "string"},
                                           "query_code": {"type": "string"}, "kind": {"enum": list(KINDS)},
                                           "state": {"enum": list(STATES)}, "department": department,
                                           "due_date": date, "accept_due_date": nullable_date,
                                           "status_url": {"type": "string"}}},
                "Status": {"type": "object",
                           "required": ["ok", "tracking_no", "kind", "state", "state_label", "department",
                                        "submitted_on", "due_date", "timeline"],
                           "properties": {
                               "ok": {"const": True}, "tracking_no": {"type": "string"},
                               "kind": {"enum": list(KINDS)}, "kind_label": {"type": "string"},
                               "state": {"enum": list(STATES)}, "state_label": {"type": "string"},
                               "department": department, "submitted_on": date, "due_date": date,
                               "accept_due_date": nullable_date, "accepted_on": nullable_date,
                               "replied_on": nullable_date, "closed_on": nullable_date,
                               "extended": {"type": "boolean"}, "reply": {"type": NULLABLE_TEXT},
                               "citizen_message": {"type": NULLABLE_TEXT},
                               "refusal": {"type": ["object", "null"]},
                               "rating": {"type": ["integer", "null"]},
                               "can_rate": {"type": "boolean"}, "can_withdraw": {"type": "boolean"},
                               "can_supplement": {"type": "boolean"},
                               "timeline": {"type": "array", "items": {"type": "object", "properties": {
                                   "date": date, "state": {"type": NULLABLE_TEXT},
                                   "state_label": {"type": "string"}, "note": {"type": "string"}}}}}},
                "CitizenResult": {"type": "object", "required": ["ok", "tracking_no", "state", "state_label"],
                                  "properties": {"ok": {"const": True}, "tracking_no": {"type": "string"},
                                                 "state": {"enum": list(STATES)}, "state_label": {"type": "string"},
                                                 "message": {"type": "string"},
                                                 "review_deadline": nullable_date, "due_date": date}},
                "Stats": {"type": "object",
                          "required": ["ok", "total", "by_kind", "by_state", "by_department", "on_time_rate"],
                          "properties": {
                              "ok": {"const": True}, "as_of": date, "total": {"type": "integer"},
                              "by_kind": {"type": "object", "additionalProperties": {"type": "integer"}},
                              "by_state": {"type": "object", "additionalProperties": {"type": "integer"}},
                              "by_department": {"type": "object", "additionalProperties": {
                                  "type": "object", "required": ["name", "total", "open", "overdue", "on_time_rate"],
                                  "properties": {"name": {"type": "string"}, "total": {"type": "integer"},
                                                 "open": {"type": "integer"}, "overdue": {"type": "integer"},
                                                 "escalated": {"type": "integer", "description": "督办中（未办结）"},
                                                 "on_time_rate": {"type": ["number", "null"]}}}},
                              "on_time_rate": {"type": ["number", "null"],
                                               "description": "按期答复或告知的比例；超期未办的计为未按期"},
                              "overdue": {"type": "integer"}, "escalated": {"type": "integer"}}},
            },
        },
    }
