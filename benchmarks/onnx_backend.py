"""Is an ONNX Runtime backend faster than eventx's own torch forward on this CPU, at equal
accuracy?

    python benchmarks/onnx_backend.py [--limit N] [--threads T] [--repeats 3] [--model DIR]

Why this script, and not a backend: the issue asks for an ONNX Runtime backend "as an
option if it measures faster". Adding one costs a dependency, an export step and a second
inference path to keep exact, so first this measures it. The lean BERT of
`eventx.runtime` (fp32, and eventx's int8: `eventx.quantization`) is exported to ONNX
once (dynamic batch and sequence axes), quantized with ONNX Runtime's own dynamic int8
(per-channel int8 weights; the pooler and the 4-way head stay fp32, as in eventx's
int8), and all four backends run on exactly the same input:

- the gold sentences of the held-out splits (validation, test, test_unseen), tokenized
  once by the model's tokenizer and cut into the length-sorted, token-budget batches of
  `eventx.runtime.Scorer` (its own helpers, so padding and batch shapes are eventx's);
- only the encoder forward over all batches is timed, the backends alternating round by
  round (the CPU is shared, so each round's order rotates); the best round counts;
- accuracy: each backend's logits go through the model's own calibration (rule fusion
  with article-context keyword scores) and thresholds, scored with `eventx.scoring` on
  the validation split; equal accuracy means a macro-F1 drop against torch fp32 of at
  most `eventx.quantization.MAX_F1_DROP`, the tolerance eventx uses to pick its default.

Results are printed and written to ``benchmarks/results/onnx.md`` and ``onnx.json``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from torch import nn

    from eventx.data import AnnotatedArticle
    from eventx.pipeline import Extractor
    from eventx.runtime import Scorer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "eventx-minilm"
RESULTS = ROOT / "benchmarks" / "results" / "onnx.md"
SPLITS = ("validation", "test", "test_unseen")
BACKENDS = ("torch fp32", "torch int8", "ORT fp32", "ORT int8")
BASELINE = "torch int8"
TIE = 0.05
"""Speed ratios within 5% of 1 count as a tie: the CPU is shared and rounds vary by more."""
HEAD = ("pooler", "classifier")
"""Weights of the layers that see one vector per sentence: kept fp32 in every int8."""


# --------------------------------------------------------------------------- input
@dataclass
class Inputs:
    """Sentences of the selected articles and the batches every backend runs.

    ``feeds`` are the padded batches (``input_ids``, ``attention_mask`` and, for models
    with a context segment, ``token_type_ids``), ``rows`` the sentence index of each
    batch row, ``validation`` the indices of the validation split's sentences.
    """

    articles: list[AnnotatedArticle]
    splits: list[str]
    texts: list[str]
    feeds: list[dict[str, np.ndarray]]
    rows: list[np.ndarray]
    tokens: int
    padded_tokens: int
    validation: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def held_out_articles(limit: int | None) -> tuple[list[AnnotatedArticle], list[str]]:
    """Articles of the held-out splits in split order (the first ``limit`` of them), and
    the split of each."""
    from eventx.corpus import load_articles

    pairs = [(a, split) for split in SPLITS for a in load_articles(split)]
    pairs = pairs[:limit] if limit else pairs
    return [a for a, _ in pairs], [s for _, s in pairs]


def sentence_inputs(
    articles: Sequence[AnnotatedArticle], context: str
) -> tuple[list[str], list[str | None] | None]:
    """Gold sentences of every article, in order, and their context segments (None when
    the model uses none), as `eventx.scoring.evaluate` passes them to an `Extractor`."""
    from eventx.modeling import context_for

    texts, contexts = [], []
    for article in articles:
        sents = [s.text for s in article.sentences]
        texts.extend(sents)
        contexts.extend(context_for(sents, i, context, article.title)
                        for i in range(len(sents)))
    return texts, contexts if context != "none" else None


def build_inputs(scorer: Scorer, limit: int | None, batch_size: int) -> Inputs:
    """Tokenize once and cut the batches exactly as `Scorer.probabilities` does."""
    from eventx.runtime import _budget_batches

    articles, splits = held_out_articles(limit)
    texts, contexts = sentence_inputs(articles, scorer.config.context)
    encodings = scorer._encode(texts, contexts, None)
    lengths = np.fromiter((len(e) for e in encodings), dtype=np.int64, count=len(texts))
    order = np.argsort(lengths, kind="stable")
    feeds, rows = [], []
    for batch in _budget_batches(lengths[order], batch_size, scorer.max_tokens):
        idx = order[batch]
        feeds.append(pad_batch([encodings[i] for i in idx], scorer.pad_id,
                               contexts is not None))
        rows.append(idx)
    sentence_split = np.repeat(splits, [len(a.sentences) for a in articles])
    return Inputs(
        articles=articles, splits=splits, texts=texts, feeds=feeds, rows=rows,
        tokens=int(lengths.sum()),
        padded_tokens=sum(f["input_ids"].size for f in feeds),
        validation=np.flatnonzero(sentence_split == "validation"),
    )


def pad_batch(encodings: Sequence[Any], pad_id: int, with_types: bool) -> dict[str, np.ndarray]:
    """One batch padded to its longest sentence (the encodings come sorted by length)."""
    width = max(len(e) for e in encodings)
    ids = np.full((len(encodings), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc)] = enc.ids
        mask[row, : len(enc)] = 1
        types[row, : len(enc)] = enc.type_ids
    feed = {"input_ids": ids, "attention_mask": mask}
    if with_types:
        feed["token_type_ids"] = types
    return feed


# --------------------------------------------------------------------------- backends
@dataclass
class Backend:
    """A forward pass over prepared batches: ``forward(feed) -> logits (batch, 4)``."""

    name: str
    feeds: list[Any]
    forward: Callable[[Any], np.ndarray]


def torch_backend(name: str, module: nn.Module, feeds: list[dict[str, np.ndarray]]) -> Backend:
    """eventx's module as `Scorer.probabilities` runs it (tensors made before timing)."""
    import torch

    tensors = [{k: torch.from_numpy(v) for k, v in f.items()} for f in feeds]

    def forward(feed: dict[str, torch.Tensor]) -> np.ndarray:
        with torch.inference_mode():
            return module(**feed).float().numpy()

    return Backend(name, tensors, forward)


