"""The CLI through the real console entry point (a subprocess, as a user runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "eventx" / "examples" / "strike_report.txt"


def run(
    *args: str, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eventx", *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, timeout=300,
    )


@pytest.mark.parametrize(
    "command", ["extract", "evaluate", "train", "calibrate", "soup", "validate"]
)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "Example" in result.stdout


def test_validate_ok_and_bad(tmp_path: Path, articles_path: Path) -> None:
    ok = run("validate", str(articles_path))
    assert ok.returncode == 0 and "ok (6 articles" in ok.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "labels": ["riot"]}\n{"id": "a"}\n')
    result = run("validate", str(articles_path), str(bad), str(articles_path))
    assert result.returncode == 1
    assert f"{bad}:1: labels[0]: unknown label 'riot'" in result.stderr
    assert f"{bad}:2: sentences: missing" in result.stderr
    assert result.stdout.count("ok (") == 1  # stops at the first bad file


def test_extract_plain_text_file(tiny_model_dir: Path) -> None:
    result = run("extract", str(EXAMPLE), "--model", str(tiny_model_dir))
    assert result.returncode == 0, result.stderr
    text = EXAMPLE.read_text()
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) >= 10
    for row in rows:
        assert row["article"] == str(EXAMPLE)
        assert text[row["start"] : row["end"]] == row["text"]
        assert set(row["scores"]) == {"attack", "strike", "condemnation", "statement"}
        assert set(row["labels"]) <= set(row["scores"])


def test_extract_jsonl_from_stdin(tiny_model_dir: Path) -> None:
    lines = "\n".join(json.dumps({"id": f"n{i}", "text": t}) for i, t in
                      enumerate(["Jets struck a depot. Nobody was hurt.", "Calm day."]))
    result = run("extract", "--jsonl", "-", "--model", str(tiny_model_dir), stdin=lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["article"] for r in rows] == ["n0", "n0", "n1"]


def test_extract_errors(tmp_path: Path, tiny_model_dir: Path) -> None:
    missing = run("extract", str(tmp_path / "nope.txt"), "--model", str(tiny_model_dir))
    assert missing.returncode != 0 and "nope.txt: no such file" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "fine"}\n{"id": "b"}\n')
    result = run("extract", "--jsonl", str(bad), "--model", str(tiny_model_dir))
    assert result.returncode != 0 and f"{bad}:2: text" in result.stderr
    no_model = run("extract", str(EXAMPLE), "--model", str(tmp_path))
    assert no_model.returncode != 0 and "eventx_config.json is missing" in no_model.stderr


def test_calibrate_rewrites_config_only(tmp_path: Path, tiny_model_dir: Path,
                                        articles_path: Path) -> None:
    import shutil

    model = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model)
    weights = {p.name: p.read_bytes() for p in model.glob("*.safetensors")}
    result = run("calibrate", str(model), "--dev", str(articles_path), "--no-rule-fusion")
    assert result.returncode == 0, result.stderr
    assert "temperature scaling" in result.stderr
    config = json.loads((model / "eventx_config.json").read_text())
    assert config["fusion"] is None
    assert config["scores"]["calibration"]["method"] == "temperature scaling"
    assert {p.name: p.read_bytes() for p in model.glob("*.safetensors")} == weights

    bad = tmp_path / "dev.jsonl"
    bad.write_text('{"id": "a", "sentences": [{"text": "x", "labels": ["riot"]}]}\n')
    result = run("calibrate", str(model), "--dev", str(bad))
    assert result.returncode == 1
    assert f"{bad}:1:" in result.stderr and "riot" in result.stderr
    missing = run("calibrate", str(tmp_path / "nope"), "--dev", str(articles_path))
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_soup_writes_a_calibrated_average(tmp_path: Path, tiny_model_dir: Path,
                                          articles_path: Path) -> None:
    out = tmp_path / "soup"
    result = run("soup", str(tiny_model_dir), str(tiny_model_dir), "--out", str(out),
                 "--dev", str(articles_path))
    assert result.returncode == 0, result.stderr
    assert "average of 2 runs; rule fusion" in result.stderr
    config = json.loads((out / "eventx_config.json").read_text())
    assert config["scores"]["calibration"]["method"] == "rule fusion"
    extracted = run("extract", str(EXAMPLE), "--model", str(out))
    assert extracted.returncode == 0 and extracted.stdout.count("\n") >= 10

    bad = tmp_path / "dev.jsonl"
    bad.write_text('{"id": "a", "sentences": [{"text": "x", "labels": ["riot"]}]}\n')
    failed = run("soup", str(tiny_model_dir), str(tiny_model_dir), "--out",
                 str(tmp_path / "n"), "--dev", str(bad))
    assert failed.returncode == 1 and f"{bad}:1:" in failed.stderr
    over = run("soup", str(tiny_model_dir), str(out), "--out", str(out), "--dev",
               str(articles_path))
    assert over.returncode == 1 and "is one of the runs" in over.stderr


def test_train_writes_a_model_with_the_shipped_recipe_by_default(
    tmp_path: Path, articles_path: Path
) -> None:
    from eventx.training_args import TrainingArguments

    out = tmp_path / "m"
    result = run("train", "--train", str(articles_path), "--dev", str(articles_path),
                 "--out", str(out), "--max-steps", "2", "--batch-size", "4",
                 "--max-length", "32", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "model written to" in result.stderr + result.stdout
    training = json.loads((out / "eventx_config.json").read_text())["training"]
    default = TrainingArguments(output_dir="").to_dict()
    for key in ("epochs", "learning_rate", "attention_dropout", "dropout", "adapter",
                "early_stopping_patience", "seed", "workers", "lora_r", "lora_alpha"):
        assert training[key] == default[key], key
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n')
    failed = run("train", "--train", str(bad), "--dev", str(articles_path),
                 "--out", str(tmp_path / "n"), "--quiet")
    assert failed.returncode != 0 and f"{bad}:1:" in failed.stderr
    assert not (tmp_path / "n").exists()
