"""The API description: OpenAPI 3.1; every operation named, secured or marked public, errors documented."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_the_description_is_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] == "credwallet"


def test_every_operation_has_a_unique_operation_id(spec):
    ids = [op.get("operationId") for _, _, op in _operations(spec)]

    assert None not in ids
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", op_id) for op_id in ids)


def test_every_operation_states_its_security(spec):
    schemes = spec["components"]["securitySchemes"]
    for path, method, operation in _operations(spec):
        assert "security" in operation, f"{method} {path} says nothing about security"
        for requirement in operation["security"]:
            assert set(requirement) <= set(schemes)


def test_secured_operations_document_401_and_problems(spec):
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        assert "default" in responses, f"{method} {path}"
        if operation["security"]:
            assert "401" in responses, f"{method} {path}"


def test_errors_are_documented_as_problem_json(spec):
    problem = spec["components"]["responses"]["UNAUTHORIZED"]
    assert "application/problem+json" in problem["content"]


def test_agency_scopes_are_documented(spec):
    flows = spec["components"]["securitySchemes"]["agency"]["flows"]["clientCredentials"]
    assert flows["tokenUrl"] == "/oauth/token"
    assert "people:write" in flows["scopes"]
    create = spec["paths"]["/v1/agency/people"]["post"]
    assert create["security"] == [{"agency": ["people:write"]}]


def test_interactive_docs_are_served_locally(client):
    page = client.get("/docs")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(not re.match(r"https?://", asset) for asset in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