def ort_backend(name: str, path: Path, threads: int,
                feeds: list[dict[str, np.ndarray]]) -> Backend:
    """An ONNX Runtime CPU session on ``threads`` intra-op threads, all graph
    optimizations on (the optimized graph is saved beside the model, for the report)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.optimized_model_filepath = str(path.with_suffix(".optimized.onnx"))
    options.log_severity_level = 3  # the note that the saved graph is CPU-specific
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    prepared = [{k: v for k, v in f.items() if k in names} for f in feeds]

    def forward(feed: dict[str, np.ndarray]) -> np.ndarray:
        return session.run(None, feed)[0]

    return Backend(name, prepared, forward)


# --------------------------------------------------------------------------- export
def export_onnx(module: nn.Module, path: Path, with_types: bool) -> dict[str, Any]:
    """Export the lean module with dynamic batch and sequence axes: torch's dynamo
    exporter, else the TorchScript one. Returns what happened (exporter, time, warnings)."""
    import torch

    width = int(module.position.shape[0]) if hasattr(module, "position") else 512
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    sample = tuple(torch.ones(2, 16, dtype=torch.long) for _ in names)
    start = time.perf_counter()
    attempts: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq", max=width)
            torch.onnx.export(module, sample, str(path), input_names=names,
                              output_names=["logits"], dynamo=True, verbose=False,
                              dynamic_shapes={n: {0: batch, 1: seq} for n in names})
            exporter = "dynamo"
        except Exception as e:  # any failure: try the other exporter
            attempts.append(f"dynamo exporter failed: {type(e).__name__}: {str(e)[:300]}")
            axes = {n: {0: "batch", 1: "seq"} for n in names} | {"logits": {0: "batch"}}
            torch.onnx.export(module, sample, str(path), input_names=names,
                              output_names=["logits"], dynamo=False, opset_version=17,
                              dynamic_axes=axes)
            exporter = "torchscript"
    messages = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:200]}"
                       for w in caught})
    return {"exporter": exporter, "seconds": time.perf_counter() - start,
            "warnings": attempts + messages}


def quantize_onnx(source: Path, target: Path) -> dict[str, Any]:
    """ONNX Runtime dynamic quantization: int8 weights per output channel, uint8
    activations per batch; MatMuls and Gemms with constant weights, except the head."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # quantize_dynamic first rewrites a Gemm as MatMul + Add, the MatMul named "<gemm>_MatMul"
    excluded = [n for name in head_nodes(source) for n in (name, f"{name}_MatMul")]
    start = time.perf_counter()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to run shape pre-processing first
    try:
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gemm"], nodes_to_exclude=excluded)
    finally:
        root.setLevel(level)
    return {"seconds": time.perf_counter() - start, "excluded_nodes": excluded,
            "quantized_head_nodes": head_nodes(target, ("MatMulInteger",))}


