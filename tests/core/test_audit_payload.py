"""The canonical content an audit row's hash is over: the fast serialisation gives the very
bytes the first one gave (kept here as the reference), so every chain already written
still verifies and a writer and the verifier can never disagree."""

import enum
import hashlib
import hmac
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from app.audit.chain import _KEYED, _ORDER, _payload, row_hash


def _reference(row) -> bytes:
    """The serialisation of the release that wrote the existing chains."""
    def canonical(value):
        if isinstance(value, datetime):
            return value.isoformat(timespec="microseconds")
        return value

    content = {name: canonical(row[name]) for name in _KEYED}
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


class Level(enum.IntEnum):
    HIGH = 3


class Moment(datetime):
    pass


class Text(str):
    pass


BASE = {
    "id": 7, "chain": "station:3", "seq": 12, "prev_hash": "0" * 64,
    "created_at": datetime(2026, 12, 2, 3, 4, 5, 123456), "station_id": 3, "county_id": 1,
    "actor_id": 5, "actor_name": "dongling-admin", "action": "update",
    "object_type": "ground_village", "object_id": "42", "changes": {"name": ["旧", "新"]},
    "ip": "127.0.0.1", "request_id": "4f2c", "key_id": "2026a",
}

TRICKY = {
    "every column None": dict.fromkeys(_KEYED),
    "unicode and escapes": {
        "actor_name": "张三 \"老张\" \\ / \n\t\x00\x1f\u2028 é 😀",
        "object_id": "第3村,东岭:\"}{",
        "changes": {"名称": ["东岭\u3000村", "😀"], "quote\"key": ["\\", "\x7f"]},
    },
    "nested dicts out of order": {"changes": {
        "z": {"b": 1, "a": [{"d": None, "c": True}]}, "a": [], "m": {}, "Z": "upper first",
        "": "empty key", "10": 1, "9": 2}},
    "numbers": {
        "id": 2**63 - 1, "seq": 0, "station_id": -1, "actor_id": 10**30,
        "changes": {"f": [0.1, -0.0, 1e100, 1.5e-7, 3.0], "i": [0, -5, 2**64],
                    "nan": float("nan"), "inf": [float("inf"), float("-inf")]}},
    "booleans and subclasses": {
        "actor_id": True, "station_id": Level.HIGH, "actor_name": Text("子类"),
        "changes": {"on": [False, True], "level": Level.HIGH}},
    "datetimes": {"created_at": datetime(1, 1, 1)},
    "a datetime without microseconds": {"created_at": datetime(2026, 1, 2, 3, 4, 5)},
    "an aware datetime": {"created_at": datetime(2026, 1, 2, 3, 4, 5, 6,
                                                 tzinfo=timezone(timedelta(hours=8)))},
    "a datetime subclass": {"created_at": Moment(2026, 5, 6, 7, 8, 9, 10)},
    "a datetime elsewhere": {"object_id": datetime(2030, 1, 1, 0, 0, 0, 1)},
    "lists and tuples": {"changes": {"t": (1, "二", None), "l": [[1, [2, [3]]]]}},
    "a float at the top": {"actor_id": 1.25, "seq": 2.0},
    "changes that are not a dict": {"changes": ["a", 1]},
    "changes a string": {"changes": "{\"a\": 1}"},
}


@pytest.mark.parametrize("case", TRICKY)
def test_the_payload_is_the_reference_serialisation(case):
    row = {**BASE, **TRICKY[case]}
    assert _payload([row[name] for name in _ORDER]) == _reference(row)


@pytest.mark.parametrize("case", TRICKY)
def test_the_row_hash_is_the_reference_hmac(case):
    row = {**BASE, **TRICKY[case]}
    wanted = hmac.new(b"k" * 32, _reference(row), hashlib.sha256).hexdigest()
    assert row_hash(row, {row["key_id"]: b"k" * 32}) == wanted
    assert row_hash(row, {"another key": b"k" * 32}) is None


@pytest.mark.parametrize("value", [
    {"when": datetime(2026, 1, 1)},  # nested: neither writes it (nor could it be stored)
    {"day": date(2026, 1, 1)},
    date(2026, 1, 1),
    {"x": object()},
    {(1, 2): "tuple key"},
    "lone surrogate \ud800",
])
def test_what_the_reference_refuses_is_refused(value):
    row = {**BASE, "changes": value}
    with pytest.raises((TypeError, ValueError)) as reference:
        _reference(row)
    with pytest.raises(type(reference.value)):
        _payload([row[name] for name in _ORDER])


def test_the_order_is_the_sorted_keys():
    assert list(_ORDER) == sorted(_KEYED) and set(_ORDER) == set(_KEYED)
