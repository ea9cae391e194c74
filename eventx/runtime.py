"""The inference hot path: fast model loading, a lean encoder forward, batched scoring.

Why this module exists beside `eventx.modeling`: training needs the Hugging Face model as
it is (PEFT wrappers, dropout, every hidden state), while extraction needs none of that
and is dominated by a few matrix products per sentence. Here:

- `load_components` builds what extraction needs straight from the files of a model
  directory: the ``tokenizers`` tokenizer from ``tokenizer.json`` and the encoder weights
  from safetensors, with a plain LoRA adapter merged in (``W += alpha / r * B @ A``, the
  arithmetic of PEFT's ``merge_and_unload``). Neither ``transformers`` nor ``peft`` is
  imported, which is most of a cold start. Anything it does not recognise (another
  architecture, DoRA, a hub id as base model, ...) goes through
  `EventClassifier.from_pretrained` instead.
- The lean BERT forward (`build_lean_bert`) fuses the Q/K/V projections (one matrix
  product and, under int8, one activation quantization instead of three) and computes
  the last layer for the ``[CLS]`` position only, the one the classification head reads.
- `Scorer` tokenizes a whole chunk of sentences in one call, sorts them by token count,
  cuts batches under a token budget and pads each batch only to its own longest
  sentence, so almost no work is spent on padding.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from eventx.labels import ID2LABEL, LABEL2ID, LABELS

if TYPE_CHECKING:
    import numpy as np
    import tokenizers
    import torch
    from torch import nn

    from eventx.modeling import EventClassifier, EventxConfig

logger = logging.getLogger(__name__)
T = TypeVar("T")

_PREFIX = "base_model.model."
_ADAPTER_CONFIG = "adapter_config.json"
_ADAPTER_WEIGHTS = "adapter_model.safetensors"
_WEIGHTS = "model.safetensors"
_ACTIVATIONS = {"gelu": "none", "gelu_new": "tanh", "gelu_pytorch_tanh": "tanh"}
DEFAULT_MAX_TOKENS = 2048
"""Token budget of one batch: small enough that a batch's activations stay in cache."""


# --------------------------------------------------------------------------- threads
def available_cpus() -> int:
    """CPUs this process may run on (respects affinity masks and container cpusets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with torch's intra-op thread count at ``n`` (restored after).

    The count is process-wide: another thread running torch meanwhile shares it.
    """
    import torch

    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def run_side_by_side(run: Callable[[T], None], items: Sequence[T], workers: int) -> None:
    """Call ``run`` on every item: in this thread when ``workers`` is 1, else on
    ``workers`` single-core threads at once (each item's work must be independent).

    Fresh threads per call: torch reads its thread count when a thread first runs an op,
    so these start single-threaded while torch's count is held at 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers == 1 or len(items) <= 1:
        for item in items:
            run(item)
        return
    with torch_threads(1), ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(run, items):
            pass


def set_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads (default: every available CPU) and return the count.

    Args:
        threads: Thread count; None or 0 means all available CPUs.
    """
    import torch

    n = threads if threads and threads > 0 else available_cpus()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None elsewhere."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc only).

    Batches of every shape leave glibc's heap fragmented: without this, a long run's
    resident memory creeps up by tens of MB per thousand sentences although nothing
    is alive; after each chunk of articles it returns to the model's own footprint.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# --------------------------------------------------------------------------- components
@dataclass
class Components:
    """What extraction needs from a model: its eventx config, tokenizer and forward.

    Args:
        config: Thresholds, temperatures, context mode, token limit.
        tokenizer: A ``tokenizers.Tokenizer`` (truncation and padding are set per use).
        module: fp32 module mapping ``input_ids, attention_mask[, token_type_ids]`` to
            logits (a lean BERT) or to an output with ``.logits`` (a Hugging Face model).
    """

    config: EventxConfig
    tokenizer: tokenizers.Tokenizer
    module: nn.Module

    def scorer(
        self, precision: str = "fp32", max_tokens: int = DEFAULT_MAX_TOKENS, workers: int = 1
    ) -> Scorer:
        """A `Scorer` running this model in ``"fp32"`` or a quantization scheme
        (``"int8"``, ``"mixed"``: see `eventx.quantization`) on ``workers`` threads."""
        from eventx.quantization import SCHEMES, quantize_linear_layers

        if precision != "fp32" and precision not in SCHEMES:
            raise ValueError(f"precision must be 'fp32' or one of {SCHEMES}, got {precision!r}")
        module = self.module if precision == "fp32" else \
            quantize_linear_layers(self.module, precision)
        return Scorer(self.config, self.tokenizer, module, max_tokens=max_tokens,
                      workers=workers)