def head_nodes(path: Path, ops: Sequence[str] = ("MatMul", "Gemm")) -> list[str]:
    """Names of the nodes of type ``ops`` that read the pooler's or the head's weights
    (the exporters keep their parameter names: ``pooler.weight``, ``classifier.weight``)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type in ops
            and any(i.split(".")[0] in HEAD for i in n.input)]


def graph_details(path: Path) -> dict[str, Any]:
    """Opset, inputs and outputs with their axes, node types and size on disk."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)

    def axes(values: Any) -> dict[str, list[str | int]]:
        return {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
                for v in values}

    data = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    return {
        "opset": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "inputs": axes(model.graph.input),
        "outputs": axes(model.graph.output),
        "nodes": dict(collections.Counter(n.op_type for n in model.graph.node).most_common()),
        "megabytes": round(sum(p.stat().st_size for p in data) / 2**20, 1),
    }


# --------------------------------------------------------------------------- timing
def run(backend: Backend, inputs: Inputs) -> tuple[float, np.ndarray]:
    """Seconds of the forward passes over every batch, and the logits in sentence order."""
    start = time.perf_counter()
    outputs = [backend.forward(feed) for feed in backend.feeds]
    seconds = time.perf_counter() - start
    logits = np.empty((len(inputs.texts), outputs[0].shape[1]), dtype=np.float32)
    for idx, out in zip(inputs.rows, outputs, strict=True):
        logits[idx] = out
    return seconds, logits


def warm_up(backends: Sequence[Backend]) -> None:
    """One forward of the narrowest and the widest batch each (allocations, first calls)."""
    for backend in backends:
        for feed in (backend.feeds[0], backend.feeds[-1]):
            backend.forward(feed)


def time_backends(backends: Sequence[Backend], inputs: Inputs,
                  repeats: int) -> tuple[dict[str, list[float]], dict[str, np.ndarray]]:
    """Round robin: every round runs each backend once, starting one later each round."""
    seconds: dict[str, list[float]] = {b.name: [] for b in backends}
    logits: dict[str, np.ndarray] = {}
    for r in range(repeats):
        for k in range(len(backends)):
            backend = backends[(r + k) % len(backends)]
            took, logits[backend.name] = run(backend, inputs)
            seconds[backend.name].append(took)
            print(f"round {r + 1}/{repeats}  {backend.name:10s}  {took:8.3f} s  "
                  f"{len(inputs.texts) / took:8.1f} sentences/s", file=sys.stderr)
    return seconds, logits


# --------------------------------------------------------------------------- accuracy
class _Fixed:
    """A `ScorableModel` returning probabilities computed beforehand, article by article."""

    def __init__(self, probabilities: np.ndarray, sizes: Sequence[int],
                 thresholds: list[float]) -> None:
        bounds = np.cumsum([0, *sizes])
        self.rows = [probabilities[a:b].tolist() for a, b in itertools.pairwise(bounds)]
        self.thresholds = thresholds

    def predict_proba_articles(self, articles: Sequence[Any], batch_size: int | None = None,
                               show_progress_bar: bool = False) -> list[list[list[float]]]:
        if len(articles) != len(self.rows):
            raise ValueError("asked for other articles than the ones scored")
        return self.rows


def validation_f1(probabilities: np.ndarray, inputs: Inputs, thresholds: list[float]) -> float:
    """Macro-F1 of `eventx.scoring.evaluate` on the selected validation articles."""
    from eventx.scoring import evaluate

    articles = [a for a, s in zip(inputs.articles, inputs.splits) if s == "validation"]
    model = _Fixed(probabilities[inputs.validation], [len(a.sentences) for a in articles],
                   thresholds)
    return evaluate(model, articles, n_bootstrap=0).macro_f1


def reference_f1(extractor: Extractor, inputs: Inputs) -> float:
    """Validation macro-F1 of the fp32 `Extractor` itself (checks this script's path)."""
    from eventx.pipeline import TruncationWarning
    from eventx.scoring import evaluate

    articles = [a for a, s in zip(inputs.articles, inputs.splits) if s == "validation"]
    if not articles:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TruncationWarning)
        return evaluate(extractor, articles, n_bootstrap=0).macro_f1


