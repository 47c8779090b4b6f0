"""Our request contract (tests/kit/mailchimp_contract.py) against the OpenAPI subset we were given.

The subset lives beside the project (ROOT.parent/"shared"/"mailchimp"); a user's clone
has no copy, so these checks are skipped there. The contract itself is in the repo and
is what the fake enforces.
"""

import json
from pathlib import Path

import pytest

from tests.kit import mailchimp_contract as contract

ROOT = Path(__file__).resolve().parents[3]
SUBSET = ROOT.parent / "shared" / "mailchimp" / "openapi-subset.json"

# Query parameter types in the subset -> the kinds our contract uses.
KINDS = {
    "array": "csv",
    "integer": "integer",
    "boolean": "boolean",
    "string": {"string", "datetime"},
}


@pytest.fixture(scope="module")
def subset():
    if not SUBSET.exists():
        pytest.skip(f"no OpenAPI subset at {SUBSET} (only in the project workspace)")
    return json.loads(SUBSET.read_text(encoding="utf-8"))


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def subset_operations(spec):
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            yield method.upper(), path, op


def test_every_subset_operation_is_in_the_contract(subset):
    ours = {(op.method, op.path) for op in contract.OPERATIONS}
    missing = [(m, p) for m, p, _ in subset_operations(subset) if (m, p) not in ours]
    assert missing == []


def test_contract_operations_marked_subset_are_in_the_subset(subset):
    theirs = {(m, p) for m, p, _ in subset_operations(subset)}
    extra = [
        (op.method, op.path)
        for op in contract.OPERATIONS
        if op.source == "subset" and (op.method, op.path) not in theirs
    ]
    assert extra == []
    # and the client-only ones really are absent from it
    assert all(
        (op.method, op.path) not in theirs for op in contract.OPERATIONS if op.source == "client"
    )


def test_client_calls_match(subset):
    ours = {(op.method, op.path): op for op in contract.OPERATIONS}
    for method, path, op in subset_operations(subset):
        theirs = op["x-python-client"].split("(")[0]
        assert ours[(method, path)].client.split("(")[0] == theirs, (method, path)


def test_query_parameters_match(subset):
    ours = {(op.method, op.path): op for op in contract.OPERATIONS}
    for method, path, op in subset_operations(subset):
        mine = ours[(method, path)].query
        theirs = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
        assert set(mine) == set(theirs), (method, path)
        for name, param in theirs.items():
            kind = KINDS[param["type"]]
            expected = kind if isinstance(kind, set) else {kind}
            assert mine[name]["type"] in expected, (method, path, name)


def test_bodies_match(subset):
    ours = {(op.method, op.path): op for op in contract.OPERATIONS}
    for method, path, op in subset_operations(subset):
        body_params = [p for p in op["parameters"] if p["in"] == "body"]
        mine = ours[(method, path)].body
        if not body_params:
            assert mine is None, (method, path)
            continue
        assert mine is not None, (method, path)
        compare_schema(subset, resolve(subset, body_params[0]["schema"]), mine, f"{method} {path}")


def compare_schema(spec, theirs: dict, mine: dict, where: str) -> None:
    """Same required fields, types and enums, recursively where both describe properties."""
    theirs = resolve(spec, theirs)
    if "type" in theirs:
        assert mine.get("type") == theirs["type"], where
    assert sorted(mine.get("required", [])) == sorted(theirs.get("required", [])), where
    if "enum" in theirs:
        assert mine.get("enum") == theirs["enum"], where
    for name, prop in (theirs.get("properties") or {}).items():
        assert name in (mine.get("properties") or {}), f"{where}.{name} missing from our contract"
        compare_schema(spec, prop, mine["properties"][name], f"{where}.{name}")
    if mine.get("additionalProperties") is False:
        # a closed object of ours may not reject what the subset allows
        assert set(mine.get("properties", {})) >= set(theirs.get("properties", {})), where
    if theirs.get("type") == "array" and "items" in theirs:
        compare_schema(spec, theirs["items"], mine.get("items", {}), f"{where}[]")


def test_subject_limit_matches_the_notes(subset):
    settings = resolve(subset, subset["definitions"]["Campaign1"])["properties"]["settings"]
    for name in ("subject_line", "preview_text"):
        assert "150" in settings["properties"][name]["description"]
        assert (
            contract.CAMPAIGN_CREATE["properties"]["settings"]["properties"][name]["maxLength"]
            == 150
        )


def test_check_flags_bad_requests():
    good = {"type": "regular", "settings": {"subject_line": "Hi", "title": "connected:x"}}
    assert contract.check("POST", "/campaigns", {}, good, True).violations == []
    bad = {"type": "newsletter", "settings": {"subject": "Hi"}}
    violations = contract.check("POST", "/campaigns", {}, bad, True).violations
    assert any("newsletter" in v for v in violations)
    assert any("subject" in v for v in violations)
    assert contract.check("POST", "/campaigns", {}, None, False).violations
    assert contract.check("GET", "/campaigns", {"count": "1001"}, None, False).violations
    assert contract.check("GET", "/campaigns", {"status": "draft"}, None, False).violations
    assert contract.check("GET", "/campaigns", {"colour": "red"}, None, False).violations
    split = contract.check("GET", "/campaigns", {"fields": "c,a,m,p,a,i,g,n,s"}, None, False)
    assert "LIST" in split.violations[0]
    assert contract.check("POST", "/campaigns/abc/actions/send", {}, None, True).violations == []
    assert contract.check(
        "POST", "/campaigns/abc/actions/test", {}, {"test_emails": ["a@b.c"]}, True
    ).violations
    assert contract.check("DELETE", "/ping", {}, None, False).status == 405
    assert contract.check("GET", "/nowhere", {}, None, False).status == 404
