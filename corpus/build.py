"""Lay the hand-written raw articles out as SPEC-format annotated articles, with splits.

    python corpus/build.py            # writes eventx/corpus_data/{train,...}.jsonl

Each raw article (corpus/raw/w*.jsonl, format in corpus/WRITERS.md) becomes an article
whose ``text`` is the headline line, a blank line, the dateline (on its own line, or
inline before the first sentence, chosen by a hash of the id so both layouts occur), and
the paragraphs separated by blank lines; sentences of a paragraph are joined by a space,
bullets and live-blog entries by a line break. Offsets are computed, not typed.

Splits are by article, never by sentence. Whole conflict settings go to ``test_unseen``;
the other articles are split about 70/15/15 within each setting, by a hash of the id.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventx.data import parse_article  # noqa: E402

RAW = ROOT / "corpus" / "raw"
OUT = ROOT / "eventx" / "corpus_data"

UNSEEN_SETTINGS = {
    "iran-israel-exchanges",
    "nagorno-karabakh",
    "manipur-communal-violence",
    "drc-east",
    "thailand-deep-south",
    "cameroon-anglophone",
}
"""Conflict settings held out whole: none of their articles is in train or validation."""

BULLETS = ("- ", "• ", "* ", "– ")


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def layout(raw: dict) -> dict:
    """Build one SPEC-format article (text + offsets) from a raw article."""
    title = raw["title"]
    sentences: list[dict] = []
    text = title["text"]
    sentences.append({"start": 0, "end": len(text), "text": text, "labels": title["labels"],
                      **({"tags": title["tags"]} if title.get("tags") else {})})
    dateline = raw.get("dateline")
    inline = dateline is not None and _hash(raw["id"]) % 3 != 0
    if dateline and not inline:
        text += "\n\n"
        sentences.append({"start": len(text), "end": len(text) + len(dateline),
                          "text": dateline, "labels": []})
        text += dateline
    first = True
    for para in raw["paragraphs"]:
        for s_idx, s in enumerate(para):
            body = s["text"]
            if first:
                text += "\n\n" if not (dateline and not inline) else "\n"
                if inline and dateline:
                    sep = " — " if _hash(raw["id"] + "sep") % 2 else " - "
                    body = f"{dateline}{sep}{body}"
            elif s_idx == 0:
                text += "\n\n"
            elif body.startswith(BULLETS):
                text += "\n"
            else:
                text += " "
            first = False
            start = len(text)
            text += body
            sent = {"start": start, "end": len(text), "text": body, "labels": s["labels"]}
            if s.get("tags"):
                sent["tags"] = s["tags"]
            sentences.append(sent)
    return {
        "id": raw["id"],
        "title": title["text"],
        "date": raw.get("date"),
        "text": text,
        "sentences": sentences,
        "setting": raw["setting"],
        "domain": raw["domain"],
        "register": raw["register"],
    }


def split_of(article: dict) -> str:
    if article["setting"] in UNSEEN_SETTINGS:
        return "test_unseen"
    r = _hash("split:" + article["id"]) % 100
    return "train" if r < 70 else "validation" if r < 85 else "test"


def main() -> int:
    splits: dict[str, list[dict]] = {"train": [], "validation": [], "test": [], "test_unseen": []}
    for path in sorted(RAW.glob("w*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            article = layout(json.loads(line))
            _, problems = parse_article(article, str(path), n)
            if problems:
                for p in problems:
                    print(p)
                return 1
            splits[split_of(article)].append(article)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, articles in splits.items():
        with open(OUT / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for a in articles:
                f.write(json.dumps(a, ensure_ascii=False) + "\n")
        n_sent = sum(len(a["sentences"]) for a in articles)
        print(f"{name:12s} {len(articles):4d} articles {n_sent:5d} sentences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
