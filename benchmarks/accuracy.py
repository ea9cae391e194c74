"""Accuracy benchmark: the shipped model against the keyword and TF-IDF baselines.

Usage::

    python benchmarks/accuracy.py [--model DIR ...] [--skip-external] [--bootstrap N]

Models (each is skipped with a note when it cannot be built):

- ``eventx-minilm``: the shipped model, ``models/eventx-minilm``;
- ``keyword``: `eventx.baselines.KeywordBaseline` (written from ANNOTATION.md, no training);
- ``tfidf``: `eventx.baselines.TfidfBaseline` fitted on the corpus ``train`` split, with
  per-label thresholds tuned on ``validation``;
- any ``--model`` given (a model directory, ``keyword`` or ``tfidf:DIR``).

Data sets:

- the corpus ``test`` split and ``test_unseen`` (whole conflict settings absent from train);
- every file of ``../shared/benchmarks/external/`` (relative to the repo root) whose
  ``manifest.json`` entry lists ``evaluable_labels``, scored on those labels only. These
  files are for measuring only: nothing here is fitted, tuned or chosen on them.

Scores: macro-F1 over the evaluable labels with a 95% bootstrap CI (whole articles, or
snippets, resampled; seed 0), micro-F1, per-label F1, ECE, all at gold sentence boundaries
(snippets are segmented and scored as one unit). Writes ``benchmarks/results/accuracy.md``
and ``benchmarks/results/accuracy.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from eventx.scoring import ScorableModel, evaluate  # noqa: E402

EXTERNAL = ROOT.parent / "shared" / "benchmarks" / "external"
SHIPPED = ROOT / "models" / "eventx-minilm"
RESULTS = ROOT / "benchmarks" / "results"


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    return {
        "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        **{p: _version(p) for p in ("eventx", "scikit-learn", "torch", "transformers")},
    }


def build_models(extra: list[str], notes: list[str]) -> dict[str, tuple[ScorableModel, str]]:
    """The models to compare, by name, each with a one-line description."""
    from eventx.baselines import KeywordBaseline, TfidfBaseline
    from eventx.modeling import ModelLoadError
    from eventx.scoring import load_model

    models: dict[str, tuple[ScorableModel, str]] = {}
    if SHIPPED.is_dir():
        try:
            shipped = load_model(SHIPPED)
            models["eventx-minilm"] = (shipped, f"shipped model ({SHIPPED.name}), in its "
                                       f"default precision ({shipped.precision})")
        except ModelLoadError as e:
            notes.append(f"shipped model not loadable: {e}")
    else:
        notes.append(f"shipped model absent ({SHIPPED.relative_to(ROOT)}): not scored")
    models["keyword"] = (KeywordBaseline(), "keyword coder from ANNOTATION.md, no training")
    try:
        from eventx.corpus import corpus_file

        train, validation = corpus_file("train"), corpus_file("validation")
        start = time.perf_counter()
        tfidf = TfidfBaseline().fit(train, dev=validation)
        models["tfidf"] = (tfidf, "TF-IDF word 1-2 + char 2-5 grams, logistic regression; "
                           f"fit on corpus train, thresholds on validation "
                           f"({time.perf_counter() - start:.0f} s to fit)")
    except (FileNotFoundError, ValueError) as e:
        notes.append(f"TF-IDF baseline not trained (corpus train/validation needed): {e}")
    for spec in extra:
        try:
            models[spec] = (load_model(spec), f"--model {spec}")
        except ModelLoadError as e:
            notes.append(f"--model {spec}: not loadable: {e}")
    return models


def datasets(skip_external: bool, notes: list[str]) -> list[tuple[str, Path, list[str] | None]]:
    """``(name, path, labels)`` of every data set to score; labels None means all four."""
    from eventx.corpus import corpus_file

    out: list[tuple[str, Path, list[str] | None]] = []
    for split in ("test", "test_unseen"):
        try:
            out.append((f"corpus/{split}", corpus_file(split), None))
        except FileNotFoundError:
            notes.append(f"corpus split {split!r} absent: not scored")
    if skip_external:
        notes.append("external data sets skipped (--skip-external)")
        return out
    manifest_path = EXTERNAL / "manifest.json"
    if not manifest_path.is_file():
        notes.append(f"external data sets absent ({EXTERNAL}): not scored")
        return out
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, entry in sorted(manifest.items()):
        labels = list(entry.get("evaluable_labels") or [])
        path = EXTERNAL / name
        if not labels:
            notes.append(f"external/{name}: no evaluable labels ({entry.get('note', '')}): "
                         "skipped")
        elif not path.is_file():
            notes.append(f"external/{name}: listed in the manifest but absent: skipped")
        else:
            out.append((f"external/{name}", path, labels))
    return out


def summarise(result: Any, seconds: float) -> dict[str, Any]:
    d = result.to_dict()
    return {
        "macro_f1": d["macro_f1"], "macro_f1_ci": d["macro_f1_ci"], "micro_f1": d["micro_f1"],
        "ece": d["ece"], "any_event_f1": d["any_event_f1"], "exact_match": d["exact_match"],
        "per_label": {label: {k: v[k] for k in ("precision", "recall", "f1", "support",
                                                "average_precision")}
                      for label, v in d["per_label"].items()},
        "n_articles": d["n_articles"], "n_units": d["n_units"], "seconds": round(seconds, 1),
    }


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def markdown(report: dict[str, Any]) -> str:
    """The report as markdown: one summary matrix, then one table per data set."""
    names = list(report["models"])
    lines = ["# Accuracy benchmark", "",
             f"Measured {report['date']} on {report['machine']['platform']} "
             f"({report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
             f"eventx {report['machine']['eventx']}). Macro-F1 over each data set's "
             "evaluable labels, gold sentence boundaries, 95% CI from "
             f"{report['n_bootstrap']} bootstrap resamples of whole articles.", "",
             "## Models", ""]
    lines += [f"- `{name}`: {desc}" for name, desc in report["models"].items()]
    lines += ["", "## Macro-F1", "", "| Data set | Labels | " + " | ".join(
        f"`{n}`" for n in names) + " |", "|---|---|" + "---:|" * len(names)]
    for ds in report["datasets"]:
        row = report["results"][ds["name"]]
        cells = []
        for n in names:
            r = row.get(n)
            cells.append("–" if r is None else f"{_f(r['macro_f1'])} "
                         f"[{_f(r['macro_f1_ci'][0])}, {_f(r['macro_f1_ci'][1])}]"
                         if r["macro_f1_ci"] else _f(r["macro_f1"]))
        lines.append(f"| {ds['name']} | {', '.join(ds['labels'])} | " + " | ".join(cells) + " |")
    for ds in report["datasets"]:
        labels = ds["labels"]
        lines += ["", f"## {ds['name']}", "",
                  f"{ds['n_articles']} articles/snippets, {ds['n_units']} scored units.", "",
                  "| Model | Macro-F1 | Micro-F1 | " + " | ".join(f"F1 `{x}`" for x in labels)
                  + " | ECE |", "|---|---:|---:|" + "---:|" * len(labels) + "---:|"]
        for n in names:
            r = report["results"][ds["name"]].get(n)
            if r is None:
                continue
            lines.append(f"| `{n}` | {_f(r['macro_f1'])} | {_f(r['micro_f1'])} | " + " | ".join(
                _f(r["per_label"][x]["f1"]) for x in labels) + f" | {_f(r['ece'])} |")
    if report["notes"]:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", default=[],
                        help="Extra model to compare (dir, keyword or tfidf:DIR); repeatable.")
    parser.add_argument("--skip-external", action="store_true",
                        help="Score only the corpus splits.")
    parser.add_argument("--bootstrap", type=int, default=1000, help="Resamples for the CIs.")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Directory for the results.")
    args = parser.parse_args(argv)

    notes: list[str] = []
    models = build_models(args.model, notes)
    sets = datasets(args.skip_external, notes)
    results: dict[str, dict[str, Any]] = {}
    described = []
    from eventx.data import DataValidationError, read_articles

    for name, path, labels in sets:
        try:
            articles = read_articles(path)
        except DataValidationError as e:
            notes.append(f"{name}: not readable, skipped: {str(e).splitlines()[0]}")
            continue
        results[name] = {}
        n_units = 0
        for model_name, (model, _) in models.items():
            start = time.perf_counter()
            result = evaluate(model, articles, labels=labels, n_bootstrap=args.bootstrap,
                              seed=0, show_progress_bar=sys.stderr.isatty())
            results[name][model_name] = summarise(result, time.perf_counter() - start)
            n_units = result.n_units
            print(f"{name:45s} {model_name:16s} macro-F1 {result.macro_f1:.3f}",
                  file=sys.stderr)
        described.append({"name": name, "path": str(path), "labels": labels or
                          ["attack", "strike", "condemnation", "statement"],
                          "n_articles": len(articles), "n_units": n_units})
    report = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(), "n_bootstrap": args.bootstrap,
        "models": {name: desc for name, (_, desc) in models.items()},
        "datasets": described, "results": results, "notes": notes,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "accuracy.json").write_text(json.dumps(report, indent=2) + "\n",
                                            encoding="utf-8")
    text = markdown(report)
    (args.out / "accuracy.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
