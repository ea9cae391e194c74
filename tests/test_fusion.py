from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eventx.calibration import expected_calibration_error
from eventx.data import read_articles
from eventx.fusion import (
    RuleFusion,
    article_rule_scores,
    calibrated_probabilities,
    sentence_rule_scores,
)
from eventx.labels import LABELS
from eventx.modeling import EventClassifier, EventxConfig


def _synthetic(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gold labels, a noisy over-confident logit, and a rule score with information of its
    own."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(n, len(LABELS)))
    logits = 3.0 * (1.5 * (2 * y - 1) + rng.normal(0, 2.0, size=y.shape))
    rules = np.clip(0.7 * y + rng.normal(0.15, 0.2, size=y.shape), 0, 1)
    return y, logits, rules


def test_fit_uses_both_signals_and_beats_the_logit_alone() -> None:
    y, logits, rules = _synthetic()
    fusion = RuleFusion.fit(logits, rules, y)
    assert all(w > 0 for w in fusion.logit_weight) and all(w > 0 for w in fusion.rule_weight)
    y2, logits2, rules2 = _synthetic(seed=1)
    fused = fusion.probabilities(logits2, rules2)
    alone = 1 / (1 + np.exp(-logits2))
    acc_fused = ((fused >= 0.5) == y2).mean()
    acc_alone = ((alone >= 0.5) == y2).mean()
    assert acc_fused > acc_alone + 0.05
    assert expected_calibration_error(fused, y2) < expected_calibration_error(alone, y2)


def test_single_class_label_keeps_the_plain_sigmoid() -> None:
    y, logits, rules = _synthetic()
    y[:, 2] = 0
    fusion = RuleFusion.fit(logits, rules, y)
    assert (fusion.logit_weight[2], fusion.rule_weight[2], fusion.bias[2]) == (1.0, 0.0, 0.0)


def test_round_trip_and_unknown_rules() -> None:
    y, logits, rules = _synthetic()
    fusion = RuleFusion.fit(logits, rules, y)
    again = RuleFusion.from_dict(json.loads(json.dumps(fusion.to_dict())))
    assert np.allclose(again.probabilities(logits, rules), fusion.probabilities(logits, rules))
    with pytest.raises(ValueError, match="rule coder"):
        RuleFusion.from_dict({**fusion.to_dict(), "rules": "regex-v9"})


def test_article_context_reaches_anaphora() -> None:
    first = "Gunmen stormed a police post in the town overnight, killing four officers."
    later = "The raid was the third this month."
    alone = sentence_rule_scores([later])[0]
    in_article = article_rule_scores([(None, [first, later])])
    assert in_article.shape == (2, len(LABELS))
    attack = LABELS.index("attack")
    assert in_article[0, attack] >= 0.5
    assert in_article[1, attack] > alone[attack]


def test_config_without_fusion_uses_temperatures() -> None:
    config = EventxConfig(temperatures=[2.0, 1.0, 1.0, 0.5])
    probs = calibrated_probabilities(config, np.array([[2.0, 2.0, 0.0, 1.0]]), ["x"])
    assert np.allclose(probs, 1 / (1 + np.exp(-np.array([[1.0, 2.0, 0.0, 2.0]]))))


def test_trained_model_carries_fusion_and_uses_article_context(
    tiny_model_dir: Path, articles_path: Path
) -> None:
    config = json.loads((tiny_model_dir / "eventx_config.json").read_text())
    assert config["fusion"]["rules"] == "keyword"
    assert config["scores"]["calibration"]["method"] == "rule fusion"
    clf = EventClassifier.from_pretrained(tiny_model_dir)
    article = read_articles(articles_path)[0]
    sents = [s.text for s in article.sentences]
    rules = article_rule_scores([(article.title, sents)])
    logits = clf.logits(sents).numpy()
    expected = RuleFusion.from_dict(config["fusion"]).probabilities(logits, rules)
    got = clf.predict_proba(sents, rule_scores=rules).numpy()
    assert np.allclose(got, expected, atol=1e-5)

    from eventx.pipeline import Extractor

    extractor = Extractor(clf)
    from_scorer = np.asarray(extractor.predict_proba_articles([(article.title, sents)])[0])
    assert np.allclose(from_scorer, expected, atol=1e-4)
