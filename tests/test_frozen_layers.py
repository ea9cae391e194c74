from __future__ import annotations

from pathlib import Path

import pytest
import torch

from eventx.frozen_layers import FrozenBottom, encoder_parts
from eventx.modeling import EventClassifier
from eventx.trainer import train
from eventx.training_args import TrainingArguments

SENTENCES = [
    "Militants attacked a police post overnight, killing two officers.",
    "The ministry said talks would resume on Monday.",
    "Jets struck an arms depot.",
    "The foreign minister condemned the bombing in the strongest terms.",
    "Rain is expected across the north.",
]


def _features(clf: EventClassifier) -> list[dict[str, list[int]]]:
    enc = clf.tokenizer(SENTENCES, truncation=True, max_length=48)
    return [{k: enc[k][i] for k in enc} for i in range(len(SENTENCES))]


@pytest.mark.parametrize("adapter", ["lora", "full"])
def test_only_layers_above_the_frozen_ones_train(adapter: str) -> None:
    clf = EventClassifier.from_base(adapter=adapter, frozen_layers=2)
    base, layers = encoder_parts(clf.model)
    assert not any(p.requires_grad for p in base.embeddings.parameters())
    for i, layer in enumerate(layers):
        trains = any(p.requires_grad for p in layer.parameters())
        assert trains == (i >= 2), f"layer {i}"
    if adapter == "lora":
        names = [n for n, p in clf.model.named_parameters() if p.requires_grad and "lora_" in n]
        assert names and not any(f"layer.{i}." in n for n in names for i in (0, 1))


def test_cached_bottom_gives_the_full_forward() -> None:
    clf = EventClassifier.from_base(adapter="lora", frozen_layers=3)
    clf.model.eval()
    features = _features(clf)
    bottom = FrozenBottom(clf.model, 3, features, clf.tokenizer, batch_size=2)
    idx = [4, 0, 2]
    with torch.inference_mode():
        full = clf.model(**clf.tokenizer([SENTENCES[i] for i in idx], padding=True,
                                         return_tensors="pt")).logits
        with bottom.top_only():
            cached = clf.model(**bottom.inputs(idx)).logits
        again = clf.model(**clf.tokenizer([SENTENCES[i] for i in idx], padding=True,
                                          return_tensors="pt")).logits
    assert torch.allclose(full, cached, atol=1e-4)
    assert torch.equal(full, again)  # the model is whole again after the block
    assert len(encoder_parts(clf.model)[1]) == 6


def test_frozen_layers_out_of_range() -> None:
    with pytest.raises(ValueError, match="frozen_layers"):
        EventClassifier.from_base(adapter="full", frozen_layers=7)
    with pytest.raises(ValueError, match="frozen_layers"):
        TrainingArguments(output_dir="x", frozen_layers=-1)


def test_training_with_frozen_layers_saves_an_ordinary_model(
    tmp_path: Path, articles_path: Path
) -> None:
    args = TrainingArguments(output_dir=str(tmp_path / "m"), epochs=2, batch_size=8,
                             learning_rate=1e-3, max_length=48, seed=3, frozen_layers=2,
                             show_progress_bar=False, early_stopping_patience=0,
                             rule_fusion=False)
    clf = train(articles_path, articles_path, args)
    probs = clf.predict_proba(SENTENCES)
    loaded = EventClassifier.from_pretrained(tmp_path / "m")
    assert torch.allclose(loaded.predict_proba(SENTENCES), probs, atol=1e-5)
    assert loaded.config.training["frozen_layers"] == 2
