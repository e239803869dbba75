"""Kore documentation samples (copied into tests/fixtures/kore) and shape comparison.

`assert_same_shape` checks what the issue asks of every response: the same keys at every
level, the same JSON types, and the same values except where a value is an id, a timestamp,
a (masked) phone number, or something the caller chose (`ignore`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).parent / "fixtures" / "kore"
VALID_CALLER = "+14155550100"
VARIABLE = frozenset(
    {
        "_id", "id", "campId", "campaignInstanceId", "experienceFlow", "contactListId",
        "createdBy", "updatedBy", "orgId", "iId", "accountId", "createdAt", "updatedAt",
        "campaignInstanceUpdatedAt", "phoneNumber",
    }
)  # fmt: skip


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def request_sample(name: str) -> dict[str, Any]:
    """A sample request with its masked or invalid caller id replaced by a dialable one."""
    body: dict[str, Any] = copy.deepcopy(sample(name))
    strategy = body.get("dialingStrategy")
    if isinstance(strategy, dict):
        strategy["callerId"]["phoneNumber"] = VALID_CALLER
    return body


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _dict_mismatch(
    actual: Any, expected: dict[str, Any], path: str, ignore: frozenset[str]
) -> str | None:
    missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    if missing or extra:
        return f"{path}: missing keys {sorted(missing)}, extra keys {sorted(extra)}"
    for key in expected:
        found = _mismatch(actual[key], expected[key], f"{path}.{key}", ignore)
        if found:
            return found
    return None


def _list_mismatch(
    actual: Any, expected: list[Any], path: str, ignore: frozenset[str]
) -> str | None:
    """Each item must match one of the sample's items (samples vary item shapes)."""
    if not expected or not actual:
        return None
    for i, item in enumerate(actual):
        problems = [_mismatch(item, variant, f"{path}[{i}]", ignore) for variant in expected]
        if all(problems):
            return " | ".join(sorted({str(p) for p in problems}))
    return None


def _mismatch(actual: Any, expected: Any, path: str, ignore: frozenset[str]) -> str | None:
    """The first difference between `actual` and the sample `expected`, or None."""
    if _type_name(actual) != _type_name(expected):
        return f"{path}: type {_type_name(actual)} != sample's {_type_name(expected)}"
    if isinstance(expected, dict):
        return _dict_mismatch(actual, expected, path, ignore)
    if isinstance(expected, list):
        return _list_mismatch(actual, expected, path, ignore)
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key in VARIABLE or key in ignore or path in ignore or actual == expected:
        return None
    return f"{path}: {actual!r} != sample's {expected!r}"


def assert_same_shape(actual: Any, expected: Any, ignore: set[str] | None = None) -> None:
    problem = _mismatch(actual, expected, "$", frozenset(ignore or ()))
    assert problem is None, problem
