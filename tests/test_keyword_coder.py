"""The keyword coder: guideline cases, graded scores, article context, scorer interface."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventx.keyword_coder import KeywordBaseline, keyword_scores
from eventx.labels import LABELS
from eventx.scoring import evaluate, load_model


def coded(text: str) -> list[str]:
    scores = keyword_scores(text)
    return [label for label in LABELS if scores[label] >= 0.5]


# Examples and confusers taken from ANNOTATION.md.
@pytest.mark.parametrize(("text", "labels"), [
    ("U.S. forces executed targeted strikes on three facilities.", ["strike"]),
    ("Jets bombed radar installations at 13 locations.", ["strike"]),
    ("Russian drones slammed into a grain terminal in Odesa.", ["strike"]),
    ("A military jet dropped two bombs on a village.", ["strike"]),
    ("A missile attack by an Iran-backed militia on the Al Asad airbase injured U.S. "
     "personnel.", ["attack"]),
    ("Hezbollah fired 200 rockets at northern Israel.", ["attack"]),
    ("Gunmen stormed a village, killing 18 residents.", ["attack"]),
    ("Russian troops launched an assault on the town.", ["attack"]),
    ("The pipeline has been bombed a dozen times this year.", ["attack"]),
    ("Iraqi officials condemned the action as a flagrant violation of sovereignty.",
     ["condemnation"]),
    ("CentCom attributed the attack to an Iran-backed militia.", ["attack", "statement"]),
    ("The Kremlin spokesman told reporters that Moscow remained open to talks.", ["statement"]),
    ("A car bomb killed nine people, police said.", ["attack"]),
    ("Any future attack will be met with force.", []),
    ("The dock workers' 24-hour strike entered its second day.", []),
    ("The striker scored twice in the first half.", []),
    ("He died of a heart attack on Sunday.", []),
    ("Engineers declared the building condemned after the flood.", []),
    ("The company published its statement of accounts.", []),
    ("Police fired tear gas to disperse the crowd.", []),
])
def test_keyword_guideline_cases(text: str, labels: list[str]) -> None:
    assert coded(text) == labels


def test_keyword_scores_are_graded_probabilities() -> None:
    strong = keyword_scores("Gunmen stormed a village.")["attack"]
    hypothetical = keyword_scores("Any future attack will be met with force.")["attack"]
    none = keyword_scores("Bread prices doubled.")["attack"]
    assert 0.5 <= strong <= 1.0 and 0.0 < hypothetical < 0.5 and none == 0.0


def test_keyword_uses_article_context() -> None:
    model = KeywordBaseline()
    [rows] = model.predict_proba_articles([(None, [
        "Coalition warplanes bombed three depots overnight.",
        "The foreign ministry condemned the raid.",
    ])])
    second = dict(zip(LABELS, rows[1], strict=True))
    assert second["strike"] >= 0.5 and second["condemnation"] >= 0.5 and second["attack"] < 0.5
    # the same sentence on its own has no event to refer back to
    alone = keyword_scores("The foreign ministry condemned the raid.")
    assert alone["strike"] < second["strike"]
    [labour] = model.predict_proba_articles([("Dock workers strike over pay", [
        "Dock workers at the port began a 48-hour strike over pay on Monday.",
        "The strike entered its second day on Tuesday.",
    ])])
    assert all(row[LABELS.index("strike")] < 0.5 for row in labour)


def test_keyword_interface(articles_path: Path) -> None:
    model = KeywordBaseline()
    assert model.thresholds == [0.5] * 4
    probs = model.predict_proba_articles([("T", ["a", "b"]), (None, [])])
    assert [len(rows) for rows in probs] == [2, 0]
    assert all(0.0 <= p <= 1.0 for row in probs[0] for p in row)
    r = evaluate(model, articles_path, n_bootstrap=0)
    # measured, not tuned on this file: the guideline coder gets most of it right
    assert r.macro_f1 > 0.75
    assert load_model("keyword").__class__ is KeywordBaseline
