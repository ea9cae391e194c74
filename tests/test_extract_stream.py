"""Corpus-scale extraction: streamed input with line-numbered errors, --skip-bad, atomic
output, and the CLI options around them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventx.data import DataValidationError
from eventx.io_stream import ReadReport, atomic_output, iter_corpus

GOOD = [
    {"id": "g1", "text": "Jets struck a depot. Nobody was hurt."},
    {"id": "g2", "text": "The ministry condemned the raid."},
]


def corpus_bytes(bad_lines: dict[int, str]) -> bytes:
    """GOOD lines with bad ones inserted at the given (1-based) line numbers."""
    lines = [json.dumps(g) for g in GOOD]
    for n in sorted(bad_lines):
        lines.insert(n - 1, bad_lines[n])
    return ("\n".join(lines) + "\n").encode()


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eventx", *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=300,
    )


def test_bad_line_stops_with_its_line_number() -> None:
    data = corpus_bytes({2: "{not json", 4: '{"id": "x", "title": "no text"}'})
    with pytest.raises(DataValidationError, match=r"<corpus>:2: bad JSON"):
        list(iter_corpus(io.BytesIO(data), name="<corpus>"))


def test_skip_bad_counts_and_reports_every_bad_line() -> None:
    data = corpus_bytes({2: "{not json", 4: '{"id": "x", "title": "no text"}', 5: "",
                         6: "[1, 2]"})
    report = ReadReport()
    seen = []
    got = list(iter_corpus(io.BytesIO(data), name="c", skip_bad=True, report=report,
                           on_skip=seen.append))
    assert got == [(g["id"], g["text"]) for g in GOOD]
    assert report.articles == 2 and report.skipped == 3  # the blank line is not bad
    assert [str(p).split(":")[1] for p in seen] == ["2", "4", "6"]
    assert "text" in str(seen[1]) and "3 bad line(s) skipped" in report.summary()


def test_annotated_articles_without_text_are_rebuilt() -> None:
    line = json.dumps({"id": "a", "sentences": [{"text": "One.", "labels": []},
                                                  {"text": "Two.", "labels": []}]})
    assert list(iter_corpus(io.BytesIO(line.encode()))) == [("a", "One. Two.")]


def test_atomic_output_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_output(target) as f:
        f.write("partial\n")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temporary left
    with atomic_output(target) as f:
        f.write("new\n")
    assert target.read_text() == "new\n"


def test_cli_output_file_skip_bad_and_errors(tmp_path: Path, tiny_model_dir: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(corpus_bytes({2: "{not json"}))
    out = tmp_path / "out.jsonl"
    failed = run("extract", "--jsonl", str(corpus), "-o", str(out), "--model",
                 str(tiny_model_dir), "--threads", "1")
    assert failed.returncode != 0
    assert f"{corpus}:2: bad JSON" in failed.stderr and "--skip-bad" in failed.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [corpus]

    ok = run("extract", "--jsonl", str(corpus), "-o", str(out), "--skip-bad", "--model",
             str(tiny_model_dir), "--threads", "1")
    assert ok.returncode == 0, ok.stderr
    assert f"skipped {corpus}:2: bad JSON" in ok.stderr
    assert "2 article(s) read, 1 bad line(s) skipped" in ok.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["article"] for r in rows] == ["g1", "g1", "g2"]
    assert list(rows[0]) == ["article", "start", "end", "text", "labels", "scores"]


def test_cli_argument_errors_fail_fast() -> None:
    result = run("extract", "--engine", "ray", "only-one.jsonl")
    assert result.returncode != 0 and "exactly two arguments" in result.stderr
    result = run("extract", "--precision", "int4", "x.txt")
    assert result.returncode != 0 and "--precision" in result.stderr
