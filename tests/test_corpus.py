from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from eventx.corpus import SPLITS, load_articles, load_corpus, near_duplicates

ROOT = Path(__file__).resolve().parent.parent


def test_load_corpus_has_all_splits_with_sentence_rows() -> None:
    dd = load_corpus()
    assert set(dd) == set(SPLITS)
    assert sum(dd[s].num_rows for s in SPLITS) >= 6000
    row = dd["train"][0]
    assert len(row["label_vector"]) == 4 and row["end"] > row["start"]


def test_splits_are_by_article_and_unseen_settings_are_held_out() -> None:
    ids = {s: {a.id for a in load_articles(s)} for s in SPLITS}
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            assert not ids[a] & ids[b]
    unseen = {a.extra["setting"] for a in load_articles("test_unseen")}
    seen = {a.extra["setting"] for s in ("train", "validation") for a in load_articles(s)}
    assert unseen and not unseen & seen


def test_near_duplicates() -> None:
    texts = [
        "Rebels fired rockets at the northern town late on Sunday night.",
        "Rebels fired rockets at the northern town late on Sunday evening.",
        "Talks resumed in Geneva.",
    ]
    assert near_duplicates(texts) == [0, 1]


@pytest.mark.slow
def test_corpus_loads_from_an_installed_wheel(tmp_path: Path) -> None:
    """Build the wheel, unpack it elsewhere, and load the corpus from there."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("eventx-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = (
        "import eventx.corpus as c, sys; d = c.load_corpus(); "
        "assert c.corpus_dir().is_relative_to(sys.argv[1]), c.corpus_dir(); "
        "print(sum(d[s].num_rows for s in d))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run([sys.executable, "-c", code, str(site)], env=env, cwd=tmp_path,
                         check=True, capture_output=True, text=True)
    assert int(out.stdout.strip()) >= 6000
