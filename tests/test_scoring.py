"""The scorer: hand-checked arithmetic, alignment, snippets, label subsets, article level."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from eventx.calibration import expected_calibration_error
from eventx.data import AnnotatedArticle, AnnotatedSentence, parse_article, read_articles
from eventx.labels import LABELS, UnknownLabelError
from eventx.scoring import (
    EvaluationResult,
    align_spans,
    bootstrap_macro_f1_ci,
    compute_metrics,
    evaluate,
)


class LookupModel:
    """A deterministic stub: probabilities looked up by sentence text (else all zero).

    It records what it was asked, so tests can check titles and segmentation.
    """

    def __init__(self, table: dict[str, dict[str, float]], thresholds: list[float] | None = None):
        self.table = table
        self.thresholds = thresholds or [0.5] * len(LABELS)
        self.calls: list[tuple[str | None, list[str]]] = []

    def predict_proba_articles(
        self, articles: Sequence[tuple[str | None, Sequence[str]]], batch_size: int | None = None,
        show_progress_bar: bool = False,
    ) -> list[list[list[float]]]:
        out = []
        for title, sentences in articles:
            self.calls.append((title, list(sentences)))
            out.append([[self.table.get(s, {}).get(label, 0.0) for label in LABELS]
                        for s in sentences])
        return out


def article(art_id: str, sentences: list[tuple[str, list[str]]], title: str | None = None
            ) -> AnnotatedArticle:
    """An article whose text is its sentences joined by single spaces."""
    obj = {"id": art_id, "sentences": [{"text": t, "labels": labels} for t, labels in sentences]}
    if title is not None:
        obj["title"] = title
    built, problems = parse_article(obj)
    assert not problems
    return built


S1, S2, S3 = "Jets bombed the depot.", "The ministry condemned the raid.", "Bread prices rose."
S4, S5 = "Gunmen killed nine.", "The army said it was ready."
HAND = [
    article("a", [(S1, ["strike"]), (S2, ["condemnation", "strike"]), (S3, [])], title="Depot"),
    article("b", [(S4, ["attack"]), (S5, ["statement"])]),
]
HAND_PROBS = {
    S1: {"strike": 0.9, "attack": 0.6},         # pred attack+strike, gold strike
    S2: {"condemnation": 0.8, "strike": 0.4},   # pred condemnation, gold condemnation+strike
    S3: {"statement": 0.6, "attack": 0.1},      # pred statement, gold none
    S4: {"attack": 0.7},                        # pred attack, gold attack
    S5: {"statement": 0.3, "attack": 0.55},     # pred attack, gold statement
}


@pytest.fixture()
def hand_result() -> EvaluationResult:
    return evaluate(LookupModel(HAND_PROBS), HAND, n_bootstrap=200)


def test_hand_checked_per_label_counts_and_scores(hand_result: EvaluationResult) -> None:
    per = hand_result.per_label
    # attack: gold {S4}; predicted {S1, S4, S5} -> TP 1, FP 2, FN 0
    assert (per["attack"]["tp"], per["attack"]["fp"], per["attack"]["fn"]) == (1, 2, 0)
    assert per["attack"]["precision"] == pytest.approx(1 / 3)
    assert per["attack"]["recall"] == pytest.approx(1.0)
    assert per["attack"]["f1"] == pytest.approx(2 * 1 / (2 * 1 + 2 + 0))  # 0.5
    # strike: gold {S1, S2}; predicted {S1} -> TP 1, FP 0, FN 1
    assert (per["strike"]["tp"], per["strike"]["fp"], per["strike"]["fn"]) == (1, 0, 1)
    assert per["strike"]["precision"] == pytest.approx(1.0)
    assert per["strike"]["recall"] == pytest.approx(0.5)
    assert per["strike"]["f1"] == pytest.approx(2 / 3)
    # condemnation: gold {S2}; predicted {S2}
    assert (per["condemnation"]["tp"], per["condemnation"]["fp"],
            per["condemnation"]["fn"]) == (1, 0, 0)
    assert per["condemnation"]["f1"] == pytest.approx(1.0)
    # statement: gold {S5}; predicted {S3} -> TP 0, FP 1, FN 1
    assert (per["statement"]["tp"], per["statement"]["fp"], per["statement"]["fn"]) == (0, 1, 1)
    assert per["statement"]["precision"] == per["statement"]["recall"] == 0.0
    assert per["statement"]["f1"] == 0.0
    assert [per[label]["support"] for label in LABELS] == [1, 2, 1, 1]


def test_hand_checked_averages(hand_result: EvaluationResult) -> None:
    r = hand_result
    assert r.macro_f1 == pytest.approx((0.5 + 2 / 3 + 1.0 + 0.0) / 4)
    # micro: TP 3, FP 3, FN 2 over all labels -> 2*3 / (2*3 + 3 + 2)
    assert r.micro_f1 == pytest.approx(6 / 11)
    # exact match: only S4 has the right label set
    assert r.exact_match == pytest.approx(1 / 5)
    # per unit F1: S1 2/3, S2 2/3, S3 0 (gold empty, one predicted), S4 1, S5 0
    assert r.samples_f1 == pytest.approx((2 / 3 + 2 / 3 + 0 + 1 + 0) / 5)
    # any event: gold {S1, S2, S4, S5}; predicted {S1..S5} -> P 4/5, R 1
    assert r.any_event["precision"] == pytest.approx(0.8)
    assert r.any_event["recall"] == pytest.approx(1.0)
    assert r.any_event["f1"] == pytest.approx(8 / 9)
    # statement ranking: S3 (0.6, negative) above S5 (0.3, positive) -> AP 1/2
    assert r.per_label["statement"]["average_precision"] == pytest.approx(0.5)
    assert r.per_label["attack"]["average_precision"] == pytest.approx(1.0)
    assert r.ece == pytest.approx(expected_calibration_error(r.y_prob, r.y_true))
    assert (r.n_articles, r.n_sentences, r.n_units) == (2, 5, 5)


def test_units_keep_gold_pred_and_scores(hand_result: EvaluationResult) -> None:
    u = hand_result.units[0]
    assert (u.article_id, u.kind, u.text, u.gold, u.pred) == (
        "a", "sentence", S1, ["strike"], ["attack", "strike"])
    assert u.scores["strike"] == pytest.approx(0.9)
    text = HAND[0].text
    assert text[u.start:u.end] == S1
    assert [e.text for e in hand_result.errors] == [S1, S2, S3, S5]
    assert hand_result.y_pred.tolist()[0] == [1, 1, 0, 0]


def test_to_dict_is_json_with_required_keys(hand_result: EvaluationResult) -> None:
    d = json.loads(json.dumps(hand_result.to_dict()))
    for key in ("macro_f1", "micro_f1", "per_label", "n_articles", "n_sentences",
                "samples_f1", "exact_match", "any_event_f1", "macro_f1_ci", "ece"):
        assert key in d
    assert set(d["per_label"]["attack"]) >= {"precision", "recall", "f1", "support"}
    assert "units" not in d
    assert len(hand_result.to_dict(include_units=True)["units"]) == 5


def test_gold_mode_passes_titles_and_gold_sentences() -> None:
    model = LookupModel(HAND_PROBS)
    evaluate(model, HAND, n_bootstrap=0)
    assert model.calls == [("Depot", [S1, S2, S3]), (None, [S4, S5])]


def test_label_subset_scores_only_those_labels() -> None:
    r = evaluate(LookupModel(HAND_PROBS), HAND, labels="attack,strike", n_bootstrap=0)
    assert r.labels == ["attack", "strike"] and set(r.per_label) == {"attack", "strike"}
    assert r.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert r.micro_f1 == pytest.approx(4 / 7)  # TP 2, FP 2, FN 1
    assert all(set(u.gold) <= {"attack", "strike"} for u in r.units)
    one = evaluate(LookupModel(HAND_PROBS), HAND, labels=["strike"], n_bootstrap=0)
    assert one.macro_f1 == pytest.approx(2 / 3) and one.micro_f1 == pytest.approx(2 / 3)
    # one label: a unit is right or wrong, so sample F1 is exact match (S2 is wrong)
    assert one.samples_f1 == one.exact_match == pytest.approx(4 / 5)
    with pytest.raises(UnknownLabelError):
        evaluate(LookupModel(HAND_PROBS), HAND, labels="attack,riot")


def test_article_level_is_union_of_sentences() -> None:
    r = evaluate(LookupModel(HAND_PROBS), HAND, level="article", n_bootstrap=0)
    assert r.n_units == 2 and [u.kind for u in r.units] == ["article", "article"]
    # a: gold {strike, condemnation}, predicted max -> all four labels
    assert r.units[0].gold == ["strike", "condemnation"]
    assert r.units[0].pred == list(LABELS)
    assert r.units[0].scores["strike"] == pytest.approx(0.9)
    # b: gold {attack, statement}, predicted {attack} (statement max 0.3)
    assert r.units[1].pred == ["attack"]
    # attack F1 2/3, strike 1, condemnation 1, statement 0
    assert r.macro_f1 == pytest.approx((2 / 3 + 1 + 1 + 0) / 4)
    with pytest.raises(ValueError, match="level"):
        evaluate(LookupModel(HAND_PROBS), HAND, level="paragraph")


def test_thresholds_come_from_the_model() -> None:
    model = LookupModel(HAND_PROBS, thresholds=[0.65, 0.5, 0.5, 0.25])
    r = evaluate(model, HAND, n_bootstrap=0)
    assert r.units[0].pred == ["strike"]  # attack 0.6 < 0.65
    assert r.units[4].pred == ["statement"]  # statement 0.3 >= 0.25, attack 0.55 < 0.65
    assert r.thresholds == {"attack": 0.65, "strike": 0.5, "condemnation": 0.5,
                            "statement": 0.25}


# --------------------------------------------------------------------------- alignment
def test_align_identical_split_merged_and_disjoint() -> None:
    assert align_spans([(0, 5), (6, 10)], [(0, 5), (6, 10)]) == ({0: 0, 1: 1}, [])
    # split: the gold sentence goes to its larger part, the other part is unmatched
    assert align_spans([(0, 20)], [(0, 8), (9, 20)]) == ({0: 1}, [0])
    # merged: the predicted sentence goes to the gold one it shares more characters with
    assert align_spans([(0, 10), (11, 30)], [(0, 30)]) == ({1: 0}, [])
    assert align_spans([(0, 5)], [(10, 15)]) == ({}, [0])
    assert align_spans([], [(0, 3)]) == ({}, [0])
    # one to one: two gold sentences cannot share one prediction
    matches, unmatched = align_spans([(0, 4), (5, 9), (10, 20)], [(0, 9), (10, 20)])
    assert matches == {0: 0, 2: 1} or matches == {1: 0, 2: 1}
    assert unmatched == []


def spans_of(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    out, cursor = [], 0
    for piece in pieces:
        start = text.index(piece, cursor)
        out.append((start, start + len(piece)))
        cursor = start + len(piece)
    return out


def test_end_to_end_split_sentence_counts_missed_and_spurious_labels() -> None:
    gold = article("e", [("Jets bombed the depot and the army said it was over.", ["strike",
                                                                                    "statement"]),
                         ("Prices rose.", [])])
    text = gold.text
    frag_a, frag_b = "Jets bombed the depot", "and the army said it was over."
    model = LookupModel({frag_a: {"strike": 0.9}, frag_b: {"statement": 0.8, "strike": 0.7}})

    r = evaluate(model, [gold], end_to_end=True, n_bootstrap=0,
                 segmenter=lambda t: spans_of(t, [frag_a, frag_b, "Prices rose."]))
    # the gold sentence matches the longer fragment (frag_b); frag_a is spurious
    kinds = [u.kind for u in r.units]
    assert kinds == ["sentence", "sentence", "spurious"]
    first = r.units[0]
    assert (first.start, first.end) == (0, len(gold.sentences[0].text))
    assert first.pred_spans == [spans_of(text, [frag_b])[0]]
    assert first.pred == ["strike", "statement"]
    spurious = r.units[2]
    assert spurious.gold == [] and spurious.pred == ["strike"]
    assert text[spurious.start:spurious.end] == frag_a
    assert r.per_label["strike"]["tp"] == 1 and r.per_label["strike"]["fp"] == 1
    assert r.alignment == {"n_predicted": 3, "n_matched": 2, "n_exact": 1, "n_missed": 0,
                           "n_spurious": 1}
    assert model.calls[0][1] == [frag_a, frag_b, "Prices rose."]


def test_end_to_end_merged_sentences_miss_the_smaller_gold_one() -> None:
    gold = article("m", [("Gunmen attacked a bus.", ["attack"]),
                         ("The governor condemned the killings.", ["condemnation", "attack"])])
    merged = gold.text
    model = LookupModel({merged: {"attack": 0.8, "condemnation": 0.9}})
    r = evaluate(model, [gold], end_to_end=True, n_bootstrap=0,
                 segmenter=lambda t: [(0, len(t))])
    assert [u.kind for u in r.units] == ["missed", "sentence"]
    missed = r.units[0]
    assert missed.pred == [] and missed.gold == ["attack"]
    assert all(p == 0.0 for p in missed.scores.values())
    per = r.per_label
    assert (per["attack"]["tp"], per["attack"]["fn"], per["attack"]["fp"]) == (1, 1, 0)
    assert per["condemnation"]["tp"] == 1
    assert r.alignment["n_missed"] == 1 and r.alignment["n_spurious"] == 0


def test_end_to_end_unmatched_prediction_outside_gold_is_a_false_positive() -> None:
    sentence = "Troops shelled the town."
    text = f"KABUL, May 3\n\n{sentence}"
    art = AnnotatedArticle("d", text, [AnnotatedSentence(14, len(text), sentence, ["strike"])])
    model = LookupModel({"KABUL, May 3": {"attack": 0.7}, sentence: {"strike": 0.9}})
    r = evaluate(model, [art], end_to_end=True, n_bootstrap=0,
                 segmenter=lambda t: [(0, 12), (14, len(t))])
    assert [u.kind for u in r.units] == ["sentence", "spurious"]
    assert r.per_label["attack"]["fp"] == 1 and r.per_label["strike"]["tp"] == 1
    assert r.alignment["n_exact"] == 1


def test_end_to_end_with_the_real_segmenter(articles_path) -> None:
    articles = read_articles(articles_path)
    table = {s.text: {label: 1.0 for label in s.labels} for a in articles for s in a.sentences}
    gold_mode = evaluate(LookupModel(table), articles, n_bootstrap=0)
    e2e_model = LookupModel(table)
    e2e = evaluate(e2e_model, articles, end_to_end=True, n_bootstrap=0)
    assert gold_mode.macro_f1 == 1.0
    # the news segmenter recovers every gold sentence of these articles exactly
    assert e2e.alignment["n_exact"] == e2e.n_sentences == gold_mode.n_sentences
    assert e2e.macro_f1 == 1.0
    # end-to-end uses the article's first line as title context, like `eventx extract`
    assert e2e_model.calls[0][0] == articles[0].text.split("\n")[0]


# --------------------------------------------------------------------------- snippets
def test_snippet_is_segmented_and_scored_as_one_unit() -> None:
    snippet, problems = parse_article({"id": "s1", "text": "Gunmen attacked a bus. "
                                       "The army said it would respond.",
                                       "labels": ["attack", "statement"]})
    assert not problems and snippet.is_snippet
    model = LookupModel({"Gunmen attacked a bus.": {"attack": 0.9, "statement": 0.1},
                         "The army said it would respond.": {"statement": 0.8}})
    for end_to_end in (False, True):
        model.calls.clear()
        r = evaluate(model, [snippet], end_to_end=end_to_end, n_bootstrap=0)
        assert model.calls[0][1] == ["Gunmen attacked a bus.", "The army said it would respond."]
        assert r.n_units == 1 and r.units[0].kind == "snippet"
        assert r.units[0].pred == ["attack", "statement"] == r.units[0].gold
        assert r.units[0].scores["statement"] == pytest.approx(0.8)
        assert len(r.units[0].pred_spans) == 2
        # attack and statement right (F1 1); strike and condemnation unannotated (F1 0)
        assert r.macro_f1 == pytest.approx(0.5)
        assert r.exact_match == 1.0
        assert any("strike" in w for w in r.warnings)
    only = evaluate(model, [snippet], labels="attack,statement", n_bootstrap=0)
    assert only.macro_f1 == 1.0 and not only.warnings


def test_mixed_articles_and_snippets(articles_path) -> None:
    snippet, _ = parse_article({"id": "s", "text": "Nothing happened.", "labels": []})
    articles = [*read_articles(articles_path), snippet]
    r = evaluate(LookupModel({}), articles, n_bootstrap=0)
    assert r.n_articles == 7 and r.units[-1].kind == "snippet"
    assert r.units[-1].correct


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_resamples_whole_articles() -> None:
    # Article 0 is all right, article 1 all wrong: a resample is both-0 (F1 1),
    # both-1 (F1 0) or mixed, so the 95% interval spans exactly [0, 1].
    y_true = np.array([[1, 1], [1, 1], [1, 1], [1, 1]])
    y_pred = np.array([[1, 1], [1, 1], [0, 0], [0, 0]])
    low, high = bootstrap_macro_f1_ci(y_true, y_pred, np.array([0, 0, 1, 1]), 2000, seed=1)
    assert (low, high) == (0.0, 1.0)
    # one article: every resample is that article
    assert bootstrap_macro_f1_ci(y_true, y_pred, np.zeros(4, dtype=int), 50) == \
        pytest.approx((2 / 3, 2 / 3))


def test_bootstrap_is_seeded(articles_path) -> None:
    articles = read_articles(articles_path)
    model = LookupModel({s.text: {"attack": 0.9} for a in articles for s in a.sentences[::2]})
    a = evaluate(model, articles, n_bootstrap=300, seed=3).macro_f1_ci
    b = evaluate(model, articles, n_bootstrap=300, seed=3).macro_f1_ci
    assert a == b and a[0] <= a[1]
    assert evaluate(model, articles, n_bootstrap=0).macro_f1_ci is None


def test_compute_metrics_matches_sklearn_on_random_data() -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, (200, 4))
    y_prob = np.clip(y_true * 0.5 + rng.random((200, 4)) * 0.6, 0, 1)
    y_pred = (y_prob >= 0.5).astype(int)
    m = compute_metrics(y_true, y_pred, y_prob, LABELS, n_bootstrap=0)
    assert m["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["micro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="micro"))


# --------------------------------------------------------------------------- inputs
def test_data_from_a_path(articles_path) -> None:
    r = evaluate(LookupModel({}), articles_path, n_bootstrap=0)
    assert r.data == str(articles_path) and r.n_articles == 6


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="no articles"):
        evaluate(LookupModel({}), [])

    class Short(LookupModel):
        def predict_proba_articles(self, articles, batch_size=None, show_progress_bar=False):
            return [rows[:-1] for rows in super().predict_proba_articles(articles)]

    with pytest.raises(ValueError, match="rows"):
        evaluate(Short({}), HAND)


def test_real_model_scores(tiny_model_dir, articles_path) -> None:
    from eventx.pipeline import load

    extractor = load(tiny_model_dir)
    r = evaluate(extractor, articles_path, n_bootstrap=100)
    assert r.n_sentences == 29 and 0.0 <= r.macro_f1 <= 1.0
    assert r.thresholds == dict(zip(LABELS, extractor.thresholds, strict=True))
    e2e = evaluate(extractor, articles_path, end_to_end=True, n_bootstrap=0)
    assert e2e.alignment["n_matched"] == e2e.n_sentences
