"""Reports: markdown tables, the errors file, and the plots."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from eventx.baselines import KeywordBaseline
from eventx.data import AnnotatedArticle, parse_article
from eventx.labels import LABELS
from eventx.reports import (
    PlotsUnavailableError,
    markdown_report,
    write_errors,
    write_markdown,
    write_plots,
)
from eventx.scoring import EvaluationResult, evaluate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class LookupModel:
    """Deterministic stub: probabilities looked up by sentence text (else zero)."""

    thresholds = [0.5] * len(LABELS)

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.table = table

    def predict_proba_articles(self, articles, batch_size=None, show_progress_bar=False):
        return [[[self.table.get(s, {}).get(label, 0.0) for label in LABELS] for s in sents]
                for _, sents in articles]


def article(art_id: str, sentences: list[tuple[str, list[str]]]) -> AnnotatedArticle:
    built, problems = parse_article(
        {"id": art_id, "sentences": [{"text": t, "labels": ls} for t, ls in sentences]})
    assert not problems
    return built


S1, S2, S3 = "Jets bombed the depot.", "The ministry condemned the raid.", "Bread prices rose."
S4, S5 = "Gunmen killed nine.", "The army said it was ready."
HAND = [article("a", [(S1, ["strike"]), (S2, ["condemnation", "strike"]), (S3, [])]),
        article("b", [(S4, ["attack"]), (S5, ["statement"])])]
HAND_PROBS = {S1: {"strike": 0.9, "attack": 0.6}, S2: {"condemnation": 0.8, "strike": 0.4},
              S3: {"statement": 0.6, "attack": 0.1}, S4: {"attack": 0.7},
              S5: {"statement": 0.3, "attack": 0.55}}


@pytest.fixture(scope="module")
def hand() -> EvaluationResult:
    result = evaluate(LookupModel(HAND_PROBS), HAND, n_bootstrap=200)
    result.model = "stub"
    return result


@pytest.fixture(scope="module")
def keyword_e2e(articles_path: Path) -> EvaluationResult:
    return evaluate(KeywordBaseline(), articles_path, end_to_end=True, n_bootstrap=100)


def test_markdown_has_overall_and_per_label_tables(hand: EvaluationResult) -> None:
    text = markdown_report(hand)
    assert text.startswith("# Evaluation of `stub`")
    assert f"| Macro-F1 | **{hand.macro_f1:.3f}** (95% CI {hand.macro_f1_ci[0]:.3f}-" in text
    assert f"| Micro-F1 | {hand.micro_f1:.3f} |" in text
    assert f"| Expected calibration error | {hand.ece:.3f} |" in text
    # attack: P 1/3, R 1, F1 0.5, support 1, TP 1, FP 2, FN 0, AP 1, threshold 0.5
    assert "| `attack` | 0.333 | 1.000 | **0.500** | 1 | 1 | 2 | 0 | 1.000 |" in text
    assert "| `statement` | 0.000 | 0.000 | **0.000** | 1 | 0 | 1 | 1 | 0.500 |" in text
    assert "4 of 5 units have a wrong label set" in text
    assert "Sentence alignment" not in text


def test_markdown_end_to_end_and_warnings(keyword_e2e: EvaluationResult, tmp_path: Path
                                          ) -> None:
    text = markdown_report(keyword_e2e)
    assert "## Sentence alignment" in text
    assert f"| Predicted sentences | {keyword_e2e.alignment['n_predicted']} |" in text
    path = write_markdown(keyword_e2e, tmp_path / "deep" / "report.md")
    assert path.read_text(encoding="utf-8") == text
    snippet = evaluate(LookupModel({}), [HAND[1]], labels="attack,strike", n_bootstrap=0)
    assert "no gold unit has label 'strike'" in markdown_report(snippet)


def test_errors_file_lists_every_wrong_unit(hand: EvaluationResult, tmp_path: Path) -> None:
    n = write_errors(hand, tmp_path / "errors.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert n == len(lines) == 4
    assert [r["text"] for r in lines] == [S1, S2, S3, S5]
    first = lines[0]
    assert first["article"] == "a" and (first["start"], first["end"]) == (0, len(S1))
    assert first["gold"] == ["strike"] and first["pred"] == ["attack", "strike"]
    assert first["false_positives"] == ["attack"] and first["false_negatives"] == []
    assert first["scores"]["strike"] == pytest.approx(0.9)
    last = lines[-1]
    assert last["article"] == "b"
    assert HAND[1].text[last["start"]:last["end"]] == S5
    assert last["false_negatives"] == ["statement"] and last["false_positives"] == ["attack"]


def test_errors_file_end_to_end_has_offsets(keyword_e2e: EvaluationResult, tmp_path: Path
                                            ) -> None:
    write_errors(keyword_e2e, tmp_path / "e.jsonl")
    records = [json.loads(x) for x in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert len(records) == len(keyword_e2e.errors) > 0
    for r in records:
        assert r["gold"] != r["pred"] and r["pred_spans"]


def test_plots_are_written_and_non_empty(hand: EvaluationResult, tmp_path: Path) -> None:
    paths = write_plots(hand, tmp_path / "plots")
    assert sorted(p.name for p in paths) == [
        "confusion_matrices.png", "precision_recall.png", "reliability.png"]
    for p in paths:
        data = p.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 5000


def test_plots_without_matplotlib(hand: EvaluationResult, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PlotsUnavailableError, match=r"eventx\[plots\]"):
        write_plots(hand, tmp_path / "none")
    assert not (tmp_path / "none").exists()
