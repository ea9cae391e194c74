from __future__ import annotations

import pytest

from eventx.labels import (
    LABEL_DEFINITIONS,
    LABELS,
    UnknownLabelError,
    check_labels,
    from_multi_hot,
    parse_label_list,
    to_multi_hot,
)


def test_schema_order_and_definitions() -> None:
    assert LABELS == ("attack", "strike", "condemnation", "statement")
    assert set(LABEL_DEFINITIONS) == set(LABELS)


def test_multi_hot_round_trip() -> None:
    assert to_multi_hot(["statement", "attack"]) == [1, 0, 0, 1]
    assert from_multi_hot([1, 0, 0, 1]) == ["attack", "statement"]
    assert to_multi_hot([]) == [0, 0, 0, 0]


def test_check_labels_orders_and_rejects() -> None:
    assert check_labels(["statement", "strike", "strike"]) == ["strike", "statement"]
    with pytest.raises(UnknownLabelError, match="protest"):
        check_labels(["protest"])


def test_parse_label_list() -> None:
    assert parse_label_list("strike, attack") == ["attack", "strike"]
    assert parse_label_list(None) == list(LABELS)
    with pytest.raises(UnknownLabelError):
        parse_label_list("attack,riot")
    with pytest.raises(UnknownLabelError):
        parse_label_list(" , ")
