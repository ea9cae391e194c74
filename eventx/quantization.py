"""Int8 dynamic quantization on CPU, and the accuracy check that decides when it is default.

Why a check on file: int8 speeds up the encoder's matrix products, but whether a model
keeps its accuracy is an empirical fact about that model (the shipped MiniLM loses more
than two macro-F1 points with torch's stock dynamic quantization). Two schemes exist:

- ``"int8"``: every linear layer of the encoder in int8 (fastest);
- ``"mixed"``: the attention projections (Q/K/V and output) in int8, the feed-forward
  layers, which are the most sensitive, in fp32.

Both quantize weights per output channel and activations per batch over the full 8-bit
range (torch's x86 default keeps 7 bits, which doubles the error). `check_quantization`
measures the validation macro-F1 each scheme loses against fp32, out of sample (see
there), `record_check` stores the result as ``quantization.json`` in the model
directory, and ``precision="auto"`` (the default of `eventx.load` and ``eventx
extract``) then runs the fastest scheme that loses at most `MAX_F1_DROP`, or fp32 when
none does or nothing was recorded.

    python -m eventx.quantization models/eventx-minilm     # measure and record
"""

from __future__ import annotations

import functools
import json
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from torch import nn

    from eventx.data import AnnotatedArticle
    from eventx.modeling import EventxConfig
    from eventx.pipeline import Extractor

CHECK_FILE = "quantization.json"
MAX_F1_DROP = 0.005
"""Largest cross-fitted validation macro-F1 loss (absolute: 0.5 point) for a scheme to be
the default."""
SCHEMES = ("int8", "mixed")
"""Quantization schemes, fastest first."""
PRECISIONS = ("auto", "fp32", *SCHEMES)

# Which linear layers each scheme quantizes, by the last part of their module name
# (lean BERT names, then Hugging Face BERT names for the fallback forward).
_ATTENTION = ("qkv", "q", "kv", "attn_out", "query", "key", "value")
_SCHEME_LAYERS = {
    "int8": None,  # every encoder linear layer
    "mixed": _ATTENTION,
}


def quantize_linear_layers(module: nn.Module, scheme: str = "int8") -> nn.Module:
    """A copy of ``module`` with int8 dynamic quantization of (some of) its encoder linears.

    Weights are quantized per output channel; activations on the fly per batch, over the
    full 8-bit range. The pooler and the 4-way head see one vector per sentence and cost
    nothing, so they stay exact.

    Args:
        module: A lean BERT (`eventx.runtime`) or a Hugging Face model.
        scheme: ``"int8"`` (all encoder linears) or ``"mixed"`` (attention only).
    """
    import torch
    from torch import nn

    if scheme not in _SCHEME_LAYERS:
        raise ValueError(f"unknown quantization scheme {scheme!r}; expected one of {SCHEMES}")
    wanted = _SCHEME_LAYERS[scheme]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notices
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        names = [
            name for name, m in module.named_modules()
            if isinstance(m, nn.Linear) and _in_encoder(name)
            and (wanted is None or name.rsplit(".", 1)[-1] in wanted
                 or name.endswith("attention.output.dense"))
        ]
        engine = torch.backends.quantized.engine
        if engine not in ("x86", "fbgemm", "onednn"):
            supported = torch.backends.quantized.supported_engines
            torch.backends.quantized.engine = "x86" if "x86" in supported else supported[-1]
        quantized = quantize_dynamic(
            module, dict.fromkeys(names, per_channel_dynamic_qconfig), dtype=torch.qint8
        )
        import torch.ao.nn.quantized.dynamic as nnqd

        full_range = _full_range_class()
        for m in quantized.modules():
            if type(m) is nnqd.Linear:
                m.__class__ = full_range
    quantized.eval()
    return quantized


def _in_encoder(name: str) -> bool:
    """Linear layers inside the transformer layers (not embeddings, pooler or head)."""
    return name.startswith("layers.") or ".encoder.layer." in f".{name}"


@functools.cache
def _full_range_class() -> type:
    """torch's dynamic quantized Linear, but with activations over all 8 bits.

    torch's x86 kernels default to 7-bit activations (``reduce_range``) to rule out an
    int16 overflow in AVX2 dot products; on these models the lost bit costs far more
    accuracy than the rare overflow, and the accuracy check measures the result as run.
    """
    import torch
    import torch.ao.nn.quantized.dynamic as nnqd

    class FullRangeDynamicLinear(nnqd.Linear):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self._packed_params.dtype != torch.qint8:
                return super().forward(x)
            return torch.ops.quantized.linear_dynamic(
                x, self._packed_params._packed_params, reduce_range=False
            )

    return FullRangeDynamicLinear