def accuracy(logits: dict[str, np.ndarray], inputs: Inputs,
             extractor: Extractor) -> dict[str, dict[str, float]]:
    """Per backend: validation macro-F1, its drop and the largest changes against torch
    fp32 (logits, calibrated probabilities, share of label decisions that flip)."""
    from eventx.fusion import article_rule_scores, calibrated_probabilities

    config = extractor.config
    rules = article_rule_scores(
        [(a.title, [s.text for s in a.sentences]) for a in inputs.articles]
    ) if config.fusion else None
    thresholds = np.asarray(extractor.thresholds)
    probs = {name: calibrated_probabilities(config, out, inputs.texts, rules)
             for name, out in logits.items()}
    ref_logits, ref_probs = logits["torch fp32"], probs["torch fp32"]
    ref_f1 = validation_f1(ref_probs, inputs, extractor.thresholds) \
        if len(inputs.validation) else float("nan")
    out = {}
    for name in logits:
        f1 = validation_f1(probs[name], inputs, extractor.thresholds) \
            if len(inputs.validation) else float("nan")
        out[name] = {
            "macro_f1": f1,
            "f1_drop": ref_f1 - f1,
            "max_abs_logit_diff": float(np.abs(logits[name] - ref_logits).max()),
            "max_abs_prob_diff": float(np.abs(probs[name] - ref_probs).max()),
            "decisions_changed": float(((probs[name] >= thresholds)
                                        != (ref_probs >= thresholds)).mean()),
        }
    return out


