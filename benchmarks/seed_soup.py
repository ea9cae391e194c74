"""One model from several runs: single runs against weight soups and a logit ensemble.

    python benchmarks/seed_soup.py [--runs runs/exp] [--recipes v3_attn0_e6_lr4_r32 ...]
        [--epoch-soups 2 3 6] [--pool RECIPE ...]

For the seeds of each recipe (``RUNS/RECIPE/seedN``, written by ``train_default.py``) this
builds the seed soup (`eventx.soup.average_lora_runs`, written to ``RUNS/RECIPE/soup``)
and scores, with rule fusion and thresholds fitted on validation as training fits them:
each seed alone, the soup (one model: inference cost of one run), and the ensemble (mean
of the seeds' logits: cost of all of them together). Seeds trained with
``--save-every-epoch`` also get *epoch soups*: the average of their last K epochs' weights
(one run's training cost). ``--pool`` adds the soup of the seeds of several recipes
together. Macro-F1 is cross-fitted by article on validation and held out on test and
test_unseen (`threshold_rule.scores`); fp32, gold sentences, corpus splits only. Writes
``benchmarks/results/seed_soup.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from threshold_rule import scores, split_data
from trained_runs import RESULTS, find

from eventx.labels import LABELS

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ("validation_cross_fitted", "test", "test_unseen")
RULE = ("Rule written before the first soup was measured: ship the seed soup when its "
        "cross-fitted validation and test_unseen macro-F1 are both at least its seeds' mean "
        "(and its int8 check passes). The test split is reported, not used.")


def _mean_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    mean = {k: statistics.mean(r[k] for r in rows) for k in COLUMNS}
    mean["test_unseen_f1"] = np.mean([r["test_unseen_f1"] for r in rows], axis=0).round(4).tolist()
    mean["models"] = len(rows)
    return mean


def _soup_row(runs: list[Path], out: Path) -> dict[str, Any]:
    from eventx.corpus import corpus_file
    from eventx.soup import average_lora_runs

    average_lora_runs(runs, out, corpus_file("validation"))
    return scores(split_data(out))


def measure_recipe(runs: Path, recipe: str, epoch_soups: list[int]) -> dict[str, dict]:
    """Rows of one recipe: its seeds, their mean, soup and ensemble, and epoch soups."""
    seeds = find(runs, [recipe])
    data = {run.name: split_data(run) for run in seeds}
    rows = {name: scores(d) for name, d in data.items()}
    rows["seed mean"] = _mean_row([rows[run.name] for run in seeds])
    if len(seeds) > 1:
        rows["seed soup"] = _soup_row(seeds, runs / recipe / "soup")
        first = data[seeds[0].name]
        rows["ensemble"] = scores({
            split: (np.mean([d[split][0] for d in data.values()], axis=0), *first[split][1:])
            for split in first
        })
        rows["ensemble"]["forward_passes"] = len(seeds)
    for k in epoch_soups:
        epoch_rows = []
        for run in seeds:
            epochs = sorted((run / "epochs").glob("epoch*"), key=lambda p: int(p.name[5:]))
            if len(epochs) < k:
                continue
            rows[f"{run.name}, last {k} epochs"] = _soup_row(epochs[-k:],
                                                             run / f"epoch_soup{k}")
            epoch_rows.append(rows[f"{run.name}, last {k} epochs"])
        if epoch_rows:
            rows[f"mean, last {k} epochs"] = _mean_row(epoch_rows)
    return rows


def render(sections: dict[str, dict[str, dict]]) -> str:
    strike = LABELS.index("strike")
    lines = [
        "# Seed soup",
        "",
        "Rule fusion and thresholds refitted on the current validation split for every row "
        "(fp32, gold sentences); validation is cross-fitted by article, test and "
        "test_unseen are held out. *seed soup*: the seeds' LoRA updates and heads averaged "
        "into one model (`eventx.soup`); *last K epochs*: one run's last K epochs averaged "
        "the same way; *ensemble*: the mean of the seeds' logits (one forward pass per "
        "seed); *mean* rows average the rows above them. Written by "
        "`benchmarks/seed_soup.py`.",
    ]
    for i, (title, rows) in enumerate(sections.items()):
        lines += ["", f"## {title}", "",
                  "| model | validation (cross-fitted) | test | test_unseen | `strike` F1 on "
                  "test_unseen | thresholds | forward passes |",
                  "|---|---:|---:|---:|---:|---|---:|"]
        for name, row in rows.items():
            cells = [f"{row[k]:.4f}" for k in COLUMNS]
            thresholds = (", ".join(f"{t:.2f}" for t in row["thresholds"])
                          if "thresholds" in row else f"({row['models']} models)")
            lines.append(f"| {name} | {' | '.join(cells)} | "
                         f"{row['test_unseen_f1'][strike]:.4f} | {thresholds} | "
                         f"{row.get('forward_passes', 1)} |")
        if i == 0 and "seed soup" in rows:
            mean, soup = rows["seed mean"], rows["seed soup"]
            met = all(soup[k] >= mean[k] for k in ("validation_cross_fitted", "test_unseen"))
            lines += ["", f"{RULE} Here: **{'met' if met else 'not met'}**."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "exp")
    parser.add_argument("--recipes", nargs="+", default=["v3_attn0_e6_lr4_r32"])
    parser.add_argument("--epoch-soups", type=int, nargs="*", default=[],
                        help="average each seed's last K saved epochs, for each K")
    parser.add_argument("--pool", nargs="+", default=[], metavar="RECIPE",
                        help="also the soup of these recipes' seeds all together")
    args = parser.parse_args(argv)
    if not find(args.runs, args.recipes):
        print(f"no trained seeds of {args.recipes} under {args.runs}", file=sys.stderr)
        return 1
    sections = {f"Recipe `{recipe}`": measure_recipe(args.runs, recipe, args.epoch_soups)
                for recipe in args.recipes}
    if args.pool:
        seeds = find(args.runs, args.pool)
        sections[f"All {len(seeds)} seeds together"] = {
            "seed soup": _soup_row(seeds, args.runs / "pooled_soup")}
    text = render(sections)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "seed_soup.md").write_text(text)
    (RESULTS / "seed_soup.json").write_text(json.dumps(sections, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
