"""Would the rule fusion gain from what the rest of the article says?

    python benchmarks/article_fusion.py [--runs runs/exp] [--recipes attn0_e7_lr4 attn0_e7]

A sentence often names its event only by reference ("the attack", "the crime"), and
whether that event is a `strike` depends on who fired, which another sentence says. The
shipped fusion (`eventx.fusion`) sees one sentence at a time. This compares, for every
trained run (``RUNS/RECIPE/seedN``, written by ``train_default.py``), three fusions per
label, each a logistic regression fitted on validation as the shipped one is:

- ``plain``: the encoder's logit and the keyword coder's score (what ships);
- ``+ other logits``: also the label's largest logit among the article's *other*
  sentences;
- ``+ other logits and rules``: also the largest keyword score among them.

Sentences alone in their article keep the plain fusion. The choice is made on
validation, cross-fitted by article as the int8 check is (`eventx.quantization`);
test and test_unseen are reported beside it. Writes
``benchmarks/results/article_fusion.md`` and ``.json``. External data is not read: its
snippets are mostly single sentences, where all three variants are the same.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import trained_runs

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("validation", "test", "test_unseen")
VARIANTS = ("plain", "+ other logits", "+ other logits and rules")


def other_max(values: np.ndarray, article: np.ndarray) -> np.ndarray:
    """Per sentence and label, the largest value among the other sentences of its article
    (NaN for a sentence alone in its article)."""
    out = np.full(values.shape, np.nan)
    for a in np.unique(article):
        idx = np.flatnonzero(article == a)
        if len(idx) < 2:
            continue
        block = values[idx]
        top = np.sort(block, axis=0)
        first, second = top[-1], top[-2]
        # Drop the sentence itself: the article's maximum, unless the sentence holds it.
        out[idx] = np.where(block == first, second, first)
    return out


def features(logits: np.ndarray, rules: np.ndarray, article: np.ndarray,
             variant: str) -> np.ndarray:
    """Fusion inputs, shape ``(n, n_labels, n_features)``."""
    columns = [logits, rules]
    if variant != "plain":
        columns.append(other_max(logits, article))
    if variant == "+ other logits and rules":
        columns.append(other_max(rules, article))
    return np.stack(columns, axis=-1)


class Fusion:
    """One logistic regression per label on the plain inputs, and one on all inputs for
    sentences that have an article around them."""

    def __init__(self, x: np.ndarray, targets: np.ndarray) -> None:
        from sklearn.linear_model import LogisticRegression

        self.models = []
        for j in range(x.shape[1]):
            known = ~np.isnan(x[:, j]).any(axis=1)
            plain = LogisticRegression(C=1.0).fit(x[:, j, :2], targets[:, j])
            full = (LogisticRegression(C=1.0).fit(x[known, j], targets[known, j])
                    if x.shape[2] > 2 else None)
            self.models.append((plain, full))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        probs = np.zeros(x.shape[:2])
        for j, (plain, full) in enumerate(self.models):
            probs[:, j] = plain.predict_proba(x[:, j, :2])[:, 1]
            known = ~np.isnan(x[:, j]).any(axis=1)
            if full is not None and known.any():
                probs[known, j] = full.predict_proba(x[known, j])[:, 1]
        return probs


def fitted(x: np.ndarray, targets: np.ndarray) -> tuple[Fusion, np.ndarray]:
    """The fusion and its thresholds, both fitted on ``x``."""
    from eventx.calibration import find_thresholds

    fusion = Fusion(x, targets)
    return fusion, np.asarray(find_thresholds(fusion(x), targets))


def cross_fitted_f1(x: np.ndarray, targets: np.ndarray, article: np.ndarray) -> float:
    """Validation macro-F1 with fusion and thresholds fitted out of fold, by article."""
    from eventx.calibration import macro_f1
    from eventx.quantization import CROSS_FIT_FOLDS, CROSS_FIT_SPLITS, article_folds

    scores = []
    for split in range(CROSS_FIT_SPLITS):
        fold = article_folds(article, split)
        decided = np.zeros_like(targets)
        for f in range(CROSS_FIT_FOLDS):
            fusion, thresholds = fitted(x[fold != f], targets[fold != f])
            decided[fold == f] = fusion(x[fold == f]) >= thresholds
        scores.append(macro_f1(targets, decided)[0])
    return float(np.mean(scores))


def measure(run_dir: Path) -> dict[str, dict[str, float]]:
    """Macro-F1 (points) of each variant: cross-fitted on validation, fitted on validation
    and applied to test and test_unseen, and `strike` F1 on test_unseen."""
    from eventx.calibration import macro_f1
    from eventx.corpus import load_articles
    from eventx.labels import LABELS
    from eventx.pipeline import TruncationWarning, load
    from eventx.quantization import _GoldSentences

    extractor = load(run_dir, precision="fp32")
    data = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        for split in SPLITS:
            gold = _GoldSentences.of(load_articles(split), extractor.config)
            data[split] = (extractor.scorer.logits(gold.texts), gold)
    row = {}
    for variant in VARIANTS:
        x = {s: features(lg, g.rule_scores, g.article, variant) for s, (lg, g) in data.items()}
        val = data["validation"][1]
        fusion, thresholds = fitted(x["validation"], val.targets)
        result = {"validation_cross_fitted": cross_fitted_f1(x["validation"], val.targets,
                                                             val.article)}
        for split in ("test", "test_unseen"):
            f1, per_label = macro_f1(data[split][1].targets, fusion(x[split]) >= thresholds)
            result[split] = f1
            if split == "test_unseen":
                result["strike_test_unseen"] = per_label[LABELS.index("strike")]
        row[variant] = {k: round(100 * v, 2) for k, v in result.items()}
    return row


COLUMNS = ("validation_cross_fitted", "test", "test_unseen", "strike_test_unseen")


def render(rows: dict[str, dict[str, dict[str, float]]]) -> str:
    def mean_sd(values: list[float]) -> str:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.2f} ± {sd:.2f}"

    lines = [
        "# Rule fusion with article features",
        "",
        f"Measured {datetime.now(timezone.utc).isoformat(timespec='seconds')} by "
        "`python benchmarks/article_fusion.py`, fp32 logits of every run. Macro-F1 in points; "
        "'validation, cross-fitted' fits fusion and thresholds on 4/5 of the validation "
        "articles and scores the rest (5 random splits), and is what a variant is chosen "
        "by; test columns use fusion and thresholds fitted on all of validation.",
        "",
        f"## Mean ± sd over {len(rows)} runs",
        "",
        "| fusion | validation, cross-fitted | test | test_unseen | strike F1 on test_unseen |",
        "|---|---:|---:|---:|---:|",
    ]
    for variant in VARIANTS:
        cells = [mean_sd([r[variant][c] for r in rows.values()]) for c in COLUMNS]
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    lines += ["", "## Per run", "",
              "| run | fusion | validation, cross-fitted | test | test_unseen | strike F1 on "
              "test_unseen |", "|---|---|---:|---:|---:|---:|"]
    for run, row in rows.items():
        for variant in VARIANTS:
            lines.append(f"| {run} | {variant} | "
                         + " | ".join(f"{row[variant][c]:.2f}" for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "exp")
    parser.add_argument("--recipes", nargs="+", default=["attn0_e7_lr4", "attn0_e7"])
    args = parser.parse_args()
    return trained_runs.measure_all(trained_runs.find(args.runs, args.recipes), measure,
                                    render, "article_fusion")


if __name__ == "__main__":
    sys.exit(main())
