"""Probability calibration and decision thresholds, fitted on validation data.

Temperature scaling (one temperature per label) makes a score of 0.8 mean "right about
80% of the time"; per-label thresholds then pick the operating point that maximises
each label's F1. Both are fitted on the validation split only.
"""

from __future__ import annotations

import numpy as np

_TEMPERATURES = np.exp(np.linspace(np.log(0.25), np.log(8.0), 121))
_THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def fit_temperatures(logits: np.ndarray, targets: np.ndarray) -> list[float]:
    """Per-label temperature minimising the binary log-loss on held-out data.

    Args:
        logits: Shape ``(n, n_labels)``.
        targets: 0/1 array of the same shape.

    Returns:
        One temperature per label (1.0 for a label with a single class in ``targets``).
    """
    temps = []
    eps = 1e-7
    for j in range(logits.shape[1]):
        y = targets[:, j]
        if y.min() == y.max():
            temps.append(1.0)
            continue
        best, best_loss = 1.0, np.inf
        for t in _TEMPERATURES:
            p = np.clip(_sigmoid(logits[:, j] / t), eps, 1 - eps)
            loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            if loss < best_loss - 1e-12:
                best, best_loss = float(t), loss
        temps.append(round(best, 4))
    return temps


def apply_temperatures(logits: np.ndarray, temperatures: list[float]) -> np.ndarray:
    """Calibrated probabilities from logits."""
    return _sigmoid(logits / np.asarray(temperatures)[None, :])


def find_thresholds(
    probs: np.ndarray, targets: np.ndarray, tolerance: float = 0.0
) -> list[float]:
    """Per-label threshold maximising F1 (ties go to the threshold nearest 0.5).

    Args:
        probs: Calibrated probabilities, shape ``(n, n_labels)``.
        targets: 0/1 array of the same shape.
        tolerance: Thresholds whose F1 is within this much of the best count as tied, so
            a flat F1 curve gives a threshold near 0.5 rather than at a far end of it
            (``benchmarks/threshold_rule.py`` measures the choice; the default is 0).
    """
    out = []
    for j in range(probs.shape[1]):
        y = targets[:, j].astype(bool)
        if not y.any():
            out.append(0.5)
            continue
        pred = probs[:, j][None, :] >= _THRESHOLDS[:, None]
        tp = (pred & y).sum(1)
        fp = (pred & ~y).sum(1)
        fn = (~pred & y).sum(1)
        f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
        best = np.flatnonzero(f1 >= f1.max() - tolerance - 1e-12)
        out.append(float(_THRESHOLDS[best[np.argmin(np.abs(_THRESHOLDS[best] - 0.5))]]))
    return out


def expected_calibration_error(probs: np.ndarray, targets: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error over all (sentence, label) probabilities.

    Each probability is a binary forecast of its label; forecasts are pooled into
    ``n_bins`` equal-width bins and ECE is the bin-size-weighted mean gap between the
    mean forecast and the observed frequency.
    """
    p = np.asarray(probs, dtype=float).ravel()
    y = np.asarray(targets, dtype=float).ravel()
    if p.size == 0:
        return 0.0
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(ece)


def macro_f1(targets: np.ndarray, decisions: np.ndarray) -> tuple[float, list[float]]:
    """Macro-F1 over labels and the per-label F1 (scikit-learn, zero_division=0)."""
    from sklearn.metrics import f1_score

    per = f1_score(targets, decisions, average=None, zero_division=0)
    return float(np.mean(per)), [float(x) for x in per]
