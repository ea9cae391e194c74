"""Training speed: seconds per epoch of each fine-tuning set-up, measured side by side.

    python benchmarks/training_speed.py [--articles 150] [--rounds 2] [--threads 2]

Trains each set-up for one epoch on the same slice of the corpus train split (the first
``--articles`` articles; validation: the first 10 validation articles), alternating the
set-ups round by round in this one process, and reports the best round of each: the
epoch's seconds (training steps and validation, from the training log), the one-time
cost of filling the frozen-layer cache, and the whole `eventx.trainer.train` call
(model set-up, cache, epoch, calibration, saving). The ratio compares epochs with LoRA
over the whole encoder run the plain way: MiniLM's own dropout everywhere and each step
one forward and backward over all cores (``workers=1``); the other set-ups split each
step over single-core worker threads (``TrainingArguments.workers``, default). Writes
``benchmarks/results/training_speed.md``. Full-run minutes are in ``recipes.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from eventx.corpus import load_articles
from eventx.trainer import LOG_NAME, train
from eventx.training_args import TrainingArguments

RESULTS = Path(__file__).resolve().parent / "results" / "training_speed.md"
SETUPS = {
    "LoRA, MiniLM's dropout, 1 worker": {"attention_dropout": None, "workers": 1},
    "LoRA, MiniLM's dropout": {"attention_dropout": None},
    "LoRA, attention dropout 0 (default)": {},
    "LoRA, dropout 0": {"dropout": 0.0},
    "LoRA, 2 frozen layers": {"frozen_layers": 2},
    "full fine-tuning": {"adapter": "full"},
}
"""Changes to `TrainingArguments`' defaults (LoRA, ``workers=0``: one single-core worker per
CPU; attention dropout 0, hidden-state dropout MiniLM's own 0.1)."""
BASELINE = "LoRA, MiniLM's dropout, 1 worker"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: all CPUs)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import torch

    from eventx.runtime import available_cpus

    threads = args.threads or available_cpus()
    torch.set_num_threads(threads)
    train_articles = load_articles("train")[: args.articles]
    dev_articles = load_articles("validation")[:10]
    n_sentences = sum(len(a.sentences) for a in train_articles)
    base = TrainingArguments(output_dir="", epochs=1, show_progress_bar=False,
                             early_stopping_patience=0, resume=False)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in SETUPS}
    load_start = os.getloadavg()[0]
    for r in range(args.rounds):
        for name, setup in SETUPS.items():
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                clf = train(train_articles, dev_articles, replace(base, output_dir=tmp, **setup))
                total = time.perf_counter() - t
                epoch = json.loads((Path(tmp) / LOG_NAME).read_text().splitlines()[0])
            runs[name].append({"total": total, "epoch": epoch["seconds"],
                               "cache": clf.config.training["frozen_cache_seconds"]})
            print(f"round {r + 1} {name:24s} epoch {epoch['seconds']:6.1f} s, "
                  f"whole run {total:6.1f} s", flush=True)
    load_end = os.getloadavg()[0]

    best = {name: min(rs, key=lambda x: x["epoch"]) for name, rs in runs.items()}
    base_epoch = best[BASELINE]["epoch"]
    lines = [
        "# Training speed",
        "",
        f"Written by `benchmarks/training_speed.py` on {time.strftime('%Y-%m-%d %H:%M')}: "
        f"one epoch over the first {len(train_articles)} train articles ({n_sentences} "
        f"sentences), batch size {base.batch_size}, {threads} CPU threads (torch's threads "
        "with 1 worker, else one single-core worker thread each), "
        f"{os.cpu_count()} CPUs; load average {load_start:.1f} at the start and "
        f"{load_end:.1f} at the end. Each set-up ran {args.rounds} times, alternating; "
        "the round with the fastest epoch is shown, and the ratio is to the first row of "
        "the same run. An epoch includes validation on 10 articles; the cache is filled "
        "once per training run; the whole run adds model set-up, calibration and saving.",
        "",
        "| set-up | epoch seconds | sentences/s | x first row (epoch) | "
        "cache seconds | whole run seconds | epochs (s), all rounds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, b in best.items():
        rounds = ", ".join(f"{x['epoch']:.1f}" for x in runs[name])
        lines.append(f"| {name} | {b['epoch']:.1f} | {n_sentences / b['epoch']:.0f} | "
                     f"{base_epoch / b['epoch']:.2f} | {b['cache']:.1f} | {b['total']:.1f} | "
                     f"{rounds} |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
