"""The OpenAPI document is the API's contract (issue 8 point 20): every operation declares its
success body as a schema and the problem+json errors it can return. A new endpoint without
them fails here, in the ordinary suite; `.ci/schemathesis.sh` checks the live server
against the same document."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from cultuurkaart.accounts.tests.factories import UserFactory
from cultuurkaart.api.base import ERROR_STATUSES, Out, errors, path_id
from cultuurkaart.api.urls import api
from cultuurkaart.core.ids import parse_id
from cultuurkaart.schools.tests.factories import SchoolFactory

METHODS = ("get", "post", "put", "patch", "delete")
FILE_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/xml",  # the SEPA credit-transfer file of a payout batch
    "text/csv",  # the CmK analysis and researcher exports
    "application/zip",  # a dossier export (dossier_transfer)
}
# Rate-limited per client (API.md Conventions): login, activation, code requests.
RATE_LIMITED = {("post", "/api/v1/auth/token"), ("post", "/api/v1/activations")}
RATE_LIMITED |= {("post", "/api/v1/code-requests")}
# Response schemas whose keys depend on the data (documented as such).
OPEN_SCHEMAS = {"JobResult"}


@pytest.fixture(scope="module")
def document() -> dict:
    # Through JSON, as a client sees it (integer status keys become strings).
    return json.loads(json.dumps(api.get_openapi_schema()))


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def resolve(document, schema: dict) -> tuple[str | None, dict]:
    ref = schema.get("$ref")
    if ref is None:
        return None, schema
    name = ref.rsplit("/", 1)[-1]
    return name, document["components"]["schemas"][name]


def test_the_document_has_the_api_operations(document):
    ops = list(operations(document))
    assert len(ops) >= 60
    assert ("post", "/api/v1/admin/users/{user_id}/tokens") in {(m, p) for m, p, _ in ops}


def test_every_operation_declares_a_typed_success_body(document):
    problems = []
    for method, path, op in operations(document):
        success = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        if not success:
            problems.append(f"{method.upper()} {path}: no 2xx response")
        for status, response in success.items():
            content = response.get("content")
            if status == "204":
                if content:
                    problems.append(f"{method.upper()} {path}: 204 with a body")
                continue
            if not content:
                problems.append(f"{method.upper()} {path}: {status} without a body schema")
                continue
            for media_type, body in content.items():
                if media_type in FILE_TYPES:
                    if body["schema"] != {"type": "string", "format": "binary"}:
                        problems.append(f"{method.upper()} {path}: {media_type} not binary")
                    continue
                if media_type != "application/json":
                    problems.append(f"{method.upper()} {path}: unexpected {media_type}")
                    continue
                raw = body["schema"]
                if raw.get("type") == "array" and "$ref" in raw.get("items", {}):
                    raw = raw["items"]  # a bare list (API.md: CmK targets) of a named schema
                name, schema = resolve(document, raw)
                if name is None:
                    problems.append(f"{method.upper()} {path}: {status} is not a named schema")
                elif schema.get("type") == "array":
                    # a named JSON array where API.md gives one (`GET /me/assignments`): its
                    # items must be a named, typed schema
                    item_name, item = resolve(document, schema.get("items", {}))
                    if item_name is None or not item.get("properties"):
                        problems.append(f"{method.upper()} {path}: {name} has untyped items")
                elif name not in OPEN_SCHEMAS and not schema.get("properties"):
                    problems.append(f"{method.upper()} {path}: {name} is an untyped object")
    assert problems == []


def _expected_errors(document, method: str, path: str, op: dict) -> set[int]:
    expected = set()
    if op.get("security") and {} not in op["security"]:
        expected.add(401)  # authenticated (not optional): no or a bad token
    if path.startswith("/api/v1/admin/"):
        expected.add(403)  # only the platform admin
    if "{school_id}" in path:
        expected |= {403, 404}  # another role at the school / not the caller's school
    if any(p["in"] == "path" for p in op.get("parameters", [])):
        expected.add(404)
    if "requestBody" in op:
        expected |= {413, 422}  # too large / invalid
    if any(p["in"] == "query" for p in op.get("parameters", [])):
        expected.add(422)
    if (method, path) in RATE_LIMITED:
        expected.add(429)
    return expected


def test_every_operation_declares_its_error_statuses(document):
    missing = {}
    for method, path, op in operations(document):
        declared = {int(s) for s in op["responses"] if not s.startswith("2")}
        lacking = _expected_errors(document, method, path, op) - declared
        if lacking:
            missing[f"{method.upper()} {path}"] = sorted(lacking)
    assert missing == {}


def test_error_answers_are_problem_json_with_the_shared_schema(document):
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status.startswith("2"):
                continue
            assert int(status) in ERROR_STATUSES, f"{method.upper()} {path}: {status}"
            assert response["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, f"{method.upper()} {path}: {status}"
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "errors"}
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


def test_the_helper_refuses_a_status_that_is_not_an_error_of_this_api():
    assert set(errors(401, 404)) == {401, 404}
    with pytest.raises(ValueError):
        errors(500)


def test_a_response_key_missing_from_its_schema_is_an_error_not_dropped():
    class Sample(Out):
        id: str

    with pytest.raises(ValueError):
        Sample.model_validate({"id": "1", "undeclared": "x"})


# --- ids: ASCII digits only ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        ("0", 0),
        ("²", None),  # str.isdigit() is true, int() fails: was a 500
        ("١٢", None),  # Arabic-Indic digits: int() reads 12
        (" 12", None),
        ("+12", None),
        ("1_2", None),
        ("-1", None),
        ("", None),
        ("9" * 19, None),  # beyond a 64-bit key
        (None, None),
        (True, None),
        (7, 7),
    ],
)
def test_parse_id_accepts_ascii_digits_only(raw, expected):
    assert parse_id(raw) == expected


def test_path_id_is_404_for_anything_else():
    from django.http import Http404

    assert path_id("12") == 12
    with pytest.raises(Http404):
        path_id("١٢")


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["%C2%B2", "%D9%A1", "+1", "%201", "1_0", "9999999999999999999999"])
def test_admin_user_token_with_a_non_ascii_id_is_404(admin_api, raw):
    user = UserFactory()
    response = admin_api.post(f"/admin/users/{raw}/tokens")
    assert response.status_code == 404, (raw, user.pk)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "not-found"


@pytest.mark.django_db
def test_a_school_is_not_reachable_under_another_spelling_of_its_id(admin_api):
    school = SchoolFactory()
    arabic = "".join(chr(0x660 + int(d)) for d in str(school.pk))  # ٠١٢٣٤٥٦٧٨٩
    assert admin_api.get(f"/schools/{school.pk}").status_code == 200
    for spelling in (arabic, f"+{school.pk}", f"0{school.pk}".replace("0", "٠", 1)):
        response = admin_api.get(f"/schools/{spelling}")
        assert response.status_code == 404, spelling


@pytest.mark.django_db
def test_roster_person_id_that_is_not_a_number_is_404_not_422(bh_api, school):
    response = bh_api.delete(f"/schools/{school.pk}/roster/students/null,null")
    assert response.status_code == 404
    response = bh_api.patch(f"/schools/{school.pk}/roster/students/+1", {"first_name": "A"})
    assert response.status_code == 404


# --- statuses the document promises --------------------------------------------------------------


@pytest.mark.django_db
def test_malformed_json_is_a_422_problem(admin_api):
    response = admin_api.post("/admin/users", "{not json", content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "validation-error"


@pytest.mark.django_db
def test_a_call_without_credentials_is_401_not_a_csrf_403():
    client = Client(enforce_csrf_checks=True)
    for method, path in (
        ("post", "/api/v1/me/tokens"),
        ("post", "/api/v1/me/deletion-request"),
        ("delete", "/api/v1/budget-orders/1"),
    ):
        response = getattr(client, method)(path, content_type="application/json")
        assert response.status_code == 401, path
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_a_session_without_its_csrf_token_is_still_refused(budget_holder):
    client = Client(enforce_csrf_checks=True)
    client.force_login(budget_holder)
    response = client.post("/api/v1/me/tokens", {}, content_type="application/json")
    assert response.status_code == 403


# --- paging --------------------------------------------------------------------------------------

UNPAGED_LISTS = {("get", "/api/v1/me/tokens")}  # a person's few tokens, all at once


def test_list_operations_document_their_paging(document):
    lacking = []
    for method, path, op in operations(document):
        body = op["responses"].get("200", {}).get("content", {}).get("application/json")
        if not body or not body["schema"].get("$ref", "").startswith("#/components/schemas/Page_"):
            continue
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if (method, path) not in UNPAGED_LISTS and not {"page", "page_size"} <= names:
            lacking.append(f"{method.upper()} {path}")
    assert lacking == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["page=99999999999999999999", "page=%D9%A1", "page_size=%C2%B2", "page=0"]
)
def test_paging_beyond_range_or_not_in_ascii_digits_is_422(query):
    response = Client().get(f"/api/v1/programmes?{query}")
    assert response.status_code == 422
    assert response.json()["type"] == "validation-error"