@dataclass
class QuantizationCheck:
    """The measured effect of each quantization scheme on one model.

    ``schemes`` maps a scheme name to ``{"macro_f1", "own_calibration_drop", "f1_drop",
    "max_abs_prob_diff", "mean_abs_prob_diff", "ok"}``: ``macro_f1`` and
    ``own_calibration_drop`` use the model's own calibration, ``f1_drop`` is the cross-fitted
    drop that ``ok`` compares with ``max_f1_drop``; ``default`` is what
    ``precision="auto"`` runs.
    """

    fp32_macro_f1: float
    schemes: dict[str, dict[str, Any]]
    n_articles: int
    n_sentences: int
    data: str
    torch_version: str
    max_f1_drop: float = MAX_F1_DROP
    method: str = "cross-fitted"
    default: str = field(init=False)

    def __post_init__(self) -> None:
        passing = [s for s in SCHEMES if self.schemes.get(s, {}).get("ok")]
        self.default = passing[0] if passing else "fp32"

    @property
    def default_macro_f1(self) -> float:
        """Validation macro-F1 expected at the default precision: fp32's, less the default
        scheme's cross-fitted drop (what a user of ``precision="auto"`` gets)."""
        if self.default == "fp32":
            return self.fp32_macro_f1
        return self.fp32_macro_f1 - self.schemes[self.default]["f1_drop"]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_quantization(
    model: str | os.PathLike[str] | Extractor,
    articles: str | os.PathLike[str] | list[AnnotatedArticle] | None = None,
    schemes: tuple[str, ...] = SCHEMES,
) -> QuantizationCheck:
    """Score a model in fp32 and in each quantization scheme on the same articles.

    Why cross-fitted: the model's thresholds (and rule fusion) were fitted on the
    validation split, so its fp32 validation score is an in-sample optimum that any
    change of the logits, quantization included, can only lower. The drop that decides
    is measured out of sample instead: calibration and thresholds are refitted on the
    fp32 logits of 4/5 of the articles and applied to the other fifth in fp32 and in the
    scheme, over `CROSS_FIT_SPLITS` random 5-fold splits. Over 14 trained runs this drop
    was off the mean int8 drop on the test splits by -0.08 point on average (0.55 at most);
    the in-sample drop was off by +0.37 (1.19 at most) and failed runs that lost under
    0.5 point on both test splits (``benchmarks/results/quantization_check.md``).

    Args:
        model: A model directory or a loaded `Extractor`.
        articles: Annotated articles (path or list); default: the corpus validation split.
        schemes: Schemes to measure.

    Raises:
        ValueError: If ``articles`` holds fewer than `CROSS_FIT_FOLDS` articles.
    """
    import numpy as np
    import torch

    from eventx.corpus import corpus_file
    from eventx.data import read_articles
    from eventx.pipeline import Extractor, load

    name = str(articles) if articles is not None else "corpus:validation"
    if articles is None:
        articles = read_articles(corpus_file("validation"))
    elif not isinstance(articles, list):
        articles = read_articles(articles)
    base = model if isinstance(model, Extractor) else load(model, precision="fp32")
    gold = _GoldSentences.of(articles, base.config)
    logits = {p: base.with_precision(p).scorer.logits(gold.texts, gold.contexts)
              for p in ("fp32", *schemes)}
    probs = {p: gold.shipped_probabilities(base.config, lg) for p, lg in logits.items()}
    f1 = {p: gold.macro_f1(pr >= np.asarray(base.config.thresholds)) for p, pr in probs.items()}
    results = {}
    for scheme in schemes:
        diff = np.abs(probs["fp32"] - probs[scheme]) if len(gold.texts) else np.zeros(1)
        drop = gold.cross_fitted_drop(logits["fp32"], logits[scheme], bool(base.config.fusion))
        results[scheme] = {
            "macro_f1": round(f1[scheme], 6),
            "own_calibration_drop": round(f1["fp32"] - f1[scheme], 6),
            "f1_drop": round(drop, 6),
            "max_abs_prob_diff": round(float(diff.max()), 6),
            "mean_abs_prob_diff": round(float(diff.mean()), 6),
            "ok": bool(drop <= MAX_F1_DROP + 1e-9),
        }
    return QuantizationCheck(
        fp32_macro_f1=round(f1["fp32"], 6),
        schemes=results,
        n_articles=len(articles),
        n_sentences=len(gold.texts),
        data=name,
        torch_version=torch.__version__,
    )


CROSS_FIT_FOLDS = 5
CROSS_FIT_SPLITS = 5
"""Article folds, and how many random fold splits the cross-fitted drop is averaged over."""


def article_folds(article: np.ndarray, split: int) -> np.ndarray:
    """Fold (0 to `CROSS_FIT_FOLDS` - 1) of every sentence, drawn by whole article.

    Args:
        article: Index of each sentence's article (0 to n_articles - 1).
        split: Seed of the random fold split.
    """
    import numpy as np

    n_articles = int(article.max()) + 1 if len(article) else 0
    return (np.random.default_rng(split).permutation(n_articles) % CROSS_FIT_FOLDS)[article]


