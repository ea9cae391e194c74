"""Reports of an `EvaluationResult`: a markdown summary, an errors file, and plots.

An analyst deciding whether to trust a model's event counts reads the markdown tables
(overall scores with their confidence interval, one row per label, calibration), goes
through the errors file (every unit the model got wrong, with its text and scores), and
looks at the plots (confusion matrices, precision-recall curves, a reliability diagram).
Plots need matplotlib (``pip install 'eventx[plots]'``), imported only when drawing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from eventx.scoring import EvaluationResult, ScoredUnit


class PlotsUnavailableError(ImportError):
    """Plots were asked for but matplotlib is not installed."""


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---"] + ["---:"] * (len(header) - 1)
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


def markdown_report(result: EvaluationResult, title: str | None = None) -> str:
    """A markdown report a person reads: setting, overall scores, per-label table, notes.

    Args:
        result: What `eventx.scoring.evaluate` returned.
        title: Heading (default: names the model and the data when known).

    Returns:
        The report, ending with a newline.
    """
    r = result
    if title is None:
        title = "Evaluation" + (f" of `{r.model}`" if r.model else "") + (
            f" on `{r.data}`" if r.data else "")
    mode = "end to end (segmented text, aligned to gold)" if r.end_to_end \
        else "gold sentence boundaries"
    unit = "articles (union of their sentences)" if r.level == "article" else \
        "sentences (a labelled snippet is one unit)"
    lines = [f"# {title}", ""]
    lines += _table(["Setting", "Value"], [
        ["Articles", str(r.n_articles)],
        ["Gold sentences", str(r.n_sentences)],
        ["Units scored", f"{r.n_units} {unit}"],
        ["Segmentation", mode],
        ["Labels scored", ", ".join(r.labels)],
    ])
    ci = (f" (95% CI {_f(r.macro_f1_ci[0])}-{_f(r.macro_f1_ci[1])}, {r.n_bootstrap} "
          "resamples of whole articles)") if r.macro_f1_ci else ""
    any_event = r.any_event
    lines += ["", "## Overall", ""]
    lines += _table(["Metric", "Value"], [
        ["Macro-F1", f"**{_f(r.macro_f1)}**{ci}"],
        ["Micro-F1", _f(r.micro_f1)],
        ["Sample-averaged F1", _f(r.samples_f1)],
        ["Exact match (all labels of a unit right)", _f(r.exact_match)],
        ["Any event: F1 (precision / recall)",
         f"{_f(any_event['f1'])} ({_f(any_event['precision'])} / {_f(any_event['recall'])})"],
        ["Expected calibration error", _f(r.ece)],
    ])
    lines += ["", "## Per label", ""]
    rows = []
    for label in r.labels:
        m = r.per_label[label]
        rows.append([f"`{label}`", _f(m["precision"]), _f(m["recall"]), f"**{_f(m['f1'])}**",
                     str(m["support"]), str(m["tp"]), str(m["fp"]), str(m["fn"]),
                     _f(m["average_precision"]), _f(m["ece"]), _f(m.get("threshold"), 2)])
    lines += _table(["Label", "Precision", "Recall", "F1", "Support", "TP", "FP", "FN",
                     "Avg. precision", "ECE", "Threshold"], rows)
    if r.alignment:
        a = r.alignment
        lines += ["", "## Sentence alignment", ""]
        lines += _table(["Count", "Value"], [
            ["Predicted sentences", str(a["n_predicted"])],
            ["Matched to a gold sentence", str(a["n_matched"])],
            ["... with identical boundaries", str(a["n_exact"])],
            ["Gold sentences missed (labels count as false negatives)", str(a["n_missed"])],
            ["Predicted sentences unmatched (labels count as false positives)",
             str(a["n_spurious"])],
        ])
    n_errors = len(r.errors)
    lines += ["", "## Notes", "",
              f"- {n_errors} of {r.n_units} units have a wrong label set "
              "(`eventx evaluate --errors FILE` lists them)."]
    lines += [f"- {w}" for w in r.warnings]
    return "\n".join(lines) + "\n"


def write_markdown(result: EvaluationResult, path: str | os.PathLike[str]) -> Path:
    """Write `markdown_report` to ``path`` (parent directories are created)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_report(result), encoding="utf-8")
    return out


def error_record(unit: ScoredUnit) -> dict[str, Any]:
    """One line of the errors file: where, what, and which labels were missed or invented."""
    record = unit.to_json()
    record["false_negatives"] = [label for label in unit.gold if label not in unit.pred]
    record["false_positives"] = [label for label in unit.pred if label not in unit.gold]
    return record


