"""Fine-tuning: train an `EventClassifier` on annotated articles.

One plain PyTorch loop, kept small so it is easy to read and to resume: length-bucketed
batches, each step shared by single-core worker threads (`_accumulate_gradients`),
AdamW with linear warm-up and decay, weighted BCE for rare labels, validation
macro-F1 after every epoch with early stopping, a checkpoint after every epoch, then
calibration (temperatures, and the rule fusion of `eventx.fusion`) and per-label
thresholds fitted on the validation split.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from eventx.calibration import (
    apply_temperatures,
    expected_calibration_error,
    find_thresholds,
    fit_temperatures,
    macro_f1,
)
from eventx.data import AnnotatedArticle, read_articles
from eventx.labels import LABELS, to_multi_hot
from eventx.modeling import EventClassifier, context_for
from eventx.training_args import TrainingArguments

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

CHECKPOINT_DIR = "checkpoint"
EPOCHS_DIR = "epochs"
LOG_NAME = "training_log.jsonl"


@dataclass
class Examples:
    """Sentences flattened out of articles, with their context segment and targets."""

    texts: list[str]
    contexts: list[str | None]
    targets: np.ndarray

    @classmethod
    def from_articles(cls, articles: Sequence[AnnotatedArticle], context: str) -> Examples:
        texts: list[str] = []
        contexts: list[str | None] = []
        targets: list[list[int]] = []
        for article in articles:
            sents = [s.text for s in article.sentences]
            for i, s in enumerate(article.sentences):
                texts.append(s.text)
                contexts.append(context_for(sents, i, context, article.title))
                targets.append(to_multi_hot(s.labels))
        return cls(texts, contexts, np.asarray(targets, dtype=np.float32).reshape(-1, len(LABELS)))


def _as_articles(data: str | Path | Sequence[AnnotatedArticle]) -> list[AnnotatedArticle]:
    return read_articles(data) if isinstance(data, (str, Path)) else list(data)


def _rule_scores(articles: Sequence[AnnotatedArticle]) -> np.ndarray:
    """Keyword-coder scores of every sentence, read article by article (`eventx.fusion`)."""
    from eventx.fusion import article_rule_scores

    return article_rule_scores([(a.title, [s.text for s in a.sentences]) for a in articles])


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _length_bucketed_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[
    list[int]
]:
    """Shuffled batches of similar-length examples: less padding, still random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches: list[list[int]] = []
    for k in range(0, len(order), pool):
        chunk = sorted(order[k : k + pool], key=lambda i: lengths[i])
        batches += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def _split(idx: list[int], parts: int) -> list[list[int]]:
    """``idx`` cut into at most ``parts`` contiguous runs of near-equal size."""
    parts = max(1, min(parts, len(idx)))
    size, extra = divmod(len(idx), parts)
    out, start = [], 0
    for k in range(parts):
        end = start + size + (1 if k < extra else 0)
        out.append(idx[start:end])
        start = end
    return out


def _accumulate_gradients(
    model: torch.nn.Module,
    params: list[torch.nn.Parameter],
    loss_fn: torch.nn.Module,
    inputs: list[dict[str, torch.Tensor]],
    targets: list[torch.Tensor],
    pool: ThreadPoolExecutor | None,
) -> float:
    """Set ``.grad`` of ``params`` to the gradient of the batch's mean loss; return it.

    The batch comes in parts (rows of one batch); each part's forward and backward run
    on its own thread of ``pool`` (torch releases the GIL inside its kernels), and the
    parts' gradients are summed in part order, so the result does not depend on which
    thread finishes first.
    """
    import torch

    total = sum(len(t) for t in targets)

    def part_gradients(k: int) -> tuple[float, tuple[torch.Tensor | None, ...]]:
        logits = model(**inputs[k]).logits
        loss = loss_fn(logits, targets[k]) * (len(targets[k]) / total)
        return loss.item(), torch.autograd.grad(loss, params, allow_unused=True)

    ks = range(len(inputs))
    results = list(pool.map(part_gradients, ks)) if pool is not None and len(inputs) > 1 \
        else [part_gradients(k) for k in ks]
    for i, param in enumerate(params):
        grad = None
        for _, grads in results:
            if grads[i] is not None:
                grad = grads[i] if grad is None else grad + grads[i]
        param.grad = grad
    return sum(loss for loss, _ in results)


