"""One model from several seeds: single runs against their weight soup and logit ensemble.

    python benchmarks/seed_soup.py [--runs runs/exp] [--recipe v3_attn0_e6_lr4_r32]

For the seeds of one recipe (``RUNS/RECIPE/seedN``, written by ``train_default.py``) this
builds the soup (`eventx.soup.average_lora_runs`, written to ``RUNS/RECIPE/soup``) and
scores, with rule fusion and thresholds fitted on validation as training fits them:
each seed alone, the soup (one model: inference cost of one run), and the ensemble (mean
of the seeds' logits: cost of all of them together). Macro-F1 is cross-fitted by article
on validation and held out on test and test_unseen (`threshold_rule.scores`); fp32, gold
sentences, corpus splits only. Writes ``benchmarks/results/seed_soup.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from threshold_rule import scores, split_data
from trained_runs import RESULTS, find

from eventx.labels import LABELS

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("validation_cross_fitted", "test", "test_unseen")


def render(recipe: str, rows: dict[str, dict]) -> str:
    strike = LABELS.index("strike")
    n_seeds = sum(k.startswith("seed") and k != "seed mean" for k in rows)
    lines = [
        "# Seed soup",
        "",
        f"Recipe `{recipe}`, {n_seeds} seeds. Rule fusion and "
        "thresholds refitted on the current validation split for every row (fp32, gold "
        "sentences); validation is cross-fitted by article, test and test_unseen are held "
        "out. *soup*: the seeds' LoRA updates and heads averaged into one model "
        "(`eventx.soup`); *ensemble*: the mean of the seeds' logits (one forward pass per "
        "seed). Written by `benchmarks/seed_soup.py`.",
        "",
        "| model | validation (cross-fitted) | test | test_unseen | `strike` F1 on test_unseen "
        "| thresholds | forward passes |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name, row in rows.items():
        cells = [f"{row[k]:.4f}" for k in COLUMNS]
        passes = n_seeds if name == "ensemble" else 1
        thresholds = ", ".join(f"{t:.2f}" for t in row["thresholds"]) if "thresholds" in row \
            else "–"
        lines.append(f"| {name} | {' | '.join(cells)} | {row['test_unseen_f1'][strike]:.4f} "
                     f"| {thresholds} | {passes} |")
    mean, soup = rows["seed mean"], rows["soup"]
    met = all(soup[k] >= mean[k] for k in ("validation_cross_fitted", "test_unseen"))
    lines += ["", "Rule written before the first soup was measured: ship the soup when its "
              "cross-fitted validation and test_unseen macro-F1 are both at least the "
              f"seeds' mean (and its int8 check passes). Here: **{'met' if met else 'not met'}"
              "**. The test split is reported, not used."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from eventx.corpus import corpus_file
    from eventx.soup import average_lora_runs

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "exp")
    parser.add_argument("--recipe", default="v3_attn0_e6_lr4_r32")
    args = parser.parse_args(argv)
    seeds = find(args.runs, [args.recipe])
    if len(seeds) < 2:
        print(f"need at least two trained seeds of {args.recipe} under {args.runs}",
              file=sys.stderr)
        return 1
    data = {run.name: split_data(run) for run in seeds}
    rows = {name: scores(d) for name, d in data.items()}
    rows["seed mean"] = {k: statistics.mean(r[k] for r in rows.values()) for k in COLUMNS}
    rows["seed mean"]["test_unseen_f1"] = np.mean(
        [rows[run.name]["test_unseen_f1"] for run in seeds], axis=0).round(4).tolist()
    soup = args.runs / args.recipe / "soup"
    average_lora_runs(seeds, soup, corpus_file("validation"))
    rows["soup"] = scores(split_data(soup))
    first = data[seeds[0].name]
    rows["ensemble"] = scores({
        split: (np.mean([d[split][0] for d in data.values()], axis=0), *first[split][1:])
        for split in first
    })
    text = render(args.recipe, rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "seed_soup.md").write_text(text)
    (RESULTS / "seed_soup.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
