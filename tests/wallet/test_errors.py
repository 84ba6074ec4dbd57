"""Every class of bad input gets a problem document with a stable code, never a 500, and changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD
from wallet.accounts.models import Account

PROBLEM = "application/problem+json"


def _assert_problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["instance"] == response.request.path
    return body


def _accounts(rt):
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(Account))


def test_unknown_route_is_a_404_problem(client):
    _assert_problem(client.get("/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_a_405_problem_with_allow(client):
    response = client.put("/v1/sessions")

    _assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_wrong_content_type_is_a_415_problem(client, rt):
    before = _accounts(rt)

    response = client.post("/v1/accounts", data="email=a@example.org", content_type="text/plain")

    _assert_problem(response, 415, "unsupported_media_type")
    assert _accounts(rt) == before


@pytest.mark.parametrize(
    "raw", [b"{", b"{'email': 1}", b"\xff\xfe", b"[1,]", b"NaN-ish", b'{"email": "a"} trailing']
)
def test_malformed_json_is_a_400_problem(client, rt, raw):
    before = _accounts(rt)

    response = client.post("/v1/accounts", data=raw, content_type="application/json")

    _assert_problem(response, 400, "malformed_json")
    assert _accounts(rt) == before


@pytest.mark.parametrize("depth", [40, 5000, 100_000])
def test_json_nested_too_deep_is_a_400_problem(client, depth):
    body = "[" * depth + "]" * depth

    response = client.post("/v1/accounts", data=body, content_type="application/json")

    assert response.json["code"] in {"json_too_deep", "malformed_json"}
    _assert_problem(response, 400, response.json["code"])


def test_json_at_the_depth_limit_is_parsed(client):
    nested = {"email": "a@example.org", "password": PASSWORD, "display_name": "x"}
    ok = client.post("/v1/accounts", json=nested)
    assert ok.status_code == 201


def test_oversize_body_is_a_413_problem(client, rt):
    before = _accounts(rt)
    huge = json.dumps({"email": "a@example.org", "password": PASSWORD, "display_name": "x" * (2 << 20)})

    response = client.post("/v1/accounts", data=huge, content_type="application/json")

    _assert_problem(response, 413, "payload_too_large")
    assert _accounts(rt) == before


def test_unknown_fields_are_refused_not_assigned(client, rt):
    before = _accounts(rt)

    response = client.post(
        "/v1/accounts",
        json={"email": "a@example.org", "password": PASSWORD, "id": "x", "is_admin": True},
    )

    body = _assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]["json"]) == {"id", "is_admin"}
    assert _accounts(rt) == before


@pytest.mark.parametrize("body", [[], "text", 1, None])
def test_a_body_that_is_not_an_object_is_refused(client, body):
    response = client.post("/v1/accounts", data=json.dumps(body), content_type="application/json")

    _assert_problem(response, 422, "validation_failed")


def test_an_empty_body_reports_the_missing_fields(client):
    response = client.post("/v1/accounts", content_type="application/json")

    body = _assert_problem(response, 422, "validation_failed")
    assert {"email", "password"} <= set(body["errors"]["json"])


def test_a_bad_path_parameter_is_a_404(client):
    _assert_problem(client.get("/v1/agency/people/not-a-uuid"), 404, "not_found")


def test_an_unexpected_failure_is_a_500_problem_without_internals(app, caplog):
    app.add_url_rule("/v1/boom", "boom", lambda: 1 // 0)

    response = app.test_client().get("/v1/boom")

    body = _assert_problem(response, 500, "internal_error")
    assert "ZeroDivisionError" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert set(body) == {"type", "title", "status", "code", "detail", "instance"}
    assert "ZeroDivisionError" in caplog.text  # logged for operators