def train(
    train_data: str | Path | Sequence[AnnotatedArticle],
    dev_data: str | Path | Sequence[AnnotatedArticle],
    args: TrainingArguments,
) -> EventClassifier:
    """Fine-tune a classifier and save it (with calibration and thresholds) to ``args.output_dir``.

    Args:
        train_data: Annotated articles (a JSONL path or loaded articles) to learn from.
        dev_data: Validation articles: early stopping, calibration and thresholds.
        args: Training settings.

    Returns:
        The trained classifier, as saved.
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _seed_everything(args.seed)
    train_ex = Examples.from_articles(_as_articles(train_data), args.context)
    dev_articles = _as_articles(dev_data)
    dev_ex = Examples.from_articles(dev_articles, args.context)
    if not train_ex.texts or not dev_ex.texts:
        raise ValueError("training and validation data must each hold at least one sentence")

    clf = EventClassifier.from_base(
        args.base_model, adapter=args.adapter, context=args.context, max_length=args.max_length,
        lora_r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
        dropout=args.dropout, attention_dropout=args.attention_dropout,
        frozen_layers=args.frozen_layers,
    )
    model, tok = clf.model, clf.tokenizer
    use_ctx = args.context != "none"
    encoded = tok(
        train_ex.texts,
        [c or "" for c in train_ex.contexts] if use_ctx else None,
        truncation=True, max_length=args.max_length,
    )
    features = [
        {k: encoded[k][i] for k in encoded} for i in range(len(train_ex.texts))
    ]
    lengths = [len(f["input_ids"]) for f in features]
    targets = torch.tensor(train_ex.targets)
    bottom, cache_seconds = None, 0.0
    if args.frozen_layers:
        from eventx.frozen_layers import FrozenBottom

        t_cache = time.time()
        bottom = FrozenBottom(model, args.frozen_layers, features, tok,
                              args.eval_batch_size, args.show_progress_bar)
        cache_seconds = round(time.time() - t_cache, 1)

    pos = targets.sum(0)
    pos_weight = None
    if args.class_weighting:
        neg = len(targets) - pos
        pos_weight = torch.sqrt(neg.clamp(min=1) / pos.clamp(min=1)).clamp(max=10.0)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.learning_rate, weight_decay=args.weight_decay)
    steps_per_epoch = (len(features) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    if args.max_steps > 0:
        total = min(total, args.max_steps)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(total * args.warmup_ratio), max(total, 1)
    )

    state: dict[str, Any] = {"epoch": 0, "step": 0, "best_f1": -1.0, "best_epoch": 0,
                             "stale": 0, "history": []}
    best_weights = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    ckpt = out_dir / CHECKPOINT_DIR / "state.pt"
    if args.resume and ckpt.is_file():
        saved = torch.load(ckpt, weights_only=False)
        if saved["args"] == args.to_dict():
            model.load_state_dict(saved["weights"], strict=False)
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
            best_weights = saved["best_weights"]
            state = saved["state"]
            random.setstate(saved["py_rng"])
            torch.set_rng_state(saved["torch_rng"])
            logger.info("resumed from %s at epoch %d", ckpt, state["epoch"])
        else:
            logger.warning("ignoring %s: it was written with other training arguments", ckpt)

    rng = random.Random(args.seed)
    for _ in range(state["epoch"]):  # replay the shuffles of finished epochs
        _length_bucketed_batches(lengths, args.batch_size, rng)
    log_path = out_dir / LOG_NAME
    if state["epoch"] == 0 and log_path.exists():
        log_path.unlink()

    from tqdm.auto import tqdm

    from eventx.runtime import available_cpus, torch_threads

    workers = args.workers or available_cpus()

    def inputs(idx: list[int]) -> dict[str, torch.Tensor]:
        if bottom is not None:  # start from the cached output of the frozen layers
            return bottom.inputs(idx)
        # Lengths padded to a multiple of 8: fewer distinct shapes for CPU kernels.
        return dict(tok.pad([features[i] for i in idx], return_tensors="pt",
                            pad_to_multiple_of=8))

    while state["epoch"] < args.epochs and (args.max_steps < 0 or state["step"] < args.max_steps):
        epoch = state["epoch"] + 1
        model.train()
        t0 = time.time()
        batches = _length_bucketed_batches(lengths, args.batch_size, rng)
        running, seen = 0.0, 0
        bar = tqdm(batches, desc=f"epoch {epoch}/{args.epochs}", unit="batch",
                   disable=not args.show_progress_bar, leave=False)
        with contextlib.ExitStack() as stack:
            pool = None
            if workers > 1:  # threads made after this start with one torch thread each
                stack.enter_context(torch_threads(1))
                pool = stack.enter_context(ThreadPoolExecutor(workers))
            if bottom is not None:
                stack.enter_context(bottom.top_only())
            for idx in bar:
                parts = _split(idx, workers)
                loss = _accumulate_gradients(model, params, loss_fn,
                                             [inputs(part) for part in parts],
                                             [targets[part] for part in parts], pool)
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                running += loss * len(idx)
                seen += len(idx)
                state["step"] += 1
                bar.set_postfix(loss=f"{running / seen:.4f}")
                if 0 < args.max_steps <= state["step"]:
                    break
        model.eval()
        dev_logits = clf.logits(dev_ex.texts, dev_ex.contexts if use_ctx else None,
                                args.eval_batch_size, workers=workers).numpy()
        f1, per_label = macro_f1(dev_ex.targets, dev_logits >= 0.0)
        record = {"epoch": epoch, "step": state["step"], "train_loss": round(running / seen, 5),
                  "dev_macro_f1": round(f1, 4),
                  "dev_f1": {lab: round(v, 4) for lab, v in zip(LABELS, per_label)},
                  "seconds": round(time.time() - t0, 1)}
        state["history"].append(record)
        with open(log_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        logger.info("epoch %d: loss %.4f dev macro-F1 %.4f", epoch, record["train_loss"], f1)
        if args.show_progress_bar:
            tqdm.write(f"epoch {epoch}: train loss {record['train_loss']:.4f}  "
                       f"dev macro-F1 {f1:.4f}  ({record['seconds']} s)")
        if args.save_every_epoch:
            clf.save_pretrained(out_dir / EPOCHS_DIR / f"epoch{epoch}")
        if f1 > state["best_f1"]:
            state.update(best_f1=f1, best_epoch=epoch, stale=0, best_dev_logits=dev_logits)
            best_weights = {n: p.detach().clone() for n, p in model.named_parameters()
                            if p.requires_grad}
        else:
            state["stale"] += 1
        state["epoch"] = epoch
        ckpt.parent.mkdir(exist_ok=True)
        torch.save({"args": args.to_dict(), "state": state, "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "best_weights": best_weights,
                    "weights": {n: p.detach() for n, p in model.named_parameters()
                                if p.requires_grad},
                    "py_rng": rng.getstate(), "torch_rng": torch.get_rng_state()}, ckpt)
        if 0 < args.early_stopping_patience <= state["stale"]:
            logger.info("early stopping after epoch %d", epoch)
            break

    with torch.no_grad():
        named = dict(model.named_parameters())
        for n, w in best_weights.items():
            named[n].copy_(w)
    clf.round_to_saved_precision()  # what is calibrated is what is saved
    model.eval()
    # The best epoch's validation logits are those of the restored weights: no second pass.
    dev_logits = state.pop("best_dev_logits", None)
    if dev_logits is None:
        dev_logits = clf.logits(dev_ex.texts, dev_ex.contexts if use_ctx else None,
                                args.eval_batch_size, workers=workers).numpy()
    dev_rules = _rule_scores(dev_articles) if args.rule_fusion else None
    fit_report = calibrate(clf, dev_logits, dev_ex.targets, dev_rules)
    clf.config.training = {
        **args.to_dict(), "best_epoch": state["best_epoch"], "epochs_run": state["epoch"],
        "train_sentences": len(train_ex.texts), "dev_sentences": len(dev_ex.texts),
        "frozen_cache_seconds": cache_seconds,
        "history": state["history"],
    }
    clf.config.scores["calibration"] = fit_report
    clf.save_pretrained(out_dir)
    shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
    return clf


def calibrate(
    clf: EventClassifier,
    dev_logits: np.ndarray,
    dev_targets: np.ndarray,
    dev_rules: np.ndarray | None = None,
) -> dict[str, Any]:
    """Fit calibration and thresholds on validation logits; store them in ``clf.config``.

    Temperatures are always fitted; with ``dev_rules`` (keyword-coder scores of the same
    sentences) the rule fusion of `eventx.fusion` is fitted too and becomes the model's
    calibration. Thresholds are chosen on the final probabilities.

    Returns:
        Validation macro-F1 and ECE before and after, for the model card.
    """
    from eventx.fusion import RuleFusion

    raw = 1.0 / (1.0 + np.exp(-dev_logits))
    temps = fit_temperatures(dev_logits, dev_targets)
    scaled = apply_temperatures(dev_logits, temps)
    scaled_thresholds = find_thresholds(scaled, dev_targets)
    clf.config.temperatures = temps
    clf.config.fusion = None
    probs, thresholds = scaled, scaled_thresholds
    if dev_rules is not None:
        fusion = RuleFusion.fit(dev_logits, dev_rules, dev_targets)
        clf.config.fusion = fusion.to_dict()
        probs = fusion.probabilities(dev_logits, dev_rules)
        thresholds = find_thresholds(probs, dev_targets)
    clf.config.thresholds = thresholds
    f1_before, _ = macro_f1(dev_targets, raw >= 0.5)
    f1_scaled, _ = macro_f1(dev_targets, scaled >= np.asarray(scaled_thresholds))
    f1_after, per_label = macro_f1(dev_targets, probs >= np.asarray(thresholds)[None, :])
    return {
        "method": "rule fusion" if dev_rules is not None else "temperature scaling",
        "macro_f1_at_0.5": round(f1_before, 4),
        "macro_f1_temperature": round(f1_scaled, 4),
        "macro_f1": round(f1_after, 4),
        "f1": {lab: round(v, 4) for lab, v in zip(LABELS, per_label)},
        "ece_before": round(expected_calibration_error(raw, dev_targets), 4),
        "ece_temperature": round(expected_calibration_error(scaled, dev_targets), 4),
        "ece_after": round(expected_calibration_error(probs, dev_targets), 4),
    }


def recalibrate(
    model_dir: str | Path,
    dev_data: str | Path | Sequence[AnnotatedArticle],
    rule_fusion: bool = True,
    batch_size: int = 128,
) -> dict[str, Any]:
    """Refit a saved model's calibration and thresholds on validation articles.

    The ``find-threshold`` step on its own: weights are untouched, only
    ``eventx_config.json`` is rewritten. Use it after changing the validation data, or to
    add (or drop) rule fusion on a model trained without it.

    Args:
        model_dir: A directory written by `train` or `EventClassifier.save_pretrained`.
        dev_data: Validation articles (a JSONL path or loaded articles).
        rule_fusion: Fit the rule fusion of `eventx.fusion` (else temperatures only).
        batch_size: Sentences per forward pass.

    Returns:
        The calibration report also stored under ``scores["calibration"]``.
    """
    clf = EventClassifier.from_pretrained(model_dir)
    articles = _as_articles(dev_data)
    ex = Examples.from_articles(articles, clf.config.context)
    if not ex.texts:
        raise ValueError("validation data must hold at least one sentence")
    use_ctx = clf.config.context != "none"
    logits = clf.logits(ex.texts, ex.contexts if use_ctx else None, batch_size).numpy()
    report = calibrate(clf, logits, ex.targets, _rule_scores(articles) if rule_fusion else None)
    clf.config.scores["calibration"] = report
    clf.config.save(model_dir)
    return report