def write_errors(result: EvaluationResult, path: str | os.PathLike[str]) -> int:
    """Write every wrongly labelled unit as a JSON line; returns how many were written.

    Each line has ``article``, ``kind``, ``start``/``end`` (offsets into the article
    text), ``text``, ``gold``, ``pred``, ``scores``, ``false_negatives`` and
    ``false_positives``.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    errors = result.errors
    with open(out, "w", encoding="utf-8") as f:
        for unit in errors:
            f.write(json.dumps(error_record(unit), ensure_ascii=False) + "\n")
    return len(errors)


# --------------------------------------------------------------------------- plots
def _figure(width: float, height: float) -> Any:
    """A matplotlib Figure drawn with the Agg backend (no display, no pyplot state)."""
    try:
        import matplotlib
    except ImportError as e:
        raise PlotsUnavailableError(
            "plots need matplotlib, which is not installed: pip install 'eventx[plots]'"
        ) from e
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def check_plots_available() -> None:
    """Raise `PlotsUnavailableError` now, before any work, if plots cannot be drawn."""
    _figure(1, 1)


def plot_confusion_matrices(result: EvaluationResult, path: str | os.PathLike[str]) -> Path:
    """One 2x2 confusion matrix (gold x predicted) per scored label."""
    n = len(result.labels)
    fig = _figure(3.0 * n, 3.2)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, label in zip(axes, result.labels, strict=True):
        m = result.per_label[label]
        cells = np.array([[m["tn"], m["fp"]], [m["fn"], m["tp"]]])
        ax.imshow(cells, cmap="Blues", vmin=0, vmax=max(int(cells.max()), 1))
        for (i, j), value in np.ndenumerate(cells):
            dark = value > cells.max() / 2
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if dark else "black", fontsize=12)
        ax.set_xticks([0, 1], ["no", "yes"])
        ax.set_yticks([0, 1], ["no", "yes"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"{label}  F1 {m['f1']:.2f}")
    fig.savefig(path)
    return Path(path)


def plot_precision_recall(result: EvaluationResult, path: str | os.PathLike[str]) -> Path:
    """Precision-recall curve per label, with each label's operating point."""
    from sklearn.metrics import precision_recall_curve

    fig = _figure(5.5, 4.5)
    ax = fig.subplots()
    for j, label in enumerate(result.labels):
        y, p = result.y_true[:, j], result.y_prob[:, j]
        m = result.per_label[label]
        if not y.any():
            continue
        precision, recall, _ = precision_recall_curve(y, p)
        line = ax.step(recall, precision, where="post",
                       label=f"{label} (AP {m['average_precision']:.2f})")[0]
        ax.plot([m["recall"]], [m["precision"]], "o", color=line.get_color())
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision-recall (dots: at the thresholds)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8)
    fig.savefig(path)
    return Path(path)


def plot_reliability(result: EvaluationResult, path: str | os.PathLike[str],
                     n_bins: int = 10) -> Path:
    """Reliability diagram: observed frequency against mean predicted probability."""
    from sklearn.calibration import calibration_curve

    fig = _figure(5.5, 5.5)
    ax, hist = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    pooled_y, pooled_p = result.y_true.ravel(), result.y_prob.ravel()
    series = [("all labels", pooled_y, pooled_p)] + [
        (label, result.y_true[:, j], result.y_prob[:, j])
        for j, label in enumerate(result.labels)
    ]
    for name, y, p in series:
        if len(np.unique(y)) < 2:
            continue
        frac, mean = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
        ax.plot(mean, frac, "o-" if name == "all labels" else ".-",
                lw=2.5 if name == "all labels" else 1, label=name)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("observed frequency")
    ax.set_title(f"Reliability (ECE {result.ece:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    hist.hist(pooled_p, bins=n_bins, range=(0, 1), color="grey")
    hist.set_yscale("log")
    hist.set_xlabel("predicted probability")
    hist.set_ylabel("count")
    fig.savefig(path)
    return Path(path)


def write_plots(result: EvaluationResult, directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``confusion_matrices.png``, ``precision_recall.png`` and ``reliability.png``.

    Raises:
        PlotsUnavailableError: If matplotlib is not installed.
    """
    check_plots_available()  # before creating the directory
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return [
        plot_confusion_matrices(result, out / "confusion_matrices.png"),
        plot_precision_recall(result, out / "precision_recall.png"),
        plot_reliability(result, out / "reliability.png"),
    ]
