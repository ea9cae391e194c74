from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventx.data import (
    DataValidationError,
    check_file,
    iter_texts,
    load_dataset_dict,
    read_articles,
    to_dataset,
    write_articles,
)


def write_lines(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


def problems_of(tmp_path: Path, lines: list[object]) -> list[str]:
    _, problems = check_file(write_lines(tmp_path / "in.jsonl", lines))
    return [str(p) for p in problems]


def test_round_trip(tmp_path: Path, articles_path: Path) -> None:
    articles = read_articles(articles_path)
    out = tmp_path / "out.jsonl"
    write_articles(articles, out)
    again = read_articles(out)
    assert [a.to_json() for a in again] == [a.to_json() for a in articles]
    for a in again:
        for s in a.sentences:
            assert a.text[s.start : s.end] == s.text


def test_offsets_found_when_absent_and_text_built_when_missing(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": "One. Two here.", "sentences": [
            {"text": "One.", "labels": []}, {"text": "Two here.", "labels": ["statement"]}]},
        {"id": "b", "sentences": [
            {"text": "Jets struck.", "labels": ["strike"]}, {"text": "Calm.", "labels": []}]},
    ]
    a, b = read_articles(write_lines(tmp_path / "x.jsonl", lines))
    assert [(s.start, s.end) for s in a.sentences] == [(0, 4), (5, 14)]
    assert b.text == "Jets struck. Calm."
    assert b.sentences[1].start == 13


def test_repeated_sentence_text_is_found_in_order(tmp_path: Path) -> None:
    line = {"id": "a", "text": "Calm. Calm.", "sentences": [
        {"text": "Calm.", "labels": []}, {"text": "Calm.", "labels": []}]}
    (a,) = read_articles(write_lines(tmp_path / "x.jsonl", [line]))
    assert [s.start for s in a.sentences] == [0, 6]


def test_snippet(tmp_path: Path) -> None:
    (s,) = read_articles(write_lines(tmp_path / "x.jsonl", [
        {"id": "s1", "text": "Gunmen attacked a bus. Nine died.", "labels": ["attack"]}]))
    assert s.is_snippet and s.labels == ["attack"] and len(s.sentences) == 1
    assert s.to_json()["labels"] == ["attack"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "in.jsonl:1: bad JSON"),
        ([1, 2], "expected a JSON object"),
        ({"text": "x", "labels": []}, "in.jsonl:1: id: missing"),
        ({"id": "a", "text": "x", "labels": ["riot"]}, "labels[0]: unknown label 'riot'"),
        ({"id": "a", "text": "x"}, "labels: missing"),
        ({"id": "a", "sentences": [{"labels": []}]}, "sentences[0].text: missing"),
        ({"id": "a", "sentences": [{"text": "x"}]}, "sentences[0].labels: missing"),
        ({"id": "a", "sentences": [{"text": "x", "labels": ["strike", "Attack"]}]},
         "sentences[0].labels[1]: unknown label 'Attack'"),
        ({"id": "a", "text": "abc", "sentences": [{"start": 0, "end": 2, "text": "ab",
                                                   "labels": []}, {"start": 1, "end": 3,
                                                                    "text": "bc", "labels": []}]},
         "sentences[1].start: 1 overlaps"),
        ({"id": "a", "text": "abc", "sentences": [{"start": 0, "end": 2, "text": "bc",
                                                   "labels": []}]},
         "sentences[0].text: does not match text[0:2]"),
        ({"id": "a", "text": "abc", "sentences": [{"start": 0, "end": 9, "text": "abc",
                                                   "labels": []}]}, "outside the text"),
        ({"id": "a", "text": "abc", "sentences": [{"start": 0, "text": "abc", "labels": []}]},
         "give both 'start' and 'end'"),
        ({"id": "a", "text": "Calm here.", "sentences": [{"text": "Storm.", "labels": []}]},
         "sentences[0].text: not found in the article text"),
        ({"id": "a", "sentences": "nope"}, "sentences: must be a list"),
        ({"id": "", "text": "x", "labels": []}, "id: must be a non-empty string"),
    ],
)
def test_bad_lines_name_file_line_and_field(tmp_path: Path, line: object, expected: str) -> None:
    problems = problems_of(tmp_path, [line])
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "in.jsonl")) for p in problems)


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    snippet = {"id": "a", "text": "x", "labels": []}
    problems = problems_of(tmp_path, [snippet, {"id": "b", "text": "y", "labels": []}, snippet])
    assert problems == [f"{tmp_path / 'in.jsonl'}:3: id: duplicate id 'a' (first on line 1)"]


def test_every_problem_in_a_file_is_listed(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, ["{", {"id": "a", "text": "x", "labels": ["bad"]},
                                      {"id": "b", "text": "y", "labels": []}])
    assert len(problems) == 2
    assert ":1:" in problems[0] and ":2:" in problems[1]


def test_empty_file_and_non_utf8(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    assert "empty file" in str(check_file(empty)[1][0])
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "a", "text": "caf\xe9", "labels": []}\n')
    (problem,) = check_file(latin)[1]
    assert problem.line == 1 and "not UTF-8" in problem.message
    with pytest.raises(DataValidationError, match="not UTF-8"):
        read_articles(latin)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="no such file"):
        read_articles(tmp_path / "nope.jsonl")


def test_to_dataset_rows(articles_path: Path) -> None:
    articles = read_articles(articles_path)
    ds = to_dataset(articles)
    assert len(ds) == sum(len(a.sentences) for a in articles)
    row = ds[2]
    assert row["article_id"] == "t-001" and row["sentence_index"] == 2
    assert row["labels"] == ["strike", "condemnation"]
    assert row["label_vector"] == [0.0, 1.0, 1.0, 0.0]
    assert articles[0].text[row["start"] : row["end"]] == row["text"]
    dd = load_dataset_dict({"train": articles_path})
    assert dd["train"].num_rows == len(ds)


def test_iter_texts(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "t.jsonl", [
        {"id": "x", "text": "Hello."},
        {"id": "y", "sentences": [{"text": "A.", "labels": []}]},
    ])
    assert list(iter_texts(path)) == [("x", "Hello."), ("y", "A.")]
    bad = write_lines(tmp_path / "bad.jsonl", [{"id": "x", "text": "ok"}, {"id": "z"}])
    with pytest.raises(DataValidationError, match=r"bad\.jsonl:2: text"):
        list(iter_texts(bad))