# --------------------------------------------------------------------------- report
def machine(threads: int) -> dict[str, Any]:
    """CPU, thread count, load and library versions."""
    import onnxruntime as ort
    import torch

    from eventx.runtime import available_cpus

    cpu = platform.processor() or platform.machine()
    try:
        names = [line.split(":", 1)[1].strip() for line in
                 Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return {"cpu": cpu, "cpus": available_cpus(), "threads": threads,
            "python": platform.python_version(), "torch": torch.__version__,
            "onnxruntime": ort.__version__, "numpy": np.__version__}


def speeds(seconds: dict[str, list[float]], n: int) -> dict[str, dict[str, Any]]:
    """Best round per backend in sentences/s, and its ratio to the baseline and fp32."""
    best = {name: min(s) for name, s in seconds.items()}
    return {name: {"seconds": best[name], "rounds": seconds[name],
                   "sentences_per_second": n / best[name],
                   "x_torch_int8": best[BASELINE] / best[name],
                   "x_torch_fp32": best["torch fp32"] / best[name]} for name in seconds}


def verdict(ratio: float) -> str:
    if ratio > 1 + TIE:
        return "faster"
    if ratio < 1 - TIE:
        return "slower"
    return "a tie (within 5%)"


def conclusion(report: dict[str, Any]) -> str:
    """One paragraph computed from the numbers."""
    speed, acc, tol = report["speed"], report["accuracy"], report["max_f1_drop"]
    ok = {name: not acc[name]["f1_drop"] > tol + 1e-9 for name in acc}
    ort8, ort32 = speed["ORT int8"]["x_torch_int8"], speed["ORT fp32"]["x_torch_fp32"]

    def f1(name: str) -> str:
        return (f"{acc[name]['macro_f1']:.4f} ({0.0 - 100 * acc[name]['f1_drop']:+.2f} points, "
                f"{'within' if ok[name] else 'outside'} eventx's {100 * tol:.1f}-point "
                "tolerance)")

    text = (
        f"ORT int8 is {ort8:.2f}x torch int8: {verdict(ort8)}; its validation macro-F1 is "
        f"{f1('ORT int8')} against {acc['torch fp32']['macro_f1']:.4f} for torch fp32 "
        f"(torch int8: {f1('torch int8')}). ORT fp32 is {ort32:.2f}x torch fp32: "
        f"{verdict(ort32)}, with logits within "
        f"{acc['ORT fp32']['max_abs_logit_diff']:.1e} of torch's. "
    )
    accurate = [name for name in BACKENDS if ok[name]]
    best_torch = max((n for n in accurate if n.startswith("torch")),
                     key=lambda n: speed[n]["sentences_per_second"], default=None)
    best_ort = max((n for n in accurate if n.startswith("ORT")),
                   key=lambda n: speed[n]["sentences_per_second"], default=None)
    if best_torch is None or best_ort is None:
        text += "No ORT backend keeps torch fp32's accuracy, so none is worth adding."
    else:
        gain = speed[best_ort]["sentences_per_second"] / speed[best_torch]["sentences_per_second"]
        text += (f"At equal accuracy the fastest ORT backend ({best_ort}) is {gain:.2f}x the "
                 f"fastest torch one ({best_torch}): {verdict(gain)}, so an ONNX Runtime "
                 f"backend {'would pay off' if gain > 1 + TIE else 'does not pay off'} "
                 "on this machine.")
    if report["limit"]:
        text += (f" Measured on the first {report['limit']} articles only: a smoke test, "
                 "not a result.")
    return text


def render(report: dict[str, Any]) -> str:
    """The markdown report."""
    m, data, ex = report["machine"], report["data"], report["export"]
    lines = [
        "# ONNX Runtime against eventx's torch forward",
        "",
        f"Written by `benchmarks/onnx_backend.py` on {report['date']}. Model: "
        f"`{report['model']}`. Machine: {m['cpu']}, {m['cpus']} CPUs, {m['threads']} "
        f"thread(s) for torch and ONNX Runtime; load average {report['load'][0]:.1f} at the "
        f"start and {report['load'][1]:.1f} at the end (other jobs share the CPUs: the "
        "ratios, from the same run, are what to read). Versions: torch "
        f"{m['torch']}, onnxruntime {m['onnxruntime']}, numpy {m['numpy']}, "
        f"Python {m['python']}.",
        "",
        f"Input: {data['articles']} articles of the held-out splits ({', '.join(SPLITS)}), "
        f"{data['sentences']} gold sentences, {data['tokens']} tokens in {data['batches']} "
        f"length-sorted batches ({data['padded_tokens']} with padding), the same for every "
        f"backend. Timed: the encoder forward over all batches; {report['repeats']} "
        "round(s), backends alternating; the best round is shown.",
        "",
        "## Speed",
        "",
        "| backend | sentences/s | x torch int8 | x torch fp32 | seconds | rounds (s) |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in BACKENDS:
        s = report["speed"][name]
        rounds = ", ".join(f"{x:.2f}" for x in s["rounds"])
        lines.append(f"| {name} | {s['sentences_per_second']:.1f} | {s['x_torch_int8']:.2f} | "
                     f"{s['x_torch_fp32']:.2f} | {s['seconds']:.2f} | {rounds} |")
    lines += [
        "",
        "## Accuracy",
        "",
        f"Validation split ({data['validation_sentences']} sentences of the articles above): "
        "each backend's logits through the model's own calibration (rule fusion with "
        "article-context keyword scores) and thresholds, scored by `eventx.scoring`. "
        "Changes and differences are against torch fp32 (a positive change is a higher "
        "macro-F1), differences and decisions over all sentences. eventx's own "
        f"`evaluate(load(model, precision='fp32'))` gives {report['reference_f1']:.4f}.",
        "",
        "| backend | macro-F1 | change (points) | max abs logit diff | max abs prob diff | "
        "decisions changed |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in BACKENDS:
        a = report["accuracy"][name]
        lines.append(f"| {name} | {a['macro_f1']:.4f} | {0.0 - 100 * a['f1_drop']:+.2f} | "
                     f"{a['max_abs_logit_diff']:.2e} | {a['max_abs_prob_diff']:.2e} | "
                     f"{100 * a['decisions_changed']:.2f}% |")
    lines += ["", "## Exported graph", "", *export_lines(ex)]
    lines += ["", "## Conclusion", "", report["conclusion"], ""]
    return "\n".join(lines)


def export_lines(ex: dict[str, Any]) -> list[str]:
    fp32, int8 = ex["fp32_graph"], ex["int8_graph"]
    inputs = ", ".join(f"`{k}` {v}" for k, v in fp32["inputs"].items())

    def top(nodes: dict[str, int], k: int = 8) -> str:
        return ", ".join(f"{op} {n}" for op, n in list(nodes.items())[:k])

    head = ("pooler and head kept fp32" if not ex["quantized_head_nodes"] else
            f"pooler/head quantized too ({', '.join(ex['quantized_head_nodes'])})")
    lines = [
        f"- Exporter: `torch.onnx.export`, {ex['exporter']}, in {ex['seconds']:.1f} s "
        f"(imports included); opset {fp32['opset'].get('ai.onnx')}; inputs {inputs}; "
        f"output `logits` {fp32['outputs']['logits']}.",
        f"- fp32 graph: {sum(fp32['nodes'].values())} nodes ({top(fp32['nodes'])}), "
        f"{fp32['megabytes']} MB; after ONNX Runtime's graph optimizations: "
        f"{top(ex['fp32_optimized']['nodes'], 12)}.",
        f"- int8 graph (`quantize_dynamic`, QInt8 per-channel weights, uint8 activations, "
        f"{head}; in {ex['quantize_seconds']:.1f} s): {top(int8['nodes'])}, "
        f"{int8['megabytes']} MB; after optimization: {top(ex['int8_optimized']['nodes'], 12)}.",
    ]
    if ex["warnings"]:
        lines.append("- Exporter warnings: " + "; ".join(
            f"`{w.replace('`', chr(39))}`" for w in ex["warnings"]))
    return lines


# --------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="Model directory.")
    parser.add_argument("--limit", type=int, default=None, help="First N articles only.")
    parser.add_argument("--threads", type=int, default=0, help="Threads (default: all CPUs).")
    parser.add_argument("--repeats", type=int, default=3, help="Timed rounds (best counts).")
    parser.add_argument("--batch-size", type=int, default=64, help="Most sentences a batch.")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="Markdown report (the JSON goes beside it).")
    return parser.parse_args(argv)


def export_all(extractor: Extractor, workdir: Path, threads: int,
               feeds: list[dict[str, np.ndarray]]) -> tuple[list[Backend], dict[str, Any]]:
    """Export, quantize and open both ONNX models; return their backends and the details."""
    module = extractor.scorer.module
    fp32_path, int8_path = workdir / "eventx.onnx", workdir / "eventx.int8.onnx"
    info = export_onnx(module, fp32_path, "token_type_ids" in feeds[0])
    quant = quantize_onnx(fp32_path, int8_path)
    info |= {"quantize_seconds": quant["seconds"], "excluded_nodes": quant["excluded_nodes"],
             "quantized_head_nodes": quant["quantized_head_nodes"],
             "fp32_graph": graph_details(fp32_path), "int8_graph": graph_details(int8_path)}
    ort32 = ort_backend("ORT fp32", fp32_path, threads, feeds)
    ort8 = ort_backend("ORT int8", int8_path, threads, feeds)
    for name, path in (("fp32", fp32_path), ("int8", int8_path)):  # as ORT runs them
        info[f"{name}_optimized"] = {
            "nodes": graph_details(path.with_suffix(".optimized.onnx"))["nodes"]}
    return [ort32, ort8], info


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("onnxruntime is not installed: pip install onnxruntime (and onnx, onnxscript "
              "for the export)", file=sys.stderr)
        return 2
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from eventx.pipeline import load
    from eventx.quantization import MAX_F1_DROP
    from eventx.runtime import set_threads

    threads = set_threads(args.threads)
    load_start = os.getloadavg()[0]
    extractor = load(args.model, precision="fp32")
    inputs = build_inputs(extractor.scorer, args.limit, args.batch_size)
    print(f"{len(inputs.texts)} sentences in {len(inputs.feeds)} batches, "
          f"{threads} thread(s)", file=sys.stderr)
    torch8 = extractor.with_precision("int8").scorer.module
    backends = [torch_backend("torch fp32", extractor.scorer.module, inputs.feeds),
                torch_backend("torch int8", torch8, inputs.feeds)]
    with tempfile.TemporaryDirectory(prefix="eventx-onnx-") as tmp:
        ort_backends, export = export_all(extractor, Path(tmp), threads, inputs.feeds)
        backends += ort_backends
        warm_up(backends)
        seconds, logits = time_backends(backends, inputs, args.repeats)
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": str(args.model), "machine": machine(threads), "limit": args.limit,
        "repeats": args.repeats, "batch_size": args.batch_size,
        "load": [load_start, os.getloadavg()[0]], "max_f1_drop": MAX_F1_DROP,
        "data": {"articles": len(inputs.articles), "sentences": len(inputs.texts),
                 "validation_sentences": len(inputs.validation), "tokens": inputs.tokens,
                 "padded_tokens": inputs.padded_tokens, "batches": len(inputs.feeds)},
        "export": export, "speed": speeds(seconds, len(inputs.texts)),
        "accuracy": accuracy(logits, inputs, extractor),
        "reference_f1": reference_f1(extractor, inputs),
    }
    report["conclusion"] = conclusion(report)
    text = render(report)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.out} and {args.out.with_suffix('.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
