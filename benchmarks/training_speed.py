"""Training speed: seconds per epoch of each fine-tuning set-up, measured side by side.

    python benchmarks/training_speed.py [--articles 120] [--rounds 2] [--threads 2]

Trains each set-up for one epoch on the same slice of the corpus train split (the first
``--articles`` articles; validation: the first 10 validation articles), alternating the
set-ups round by round in this one process, and reports the best round of each as
sentences per second and as a ratio to LoRA over the whole encoder (the recipe before
frozen layers). The time covers everything `eventx.trainer.train` does for one epoch:
model set-up, filling the frozen-layer cache, the epoch, validation, calibration and
saving. Writes ``benchmarks/results/training_speed.md``. The full-run minutes of the
shipped recipe are in the model card and ``recipes.md``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from eventx.corpus import load_articles
from eventx.trainer import train
from eventx.training_args import TrainingArguments

RESULTS = Path(__file__).resolve().parent / "results" / "training_speed.md"
SETUPS = {
    "LoRA, whole encoder": {"adapter": "lora", "frozen_layers": 0},
    "LoRA, 2 frozen layers": {"adapter": "lora", "frozen_layers": 2},
    "LoRA, 3 frozen layers": {"adapter": "lora", "frozen_layers": 3},
    "full fine-tuning": {"adapter": "full", "frozen_layers": 0},
    "full, 2 frozen layers": {"adapter": "full", "frozen_layers": 2},
}
BASELINE = "LoRA, whole encoder"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=120)
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
    seconds: dict[str, list[float]] = {name: [] for name in SETUPS}
    load_start = os.getloadavg()[0]
    for r in range(args.rounds):
        for name, setup in SETUPS.items():
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                train(train_articles, dev_articles, replace(base, output_dir=tmp, **setup))
                seconds[name].append(time.perf_counter() - t)
            print(f"round {r + 1} {name:24s} {seconds[name][-1]:6.1f} s", flush=True)
    load_end = os.getloadavg()[0]

    best = {name: min(s) for name, s in seconds.items()}
    lines = [
        "# Training speed",
        "",
        f"Written by `benchmarks/training_speed.py` on {time.strftime('%Y-%m-%d %H:%M')}: "
        f"one epoch over the first {len(train_articles)} train articles ({n_sentences} "
        f"sentences), batch size {base.batch_size}, torch threads {threads}, "
        f"{os.cpu_count()} CPUs; load average {load_start:.1f} at the start and "
        f"{load_end:.1f} at the end. Each set-up ran {args.rounds} times, alternating; "
        "the best round is shown, and the ratio is to the first row of the same run. "
        "Each time includes set-up, the frozen-layer cache, validation on 10 articles, "
        "calibration and saving.",
        "",
        "| set-up | seconds | sentences/s | x LoRA whole encoder | rounds (s) |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, s in best.items():
        rounds = ", ".join(f"{x:.1f}" for x in seconds[name])
        lines.append(f"| {name} | {s:.1f} | {n_sentences / s:.0f} | "
                     f"{best[BASELINE] / s:.2f} | {rounds} |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)


if __name__ == "__main__":
    main()