def load_components(directory: str | os.PathLike[str]) -> Components:
    """Load a model directory for inference, without transformers or peft when possible.

    Raises:
        ModelLoadError: If the directory is missing or not a compatible eventx model.
    """
    from eventx.modeling import EventxConfig, ModelLoadError

    directory = Path(directory)
    if not directory.is_dir():
        raise ModelLoadError(f"model directory {directory} does not exist")
    config = EventxConfig.load(directory)
    direct = _load_direct(directory, config)
    if direct is not None:
        return direct
    logger.info("loading %s through transformers (no direct path for it)", directory)
    return components_from_classifier(load_classifier(directory))


def components_from_classifier(classifier: EventClassifier) -> Components:
    """`Components` of an in-memory `EventClassifier` (lean forward for BERT models)."""
    import tokenizers

    hf_tok = classifier.tokenizer
    backend = getattr(hf_tok, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("eventx needs a fast (Rust) tokenizer; this one is pure Python")
    tokenizer = tokenizers.Tokenizer.from_str(backend.to_str())  # a copy we may configure
    model = classifier.model
    cfg = model.config.to_dict() if hasattr(model, "config") else {}
    module = None
    if _lean_supported(cfg) and hasattr(model, "bert") and hasattr(model, "classifier"):
        state = {_strip_bert(k): v for k, v in model.state_dict().items()}
        module = build_lean_bert(state, cfg)
    if module is None:
        module = model
    module.eval()
    return Components(classifier.config, tokenizer, module)


def _strip_bert(name: str) -> str:
    return name[len("bert."):] if name.startswith("bert.") else name


def _lean_supported(cfg: dict[str, Any]) -> bool:
    return (
        cfg.get("model_type") == "bert"
        and cfg.get("position_embedding_type", "absolute") == "absolute"
        and cfg.get("hidden_act") in _ACTIVATIONS
        and not cfg.get("is_decoder", False)
        and cfg.get("num_labels", len(LABELS)) == len(LABELS)
    )


def _load_direct(directory: Path, config: EventxConfig) -> Components | None:
    """Components from the files alone (BERT base, plain LoRA or full weights), or None."""
    if not (directory / "tokenizer.json").is_file():
        return None
    if config.adapter == "lora":
        from eventx.modeling import resolve_base_model

        adapter = _plain_lora(directory)
        base = Path(resolve_base_model(config.base_model))
        if adapter is None or not (base / "config.json").is_file() or \
                not (base / _WEIGHTS).is_file():
            return None
        cfg_dir, weights_file = base, base / _WEIGHTS
    else:
        adapter = None
        cfg_dir, weights_file = directory, directory / _WEIGHTS
        if not weights_file.is_file() or not (directory / "config.json").is_file():
            return None
    try:
        cfg = json.loads((cfg_dir / "config.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not _lean_supported(cfg):
        return None
    import tokenizers
    from safetensors.torch import load_file

    state = {_strip_bert(k): v for k, v in load_file(str(weights_file)).items()}
    if adapter is not None:
        weights = load_file(str(directory / _ADAPTER_WEIGHTS))
        if not _merge_lora_state(state, weights, adapter):
            return None
    module = build_lean_bert(state, cfg)
    if module is None:
        return None
    tokenizer = tokenizers.Tokenizer.from_file(str(directory / "tokenizer.json"))
    return Components(config, tokenizer, module)


# --------------------------------------------------------------------------- LoRA
def load_classifier(directory: str | os.PathLike[str]) -> EventClassifier:
    """Load the Hugging Face classifier, merging a plain LoRA adapter without ``peft``.

    Gives the same weights as `EventClassifier.from_pretrained` (which merges with PEFT)
    in a fraction of the time; adapters outside plain LoRA go through that method.

    Raises:
        ModelLoadError: If the directory is missing or not a compatible eventx model.
    """
    from eventx.modeling import EventClassifier, EventxConfig, ModelLoadError

    directory = Path(directory)
    if not directory.is_dir():
        raise ModelLoadError(f"model directory {directory} does not exist")
    config = EventxConfig.load(directory)
    adapter = _plain_lora(directory) if config.adapter == "lora" else None
    if adapter is None:
        return EventClassifier.from_pretrained(directory)
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from eventx.modeling import resolve_base_model

    tokenizer = AutoTokenizer.from_pretrained(directory)
    with _quiet():
        model = AutoModelForSequenceClassification.from_pretrained(
            resolve_base_model(config.base_model),
            num_labels=len(LABELS),
            id2label=dict(ID2LABEL),
            label2id=dict(LABEL2ID),
            problem_type="multi_label_classification",
        )
    state = model.state_dict()
    merged = dict(state)
    if not _merge_lora_state(merged, load_file(str(directory / _ADAPTER_WEIGHTS)), adapter):
        logger.info("adapter in %s not mergeable here; loading through peft", directory)
        return EventClassifier.from_pretrained(directory)
    import torch

    with torch.no_grad():
        for name, tensor in merged.items():
            if tensor is not state[name]:
                state[name].copy_(tensor)
    model.eval()
    clf = EventClassifier(model, tokenizer, config)
    clf.source_dir = directory
    return clf


def _plain_lora(directory: Path) -> dict[str, Any] | None:
    """The adapter config when it is a plain LoRA this module can merge, else None."""
    try:
        cfg = json.loads((directory / _ADAPTER_CONFIG).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not (directory / _ADAPTER_WEIGHTS).is_file():
        return None
    plain = (
        cfg.get("peft_type") == "LORA"
        and not cfg.get("use_dora")
        and not cfg.get("lora_bias")
        and cfg.get("bias", "none") == "none"
        and not cfg.get("fan_in_fan_out")
        and not cfg.get("rank_pattern")
        and not cfg.get("alpha_pattern")
        and not cfg.get("layer_replication")
        and not cfg.get("target_parameters")
        and not cfg.get("trainable_token_indices")
        and isinstance(cfg.get("r"), int)
        and cfg["r"] > 0
    )
    return cfg if plain else None


def _merge_lora_state(
    state: dict[str, torch.Tensor], weights: dict[str, torch.Tensor], cfg: dict[str, Any]
) -> bool:
    """Merge LoRA deltas and saved head modules into ``state`` (in place); False if unsure.

    ``state`` keys may or may not carry the ``bert.`` prefix; adapter keys are matched
    either way.
    """
    r = cfg["r"]
    scale = cfg["lora_alpha"] / (math.sqrt(r) if cfg.get("use_rslora") else r)

    def key(name: str) -> str | None:
        for candidate in (name, _strip_bert(name)):
            if candidate in state:
                return candidate
        return None

    pairs: dict[str, dict[str, torch.Tensor]] = {}
    plain: dict[str, torch.Tensor] = {}
    for name, tensor in weights.items():
        if not name.startswith(_PREFIX):
            return False
        name = name[len(_PREFIX):]
        for part in ("lora_A", "lora_B"):
            if name.endswith(f".{part}.weight"):
                pairs.setdefault(name[: -len(f".{part}.weight")], {})[part] = tensor
                break
        else:
            # A module saved whole (the head, the pooler): replaces or adds the weight.
            target = key(name) or _strip_bert(name)
            if "lora_" in name or (target in state and state[target].shape != tensor.shape):
                return False
            plain[target] = tensor
    import torch

    updates: dict[str, torch.Tensor] = {}
    threads = torch.get_num_threads()
    # These rank-r products are tiny: thread hand-offs cost more than the arithmetic
    # (seconds at start-up on a busy machine), so they run on one thread.
    torch.set_num_threads(1)
    try:
        for module, ab in pairs.items():
            target = key(f"{module}.weight")
            if target is None or set(ab) != {"lora_A", "lora_B"}:
                return False
            delta = (ab["lora_B"].float() @ ab["lora_A"].float()) * scale
            if delta.shape != state[target].shape:
                return False
            updates[target] = state[target] + delta.to(state[target].dtype)
    finally:
        torch.set_num_threads(threads)
    state.update(updates)
    state.update(plain)
    return True


class _quiet:
    """Silence transformers' load report and progress bar (stderr stays for our notes)."""

    def __enter__(self) -> None:
        from transformers.utils import logging as hf_logging

        self._level = hf_logging.get_verbosity()
        self._bar = hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", message=".*newly initialized.*")

    def __exit__(self, *exc: object) -> None:
        from transformers.utils import logging as hf_logging

        self._warnings.__exit__(*exc)
        hf_logging.set_verbosity(self._level)
        if self._bar:
            hf_logging.enable_progress_bar()


# --------------------------------------------------------------------------- lean BERT
def build_lean_bert(state: dict[str, torch.Tensor], cfg: dict[str, Any]) -> nn.Module | None:
    """The lean inference module of a BERT sequence classifier, or None if unsupported.

    Args:
        state: Weights by BERT name without the ``bert.`` prefix (``embeddings.*``,
            ``encoder.layer.N.*``, optional ``pooler.dense.*``) plus ``classifier.*``.
        cfg: The model's ``config.json`` values.
    """
    if not _lean_supported(cfg) or "classifier.weight" not in state:
        return None
    try:
        return _lean_classes()[1](state, cfg)
    except KeyError as e:  # a weight the lean forward needs is missing
        logger.info("no lean forward: missing weight %s", e)
        return None


@functools.cache
def _lean_classes() -> tuple[type, type]:
    """Define the lean modules on first use, so importing this module needs no torch."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    def linear(state: dict[str, torch.Tensor], *names: str) -> nn.Linear:
        """An ``nn.Linear`` (so int8 conversion finds it) holding the named weights,
        stacked along the output dimension when several (fused projections)."""
        weight = torch.cat([state[f"{n}.weight"] for n in names]).float()
        bias = torch.cat([state[f"{n}.bias"] for n in names]).float()
        # Built without nn.Linear.__init__: its random init (or skip_init's meta-device
        # detour, which imports sympy) costs more at start-up than the whole load.
        layer = nn.Linear.__new__(nn.Linear)
        nn.Module.__init__(layer)
        layer.in_features, layer.out_features = weight.shape[1], weight.shape[0]
        layer.weight = nn.Parameter(weight.contiguous(), requires_grad=False)
        layer.bias = nn.Parameter(bias.contiguous(), requires_grad=False)
        return layer

    def norm(state: dict[str, torch.Tensor], name: str, eps: float) -> nn.LayerNorm:
        layer = nn.LayerNorm(state[f"{name}.weight"].shape[0], eps=eps)
        layer.weight = nn.Parameter(state[f"{name}.weight"].float(), requires_grad=False)
        layer.bias = nn.Parameter(state[f"{name}.bias"].float(), requires_grad=False)
        return layer

    class LeanLayer(nn.Module):
        """One transformer layer; ``cls_only`` computes the output at position 0 only."""

        def __init__(self, state: dict[str, torch.Tensor], prefix: str, heads: int,
                     eps: float, approximate: str, cls_only: bool) -> None:
            super().__init__()
            att = f"{prefix}.attention.self"
            self.heads = heads
            self.cls_only = cls_only
            self.approximate = approximate
            if cls_only:
                self.q = linear(state, f"{att}.query")
                self.kv = linear(state, f"{att}.key", f"{att}.value")
            else:
                self.qkv = linear(state, f"{att}.query", f"{att}.key", f"{att}.value")
            self.attn_out = linear(state, f"{prefix}.attention.output.dense")
            self.norm1 = norm(state, f"{prefix}.attention.output.LayerNorm", eps)
            self.up = linear(state, f"{prefix}.intermediate.dense")
            self.down = linear(state, f"{prefix}.output.dense")
            self.norm2 = norm(state, f"{prefix}.output.LayerNorm", eps)

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            b, n, h = x.shape
            d = h // self.heads
            if self.cls_only:
                residual = x[:, :1]
                q = self.q(residual).view(b, 1, self.heads, d).transpose(1, 2)
                k, v = self.kv(x).view(b, n, 2, self.heads, d).permute(2, 0, 3, 1, 4)
            else:
                residual = x
                q, k, v = self.qkv(x).view(b, n, 3, self.heads, d).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            ctx = ctx.transpose(1, 2).reshape(b, -1, h)
            a = self.norm1(self.attn_out(ctx) + residual)
            return self.norm2(self.down(F.gelu(self.up(a), approximate=self.approximate)) + a)

    class LeanBert(nn.Module):
        """Inference-only forward of a BERT sequence classifier (same weights, same math).

        Args:
            state: Weights (see `build_lean_bert`).
            cfg: The model's config values.
        """

        def __init__(self, state: dict[str, torch.Tensor], cfg: dict[str, Any]) -> None:
            super().__init__()
            eps = float(cfg.get("layer_norm_eps", 1e-12))
            n_layers = int(cfg["num_hidden_layers"])
            self.word = state["embeddings.word_embeddings.weight"].float()
            self.position = state["embeddings.position_embeddings.weight"].float()
            self.token_type = state["embeddings.token_type_embeddings.weight"].float()
            self.emb_norm = norm(state, "embeddings.LayerNorm", eps)
            self.layers = nn.ModuleList(
                LeanLayer(state, f"encoder.layer.{i}", int(cfg["num_attention_heads"]), eps,
                          _ACTIVATIONS[cfg["hidden_act"]], i == n_layers - 1)
                for i in range(n_layers)
            )
            self.pooler = linear(state, "pooler.dense") if "pooler.dense.weight" in state \
                else None
            self.classifier = linear(state, "classifier")
            self.eval()

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor | None = None,
        ) -> torch.Tensor:
            n = input_ids.shape[1]
            x = F.embedding(input_ids, self.word) + self.position[:n]
            if token_type_ids is None:
                x = x + self.token_type[0]
            else:
                x = x + F.embedding(token_type_ids, self.token_type)
            x = self.emb_norm(x)
            # Additive mask: padded keys get the most negative float, broadcast over heads
            # and queries; position 0 ([CLS]) is never padded, so no row is all masked.
            mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(
                x.dtype
            ).min
            for layer in self.layers:
                x = layer(x, mask)
            cls = x[:, 0]
            if self.pooler is not None:
                cls = torch.tanh(self.pooler(cls))
            return self.classifier(cls)

    return LeanLayer, LeanBert


# --------------------------------------------------------------------------- scoring
class Scorer:
    """Turns sentences into calibrated probabilities as fast as the CPU allows.

    Args:
        config: The model's eventx config (token limit, temperatures).
        tokenizer: A ``tokenizers.Tokenizer``; its truncation is set here, its padding off.
        module: The forward pass: a lean BERT (possibly int8) or a Hugging Face model.
        max_tokens: Token budget of one batch (sentences x padded length); batches of
            short sentences hold more sentences, up to the batch size.
        workers: Threads that run batches side by side, each on one core (torch's
            intra-op threads are set to 1 while they run). On a small CPU this beats one
            forward spread over all cores: an encoder's matrix products at news-sentence
            sizes are too small to split well (``benchmarks/results/speed.md``). 1 runs
            batches in the calling thread with torch's own thread setting.
    """

    def __init__(
        self,
        config: EventxConfig,
        tokenizer: tokenizers.Tokenizer,
        module: nn.Module,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        workers: int = 1,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.config = config
        self.tokenizer = tokenizer
        self.module = module
        self.max_tokens = max_tokens
        self.workers = workers
        self.lean = not hasattr(module, "config")
        tokenizer.no_padding()
        tokenizer.enable_truncation(config.max_length, strategy="longest_first")
        # Padded positions are masked out, so any valid id would do; use the real one.
        self.pad_id = tokenizer.token_to_id("[PAD]") or 0

    def probabilities(
        self,
        texts: Sequence[str],
        contexts: Sequence[str | None] | None = None,
        batch_size: int = 64,
        truncated: list[int] | None = None,
        rule_scores: np.ndarray | None = None,
    ) -> np.ndarray:
        """Calibrated per-label probabilities, shape ``(len(texts), len(LABELS))``.

        Args:
            texts: Sentences.
            contexts: Optional second segment per sentence.
            batch_size: Most sentences per forward pass.
            truncated: If given, indices of sentences cut at the token limit are
                appended to it.
            rule_scores: Keyword-coder scores in article context, for models with rule
                fusion; by default each sentence is scored on its own.
        """
        from eventx.fusion import calibrated_probabilities

        logits = self.logits(texts, contexts, batch_size, truncated)
        if not texts:
            return logits
        return calibrated_probabilities(self.config, logits, texts, rule_scores)

    def logits(
        self,
        texts: Sequence[str],
        contexts: Sequence[str | None] | None = None,
        batch_size: int = 64,
        truncated: list[int] | None = None,
    ) -> np.ndarray:
        """The encoder's raw logits, shape ``(len(texts), len(LABELS))`` (arguments as in
        `probabilities`); what calibration is fitted on."""
        import numpy as np
        import torch

        if not texts:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        encodings = self._encode(texts, contexts, truncated)
        lengths = np.fromiter((len(e) for e in encodings), dtype=np.int64, count=len(texts))
        order = np.argsort(lengths, kind="stable")
        logits = np.empty((len(texts), len(LABELS)), dtype=np.float32)

        def run(batch: slice) -> None:
            idx = order[batch]
            inputs = self._inputs([encodings[i] for i in idx], int(lengths[idx[-1]]),
                                  with_types=contexts is not None)
            with torch.inference_mode():  # per call: the mode is local to each thread
                out = self.module(**inputs)
            logits[idx] = (out if self.lean else out.logits).float().numpy()

        run_side_by_side(run, _budget_batches(lengths[order], batch_size, self.max_tokens),
                         self.workers)
        return logits

    def _inputs(
        self, encodings: Sequence[tokenizers.Encoding], width: int, with_types: bool
    ) -> dict[str, torch.Tensor]:
        """Model inputs of one batch, padded to ``width`` (its longest sentence)."""
        import numpy as np
        import torch

        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64) if with_types else None
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            n = len(enc)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            if types is not None:
                types[row, :n] = enc.type_ids
        inputs = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
        if types is not None:
            inputs["token_type_ids"] = torch.from_numpy(types)
        return inputs

    def _encode(
        self,
        texts: Sequence[str],
        contexts: Sequence[str | None] | None,
        truncated: list[int] | None,
    ) -> list[tokenizers.Encoding]:
        """Encodings of every sentence (with its context, if any), unpadded, in one call."""
        if contexts is None:
            encodings = self.tokenizer.encode_batch(list(texts))
            if truncated is not None:
                truncated.extend(i for i, e in enumerate(encodings) if e.overflowing)
            return encodings
        encodings = self.tokenizer.encode_batch(
            [(t, c or "") for t, c in zip(texts, contexts)]
        )
        if truncated is not None:
            over = [i for i, e in enumerate(encodings) if e.overflowing]
            if over:
                # The overflow may be the context's: report only sentences that lost tokens.
                self.tokenizer.no_truncation()
                try:
                    full = self.tokenizer.encode_batch([texts[i] for i in over])
                finally:
                    self.tokenizer.enable_truncation(self.config.max_length,
                                                     strategy="longest_first")
                kept = [sum(1 for s in encodings[i].sequence_ids if s == 0) for i in over]
                truncated.extend(i for i, f, k in zip(over, full, kept) if len(f) - 2 > k)
        return encodings


def _budget_batches(sorted_lengths: np.ndarray, batch_size: int, max_tokens: int) -> list[slice]:
    """Cut length-sorted sentences into batches of at most ``batch_size`` sentences whose
    padded size (count x longest) stays within ``max_tokens`` (one sentence always fits)."""
    batches = []
    start = 0
    n = len(sorted_lengths)
    while start < n:
        end = start + 1
        while end < n and end - start < batch_size and \
                (end - start + 1) * int(sorted_lengths[end]) <= max_tokens:
            end += 1
        batches.append(slice(start, end))
        start = end
    return batches
