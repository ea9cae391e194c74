"""Shared fixtures: small real data, and a tiny real model trained for a few steps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def articles_path() -> Path:
    return DATA / "articles.jsonl"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, articles_path: Path) -> Path:
    """A real LoRA model over the packaged MiniLM, trained for a few steps (~10 s)."""
    from eventx.trainer import train
    from eventx.training_args import TrainingArguments

    out = tmp_path_factory.mktemp("tiny-model")
    args = TrainingArguments(
        output_dir=str(out), epochs=2, batch_size=8, learning_rate=1e-3, max_length=64,
        seed=0, show_progress_bar=False,
    )
    train(articles_path, articles_path, args)
    return out