@dataclass
class _GoldSentences:
    """The gold sentences of annotated articles as the model reads them."""

    texts: list[str]
    contexts: list[str | None] | None
    targets: np.ndarray
    rule_scores: np.ndarray
    article: np.ndarray  # index of each sentence's article

    @classmethod
    def of(cls, articles: list[AnnotatedArticle], config: EventxConfig) -> _GoldSentences:
        """As training reads validation: `eventx.trainer.Examples` and its rule scores."""
        import numpy as np

        from eventx.trainer import Examples, _rule_scores

        ex = Examples.from_articles(articles, config.context)
        sizes = [len(a.sentences) for a in articles]
        return cls(ex.texts, ex.contexts if config.context != "none" else None,
                   ex.targets.astype(np.int64), _rule_scores(articles),
                   np.repeat(np.arange(len(articles)), sizes))

    def shipped_probabilities(self, config: EventxConfig, logits: np.ndarray) -> np.ndarray:
        from eventx.fusion import calibrated_probabilities

        return calibrated_probabilities(config, logits, self.texts, self.rule_scores)

    def macro_f1(self, decisions: np.ndarray) -> float:
        from eventx.calibration import macro_f1

        return macro_f1(self.targets, decisions)[0]

    def cross_fitted_drop(self, fp32: np.ndarray, other: np.ndarray, fusion: bool) -> float:
        """Mean macro-F1 lost by ``other`` logits, calibration fitted out of fold on fp32."""
        import numpy as np

        from eventx.calibration import find_thresholds

        n_articles = int(self.article.max()) + 1 if len(self.article) else 0
        if n_articles < CROSS_FIT_FOLDS:
            raise ValueError(f"the quantization check needs at least {CROSS_FIT_FOLDS} "
                             f"articles, got {n_articles}")
        drops = []
        for split in range(CROSS_FIT_SPLITS):
            fold = article_folds(self.article, split)
            decided = {"fp32": np.zeros_like(self.targets), "other": np.zeros_like(self.targets)}
            for f in range(CROSS_FIT_FOLDS):
                fit, out = fold != f, fold == f
                calibrate = _fit_calibration(fp32[fit], self.rule_scores[fit],
                                             self.targets[fit], fusion)
                thresholds = np.asarray(find_thresholds(
                    calibrate(fp32[fit], self.rule_scores[fit]), self.targets[fit]))
                for key, lg in (("fp32", fp32), ("other", other)):
                    decided[key][out] = calibrate(lg[out], self.rule_scores[out]) >= thresholds
            drops.append(self.macro_f1(decided["fp32"]) - self.macro_f1(decided["other"]))
        return float(np.mean(drops))


def _fit_calibration(
    logits: np.ndarray, rule_scores: np.ndarray, targets: np.ndarray, fusion: bool
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Fit the model's kind of calibration (rule fusion or temperatures) as training does;
    returns ``(logits, rule_scores) -> probabilities``."""
    from eventx.calibration import apply_temperatures, fit_temperatures
    from eventx.fusion import RuleFusion

    if fusion:
        return RuleFusion.fit(logits, rule_scores, targets).probabilities
    temperatures = fit_temperatures(logits, targets)
    return lambda lg, _rules: apply_temperatures(lg, temperatures)


def record_check(directory: str | os.PathLike[str], check: QuantizationCheck) -> Path:
    """Write ``check`` to ``directory/quantization.json`` (atomically) and return the path."""
    path = Path(directory) / CHECK_FILE
    tmp = path.with_name(f".{CHECK_FILE}.tmp")
    tmp.write_text(json.dumps(check.to_json(), indent=2) + "\n")
    os.replace(tmp, path)
    return path


def recorded_check(directory: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """The recorded check of a model directory, or None when there is none (or unreadable)."""
    if directory is None:
        return None
    try:
        raw = json.loads((Path(directory) / CHECK_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return raw if isinstance(raw, dict) else None


def resolve_precision(precision: str, directory: str | os.PathLike[str] | None) -> str:
    """Turn ``"auto"`` into the recorded default scheme, else ``"fp32"``.

    Args:
        precision: ``"auto"``, ``"fp32"``, ``"int8"`` or ``"mixed"``.
        directory: The model directory (where ``quantization.json`` may be).

    Raises:
        ValueError: On an unknown precision.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    check = recorded_check(directory)
    default = check.get("default") if check is not None else None
    passed = check is not None and check.get("schemes", {}).get(default, {}).get("ok") is True
    return default if default in SCHEMES and passed else "fp32"


def main(argv: list[str] | None = None) -> int:
    """``python -m eventx.quantization MODEL_DIR [ARTICLES.jsonl]``: measure and record."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help") or len(args) > 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    check = check_quantization(args[0], args[1] if len(args) > 1 else None)
    path = record_check(args[0], check)
    print(json.dumps(check.to_json(), indent=2))
    print(f"written to {path}; precision 'auto' is now {check.default}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
