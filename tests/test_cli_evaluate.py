"""``eventx evaluate`` through the real console entry point (``python -m eventx``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventx.labels import LABELS

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Through the real console entry point, in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "eventx", "evaluate", *args], capture_output=True, text=True,
        cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, timeout=300,
    )


def invoke(*args: str) -> tuple[int, str, str]:
    """In-process (same typer app as the console script), for the slower success paths."""
    from typer.testing import CliRunner

    from eventx.cli import app

    out = CliRunner().invoke(app, ["evaluate", *args])
    return out.exit_code, out.stdout, out.stderr


def test_keyword_json(articles_path: Path) -> None:
    out = run(str(articles_path), "--model", "keyword", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["n_articles"], result["n_sentences"]) == (6, 29)
    assert set(result["per_label"]) == set(LABELS)
    for key in ("macro_f1", "micro_f1"):
        assert 0.0 <= result[key] <= 1.0
    assert set(result["per_label"]["strike"]) >= {"precision", "recall", "f1", "support"}
    assert "keyword" in out.stderr  # the progress bar goes to stderr, not stdout


def test_labels_level_and_end_to_end(articles_path: Path) -> None:
    code, stdout, stderr = invoke(str(articles_path), "--model", "keyword", "--json", "--quiet",
                                  "--labels", "attack,strike", "--level", "article",
                                  "--end-to-end")
    assert code == 0, stderr
    result = json.loads(stdout)
    assert set(result["per_label"]) == {"attack", "strike"}
    assert result["n_units"] == 6 and result["level"] == "article" and result["end_to_end"]
    assert stderr == ""


def test_markdown_plots_and_errors(articles_path: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        str(articles_path), "--model", "keyword", "--quiet", "--plots", str(tmp_path / "plots"),
        "--errors", str(tmp_path / "errors.jsonl"), "--markdown", str(tmp_path / "report.md"),
        "--end-to-end")
    assert code == 0, stderr
    assert stdout.startswith("# Evaluation of `keyword`")
    assert "## Per label" in stdout and "## Sentence alignment" in stdout
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == stdout
    assert "wrongly labelled unit(s) written to" in stderr
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert len(pngs) == 3 and all(p.stat().st_size > 5000 for p in pngs)
    errors = [json.loads(x) for x in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert errors and all(e["gold"] != e["pred"] and "article" in e for e in errors)


def test_tfidf_model_dir(articles_path: Path, tmp_path: Path) -> None:
    from eventx.baselines import TfidfBaseline

    TfidfBaseline(char_ngrams=False).fit(articles_path).save(tmp_path / "tfidf")
    code, stdout, stderr = invoke(str(articles_path), "--model", f"tfidf:{tmp_path / 'tfidf'}",
                                  "--json", "--quiet")
    assert code == 0, stderr
    assert json.loads(stdout)["macro_f1"] > 0.5


def test_real_model(tiny_model_dir: Path, articles_path: Path) -> None:
    code, stdout, stderr = invoke(str(articles_path), "--model", str(tiny_model_dir), "--json",
                                  "--quiet", "--bootstrap", "50", "--end-to-end")
    assert code == 0, stderr
    result = json.loads(stdout)
    assert result["n_sentences"] == 29 and len(result["macro_f1_ci"]) == 2
    assert result["alignment"]["n_matched"] == 29


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD = {"id": "x", "text": "Jets bombed a depot.",
        "sentences": [{"text": "Jets bombed a depot.", "labels": ["strike"]}]}


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("bad_label.jsonl",
     json.dumps({**GOOD, "sentences": [{"text": "Jets bombed a depot.", "labels": ["riot"]}]}),
     "bad_label.jsonl:1: sentences[0].labels[0]: unknown label 'riot'"),
    ("empty.jsonl", "", "empty.jsonl: empty file"),
    ("bad_json.jsonl", json.dumps(GOOD) + "\n{not json\n", "bad_json.jsonl:2: bad JSON"),
    ("texts.jsonl", json.dumps({"id": "x", "text": "Jets bombed a depot."}),
     "texts.jsonl:1: labels: missing"),
    ("dupes.jsonl", json.dumps(GOOD) + "\n" + json.dumps(GOOD),
     "dupes.jsonl:2: id: duplicate id 'x'"),
    ("offsets.jsonl", json.dumps({**GOOD, "sentences": [
        {"start": 0, "end": 4, "text": "Jets bombed a depot.", "labels": []}]}),
     "offsets.jsonl:1: sentences[0].text: does not match"),
])
def test_bad_data_is_one_clear_error(tmp_path: Path, name: str, content: str, expected: str
                                     ) -> None:
    out = run(write(tmp_path, name, content), "--model", "keyword")
    assert out.returncode == 1
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("eventx: error: ")
    assert expected in lines[0]


def test_bad_options(articles_path: Path, tmp_path: Path) -> None:
    out = run(str(articles_path), "--model", "keyword", "--labels", "attack,riot")
    assert out.returncode == 1 and "--labels: unknown label 'riot'" in out.stderr
    out = run(str(articles_path), "--model", "keyword", "--level", "paragraph")
    assert out.returncode == 1 and "--level" in out.stderr
    out = run(str(tmp_path / "missing.jsonl"), "--model", "keyword")
    assert out.returncode == 1 and "missing.jsonl: no such file" in out.stderr
    out = run(str(articles_path), "--model", f"tfidf:{tmp_path}")
    assert out.returncode == 1 and "not a TF-IDF baseline" in out.stderr
    out = run(str(articles_path), env={"EVENTX_MODEL": str(tmp_path / "nowhere")})
    assert out.returncode == 1 and "--model:" in out.stderr
    out = run()
    assert out.returncode == 2  # usage error: the data file is required
