"""The OpenAPI document matches behaviour: schemathesis finds no server errors, no status
codes, content types or bodies the document does not describe; every setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from complaints_api.config import SETTINGS

from .conftest import submit

README = Path(__file__).parents[2] / "complaints_api" / "README.md"


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_app(request, app_factory):
    if request.param == "postgres":
        return app_factory(DATABASE_URL=request.getfixturevalue("pg_url"))
    return app_factory()


@pytest.mark.slow
def test_api_conforms_to_openapi(backend_app) -> None:
    """Bounded: 20 generated requests per operation and mode, derandomized (repeatable),
    on SQLite and on PostgreSQL.

    Positive and negative (schema-violating) data, and once more with a real tracking
    number so lookups, ratings and withdrawals reach an existing case."""
    app = backend_app
    client = app.test_client()
    number = [submit(client) for _ in range(3)][0]["tracking_no"]
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == 7
    runs = [(op, mode, None) for op in operations for mode in GenerationMode
            if mode is GenerationMode.POSITIVE or op.path.startswith("/api/v1/submissions")]
    runs += [(op, GenerationMode.POSITIVE, {"tracking_no": number})
             for op in operations if "{tracking_no}" in op.path]
    for operation, mode, path_parameters in runs:
        @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
        @settings(max_examples=20, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            case.call_and_validate(checks=CHECKS)

        check()


def test_document_lists_every_api_route(app) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = set(document["paths"])
    routes = {rule.rule.replace("<", "{").replace(">", "}") for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json"}
    assert routes <= documented
    assert document["paths"]["/api/v1/submissions"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["properties"]["kind"]["enum"] == [
        "inquiry", "complaint", "report", "disclosure_request"]


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_documented(setting: str) -> None:
    assert f"`{setting}`" in README.read_text(encoding="utf-8")
