"""How per-label thresholds are chosen on validation: F1's maximum, or near it.

    python benchmarks/threshold_rule.py [--runs runs/exp] [--recipes NAME ...]

`eventx.calibration.find_thresholds` takes the threshold of best validation F1 per label.
When the F1 curve is flat that can land far from 0.5 (a `strike` threshold of 0.18, say),
an operating point that rests on a few validation sentences. With a ``tolerance`` every
threshold within that much F1 of the best counts as tied and the one nearest 0.5 wins.
For each trained run (rule fusion refitted on the current validation split, in fp32) this
scores each rule three ways: validation macro-F1 cross-fitted by article (fusion and
thresholds fitted on 4 folds, scored on the fifth, over the int8 check's 5 fold splits),
and test and test_unseen macro-F1 with everything fitted on the whole validation split.
Only corpus splits are read. Writes ``benchmarks/results/threshold_rule.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trained_runs import find, measure_all

ROOT = Path(__file__).resolve().parent.parent
RULES = {"max F1": 0.0, "within 0.005": 0.005, "within 0.01": 0.01, "within 0.02": 0.02,
         "0.5": 1.0}
"""Rule name -> F1 tolerance (1: every threshold ties, so 0.5 wins)."""
SPLITS = ("validation", "test", "test_unseen")


def split_data(run_dir: Path) -> dict[str, tuple[np.ndarray, ...]]:
    """Logits, keyword scores, targets and article index of each corpus split's sentences,
    read as training reads validation (`eventx.quantization`'s gold sentences)."""
    from eventx.corpus import load_articles
    from eventx.modeling import EventClassifier
    from eventx.quantization import _GoldSentences

    clf = EventClassifier.from_pretrained(run_dir)
    out = {}
    for split in SPLITS:
        gold = _GoldSentences.of(load_articles(split), clf.config)
        logits = clf.logits(gold.texts, gold.contexts, 128).numpy()
        out[split] = (logits, gold.rule_scores, gold.targets, gold.article)
    return out


def _fit(logits: np.ndarray, rules: np.ndarray, targets: np.ndarray, tolerance: float):
    """Rule fusion and thresholds fitted as training fits them, with the given rule."""
    from eventx.calibration import find_thresholds
    from eventx.fusion import RuleFusion

    fusion = RuleFusion.fit(logits, rules, targets)
    return fusion, np.asarray(find_thresholds(fusion.probabilities(logits, rules), targets,
                                              tolerance))


def scores(data: dict[str, tuple[np.ndarray, ...]], tolerance: float = 0.0) -> dict[str, Any]:
    """Macro-F1 with fusion and thresholds fitted on validation (``tolerance`` as in
    `find_thresholds`): validation cross-fitted by article, test and test_unseen held out;
    with the thresholds and test_unseen's per-label F1."""
    from eventx.calibration import macro_f1
    from eventx.quantization import CROSS_FIT_FOLDS, CROSS_FIT_SPLITS, article_folds

    logits, rules, targets, article = data["validation"]
    crossed = []
    for split in range(CROSS_FIT_SPLITS):
        fold = article_folds(article, split)
        decided = np.zeros_like(targets)
        for f in range(CROSS_FIT_FOLDS):
            fit, out = fold != f, fold == f
            fusion, thresholds = _fit(logits[fit], rules[fit], targets[fit], tolerance)
            decided[out] = fusion.probabilities(logits[out], rules[out]) >= thresholds
        crossed.append(macro_f1(targets, decided)[0])
    fusion, thresholds = _fit(logits, rules, targets, tolerance)
    row: dict[str, Any] = {"validation_cross_fitted": float(np.mean(crossed)),
                           "thresholds": [round(float(t), 2) for t in thresholds]}
    for split in ("test", "test_unseen"):
        lg, rs, y, _ = data[split]
        row[split], per_label = macro_f1(y, fusion.probabilities(lg, rs) >= thresholds)
    row["test_unseen_f1"] = [round(float(v), 4) for v in per_label]
    return row


def measure(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Each rule's cross-fitted validation, test and test_unseen macro-F1 for one run."""
    data = split_data(run_dir)
    return {name: scores(data, tolerance) for name, tolerance in RULES.items()}


def render(rows: dict[str, dict]) -> str:
    lines = [
        "# Threshold rule",
        "",
        "Macro-F1 of each way of choosing per-label thresholds on validation, mean ± sd over "
        f"{len(rows)} trained runs ({', '.join(sorted({k.split('/')[0] for k in rows}))}); "
        "rule fusion refitted on the current validation split, fp32, gold sentences. "
        "'validation' is cross-fitted by article; test and test_unseen are held out. "
        "`strike` thresholds are those of each run in order.",
        "",
        "| rule | validation (cross-fitted) | test | test_unseen | `strike` thresholds |",
        "|---|---:|---:|---:|---|",
    ]
    for name in RULES:
        cells = []
        for key in ("validation_cross_fitted", "test", "test_unseen"):
            v = [r[name][key] for r in rows.values()]
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            cells.append(f"{statistics.mean(v):.4f} ± {sd:.4f}")
        strike = ", ".join(f"{r[name]['thresholds'][1]:.2f}" for r in rows.values())
        lines.append(f"| {name} | {' | '.join(cells)} | {strike} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "exp")
    parser.add_argument("--recipes", nargs="+", default=None,
                        help="recipe directories to read (default: all under --runs)")
    args = parser.parse_args(argv)
    return measure_all(find(args.runs, args.recipes), measure, render, "threshold_rule")


if __name__ == "__main__":
    sys.exit(main())
