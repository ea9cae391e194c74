"""Rule fusion: the encoder's logit and the keyword coder's score, combined per label.

The fine-tuned encoder ranks sentences well in news like its training corpus; the
keyword coder of `eventx.keyword_coder` (written from the annotation guidelines, never
trained) errs differently and holds up on news written by others. Per label, a
logistic regression with two weights and a bias, fitted on the validation split like
temperature scaling, maps ``(logit, rule score)`` to a calibrated probability and takes
the temperatures' place. Choosing it and its settings used validation and the
unseen-settings split only (``benchmarks/results/recipes.md``).

Rule scores of an article are read in order, so "the raid" after a named attack can take
the attack's label; sentences passed on their own are scored each alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from eventx.labels import LABELS

if TYPE_CHECKING:
    from eventx.modeling import EventxConfig

RULES = "keyword"
"""The rule coder fused with the encoder (`eventx.keyword_coder.KeywordBaseline`)."""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class RuleFusion:
    """Per-label weights of ``p = sigmoid(logit_weight * logit + rule_weight * rule + bias)``.

    Args:
        logit_weight: Weight of the encoder's logit, one per label.
        rule_weight: Weight of the keyword coder's score (0-1), one per label.
        bias: Intercept, one per label.
        rules: Which rule coder produced the scores.
    """

    logit_weight: list[float]
    rule_weight: list[float]
    bias: list[float]
    rules: str = RULES

    @classmethod
    def fit(
        cls, logits: np.ndarray, rule_scores: np.ndarray, targets: np.ndarray, C: float = 1.0
    ) -> RuleFusion:
        """Fit one two-feature logistic regression per label on held-out data.

        Args:
            logits: Encoder logits, shape ``(n, n_labels)``.
            rule_scores: Keyword-coder scores, same shape.
            targets: 0/1 gold labels, same shape.
            C: Inverse L2 strength (scikit-learn's convention).

        A label with a single class in ``targets`` keeps the plain sigmoid of its logit.
        """
        from sklearn.linear_model import LogisticRegression

        lw, rw, b = [], [], []
        for j in range(logits.shape[1]):
            y = np.asarray(targets[:, j]).astype(int)
            if y.min() == y.max():
                lw.append(1.0)
                rw.append(0.0)
                b.append(0.0)
                continue
            X = np.column_stack([logits[:, j], rule_scores[:, j]])
            model = LogisticRegression(C=C).fit(X, y)
            lw.append(round(float(model.coef_[0, 0]), 6))
            rw.append(round(float(model.coef_[0, 1]), 6))
            b.append(round(float(model.intercept_[0]), 6))
        return cls(lw, rw, b)

    def probabilities(self, logits: np.ndarray, rule_scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, shape ``(n, n_labels)``."""
        z = (np.asarray(logits, dtype=np.float64) * np.asarray(self.logit_weight)
             + np.asarray(rule_scores, dtype=np.float64) * np.asarray(self.rule_weight)
             + np.asarray(self.bias))
        return _sigmoid(z)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleFusion:
        if data.get("rules") != RULES:
            raise ValueError(f"unknown rule coder {data.get('rules')!r} (expected {RULES!r})")
        return cls(**{k: data[k] for k in ("logit_weight", "rule_weight", "bias", "rules")})


def sentence_rule_scores(sentences: Sequence[str]) -> np.ndarray:
    """Keyword-coder scores of sentences taken each on its own, shape ``(n, n_labels)``."""
    from eventx.keyword_coder import keyword_scores

    rows = [[s[lab] for lab in LABELS] for s in map(keyword_scores, sentences)]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(LABELS))


def article_rule_scores(articles: Sequence[tuple[str | None, Sequence[str]]]) -> np.ndarray:
    """Keyword-coder scores of every sentence of every article, stacked in order.

    Args:
        articles: ``(title, sentences)`` per article; a title that is not already the first
            sentence only sets the coder's context.
    """
    from eventx.keyword_coder import KeywordBaseline

    rows = [row for doc in KeywordBaseline().predict_proba_articles(articles) for row in doc]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(LABELS))


def calibrated_probabilities(
    config: EventxConfig,
    logits: np.ndarray,
    sentences: Sequence[str],
    rule_scores: np.ndarray | None = None,
) -> np.ndarray:
    """A model's calibrated probabilities from its logits: rule fusion when the model was
    trained with it, else per-label temperature scaling.

    Args:
        config: The model's eventx config (``fusion`` or ``temperatures``).
        logits: Encoder logits for ``sentences``.
        sentences: The sentences, scored on their own when ``rule_scores`` is None.
        rule_scores: Precomputed rule scores (in article context), if any.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if config.fusion:
        if rule_scores is None:
            rule_scores = sentence_rule_scores(sentences)
        return RuleFusion.from_dict(config.fusion).probabilities(logits, rule_scores)
    return _sigmoid(logits / np.asarray(config.temperatures, dtype=np.float64))
