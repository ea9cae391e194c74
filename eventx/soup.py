"""Seed soups: the weights of several trained LoRA runs averaged into one model.

Runs of one recipe that differ only in their seed score alike on validation but can pick
quite different operating points (a `strike` threshold of 0.18 in one seed, 0.28 in the
next). Averaging their weights, as in "model soups" (Wortsman et al., 2022), gives one
model at the inference cost of one. For LoRA the average of the runs' weight updates,
``mean_i(s_i * B_i @ A_i)`` with ``s_i = alpha_i / r_i``, is itself a LoRA update of rank
``sum(r_i)``: stack the A factors, and place the B factors side by side, each times
``s_i / n``. So a soup is stored exactly as an ordinary adapter (scale 1) and loads like
any other eventx model; the modules saved whole (pooler and classifier head) are averaged.
Calibration and thresholds are not averaged: they are refitted on validation data.

    eventx soup runs/seed0 runs/seed1 runs/seed2 --out models/mine --dev dev.jsonl
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventx.modeling import _ADAPTER_FILES, ADAPTER_DTYPE, EventxConfig, ModelLoadError
from eventx.quantization import CHECK_FILE

if TYPE_CHECKING:
    import torch

    from eventx.data import AnnotatedArticle

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
_STALE_FILES = (CHECK_FILE, "README.md", "scores.json", "training_log.jsonl")


def _as_set(value: Any) -> Any:
    """PEFT stores some module lists in no fixed order."""
    return set(value) if isinstance(value, list) else value


def _adapter_config(run: Path) -> dict:
    config = EventxConfig.load(run)
    if config.adapter != "lora":
        raise ValueError(f"{run}: a soup averages LoRA runs; this one is {config.adapter!r}")
    path = run / _ADAPTER_FILES[0]
    if not path.is_file():
        raise ModelLoadError(f"{run}: {_ADAPTER_FILES[0]} is missing")
    adapter = json.loads(path.read_text())
    if any(adapter.get(k) for k in ("use_dora", "use_rslora", "rank_pattern", "alpha_pattern")):
        raise ValueError(f"{run}: only plain LoRA adapters (one rank, no DoRA or rsLoRA) can "
                         "be averaged")
    return adapter


def average_lora_runs(
    runs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    dev_data: str | os.PathLike[str] | Sequence[AnnotatedArticle],
    max_rank: int | None = None,
    batch_size: int = 128,
) -> dict[str, Any]:
    """Average LoRA runs into one model directory and calibrate it on validation data.

    Args:
        runs: Directories written by `eventx.trainer.train` (e.g. one per seed), all
            LoRA on the same base encoder, with the same target modules, context mode
            and length limit.
        out_dir: Where the soup goes (created; a model there before is replaced, and its
            int8 check and model card are removed).
        dev_data: Validation articles (a JSONL path or loaded articles) for calibration
            and thresholds, fitted as training fits them (rule fusion when the runs
            have it).
        max_rank: Store each layer's averaged update as its best approximation of this
            rank (truncated SVD) instead of exactly at the summed rank: a smaller file.
        batch_size: Sentences per forward pass while calibrating.

    Returns:
        The calibration report, also stored under ``scores["calibration"]``.
    """
    from eventx.trainer import recalibrate

    if max_rank is not None and max_rank < 1:
        raise ValueError(f"max_rank must be positive, got {max_rank}")
    _write_average(runs, out_dir, max_rank)
    config = EventxConfig.load(out_dir)
    return recalibrate(out_dir, dev_data, rule_fusion=config.fusion is not None,
                       batch_size=batch_size)


def _truncate(soup: dict[str, torch.Tensor], rank: int) -> None:
    """Replace each layer's LoRA pair by the best rank-``rank`` approximation of its update
    ``B @ A`` (truncated SVD), splitting the singular values evenly between the factors."""
    import torch

    for a_key in [k for k in soup if ".lora_A." in k]:
        b_key = a_key.replace(".lora_A.", ".lora_B.")
        u, s, vh = torch.linalg.svd(soup[b_key] @ soup[a_key], full_matrices=False)
        root = s[:rank].sqrt()
        soup[b_key] = (u[:, :rank] * root).contiguous()
        soup[a_key] = (root[:, None] * vh[:rank]).contiguous()


def _write_average(runs: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str],
                   max_rank: int | None = None) -> None:
    """The uniform weight average of LoRA runs, written as one (uncalibrated) model."""
    import torch
    from safetensors.torch import load_file, save_file

    dirs = [Path(r) for r in runs]
    if len(dirs) < 2:
        raise ValueError(f"a soup needs at least two runs, got {len(dirs)}")
    configs = [EventxConfig.load(d) for d in dirs]
    adapters = [_adapter_config(d) for d in dirs]
    for d, c, a in zip(dirs[1:], configs[1:], adapters[1:]):
        for key in ("base_model", "context", "max_length"):
            if getattr(c, key) != getattr(configs[0], key):
                raise ValueError(f"{d}: {key} {getattr(c, key)!r} differs from "
                                 f"{dirs[0]}'s {getattr(configs[0], key)!r}")
        for key in ("target_modules", "layers_to_transform", "modules_to_save"):
            if _as_set(a.get(key)) != _as_set(adapters[0].get(key)):
                raise ValueError(f"{d}: adapter {key} differs from {dirs[0]}'s")

    weights = [load_file(d / _ADAPTER_FILES[1]) for d in dirs]
    keys = set(weights[0])
    for d, w in zip(dirs[1:], weights[1:]):
        if set(w) != keys:
            raise ValueError(f"{d}: adapter tensors differ from {dirs[0]}'s")
    n = len(dirs)
    scales = [a["lora_alpha"] / a["r"] for a in adapters]
    soup: dict[str, torch.Tensor] = {}
    for key in sorted(keys):
        parts = [w[key].float() for w in weights]
        if ".lora_A." in key:
            soup[key] = torch.cat(parts, dim=0)
        elif ".lora_B." in key:
            soup[key] = torch.cat([p * (s / n) for p, s in zip(parts, scales)], dim=1)
        else:
            soup[key] = torch.stack(parts).mean(dim=0)
    rank = sum(a["r"] for a in adapters)
    if max_rank is not None and max_rank < rank:
        _truncate(soup, max_rank)
        rank = max_rank
    dtype = getattr(torch, ADAPTER_DTYPE)
    soup = {k: v.to(dtype) for k, v in soup.items()}

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in _STALE_FILES:  # they would describe a model that is no longer there
        (out / name).unlink(missing_ok=True)
    adapter = dict(adapters[0], r=rank, lora_alpha=rank)  # scale 1: folded into B
    (out / _ADAPTER_FILES[0]).write_text(json.dumps(adapter, indent=2) + "\n")
    save_file(soup, out / _ADAPTER_FILES[1], metadata={"format": "pt"})
    for name in _TOKENIZER_FILES:
        if (dirs[0] / name).is_file():
            shutil.copy2(dirs[0] / name, out / name)
    config = configs[0]
    config.training = dict(config.training, soup={
        "runs": [d.name for d in dirs], "rank": rank,
        "summed_rank": sum(a["r"] for a in adapters),
        "seeds": [c.training.get("seed") for c in configs],
        "best_epochs": [c.training.get("best_epoch") for c in configs]})
    config.scores = {}
    config.save(out)
