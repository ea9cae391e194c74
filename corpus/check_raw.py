"""Check one or more raw corpus files written by hand (see corpus/README.md).

Prints format errors (file, line, field) and counts: articles, sentences,
labels, registers, settings, tags, and the near-duplicate share (sentences
whose word 5-grams overlap another sentence's by more than 50%).

    .venv/bin/python corpus/check_raw.py corpus/raw/w1.jsonl [...]
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventx.corpus import near_duplicates

LABELS = ("attack", "strike", "condemnation", "statement")
REGISTERS = (
    "wire", "feature", "regional", "press_release", "translated",
    "liveblog", "bulletin", "monitor", "analysis",
)
DOMAINS = ("conflict", "labour", "sport", "markets", "health", "politics", "disaster", "courts",
           "crime", "protest", "security")
TAGS = (
    "confuser", "hypothetical", "anaphora", "victim_calls_attack", "passive", "denial",
    "claim", "nested_attribution", "trailing_source", "long", "casualties", "convention",
)


def sentences_of(article: dict) -> list[dict]:
    out = [article["title"]]
    for para in article["paragraphs"]:
        out.extend(para)
    return out


def check_sentence(where: str, s: object, errors: list[str]) -> None:
    if not isinstance(s, dict):
        errors.append(f"{where}: not an object")
        return
    if not isinstance(s.get("text"), str) or not s["text"].strip():
        errors.append(f"{where}.text: missing or empty")
    elif s["text"] != s["text"].strip():
        errors.append(f"{where}.text: leading/trailing whitespace")
    labels = s.get("labels")
    if not isinstance(labels, list) or any(lab not in LABELS for lab in labels):
        errors.append(f"{where}.labels: must be a list drawn from {LABELS}, got {labels!r}")
    elif len(set(labels)) != len(labels):
        errors.append(f"{where}.labels: duplicate label")
    for tag in s.get("tags", []):
        if tag not in TAGS:
            errors.append(f"{where}.tags: unknown tag {tag!r} (allowed: {TAGS})")


def main(paths: list[str]) -> int:
    errors: list[str] = []
    articles: list[dict] = []
    ids: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path}:{n}"
                try:
                    a = json.loads(line)
                except json.JSONDecodeError as e:
                    errors.append(f"{where}: bad JSON: {e}")
                    continue
                for field in ("id", "setting", "domain", "register", "title", "date", "paragraphs"):
                    if field not in a:
                        errors.append(f"{where}.{field}: missing")
                if any(f not in a for f in ("id", "title", "paragraphs")):
                    continue
                if a["id"] in ids:
                    errors.append(f"{where}.id: duplicate {a['id']}")
                ids.add(a["id"])
                if a.get("register") not in REGISTERS:
                    errors.append(f"{where}.register: {a.get('register')!r} not in {REGISTERS}")
                if a.get("domain") not in DOMAINS:
                    errors.append(f"{where}.domain: {a.get('domain')!r} not in {DOMAINS}")
                check_sentence(f"{where}.title", a["title"], errors)
                for i, para in enumerate(a["paragraphs"]):
                    if not isinstance(para, list) or not para:
                        errors.append(f"{where}.paragraphs[{i}]: must be a non-empty list")
                        continue
                    for j, s in enumerate(para):
                        check_sentence(f"{where}.paragraphs[{i}][{j}]", s, errors)
                n_sent = sum(len(p) for p in a["paragraphs"] if isinstance(p, list)) + 1
                if not 3 <= n_sent <= 25:
                    errors.append(f"{where}: {n_sent} sentences (title included); need 3 to 25")
                a["_file"] = path
                articles.append(a)
    sents = [s for a in articles for s in sentences_of(a) if isinstance(s, dict) and "text" in s]
    label_counts = Counter(lab for s in sents for lab in s.get("labels", []))
    none = sum(1 for s in sents if not s.get("labels"))
    multi = sum(1 for s in sents if len(s.get("labels", [])) > 1)
    tags = Counter(t for s in sents for t in s.get("tags", []))
    print(f"articles {len(articles)}  sentences {len(sents)}  no-event {none}  multi-label {multi}")
    print("labels  ", dict(label_counts))
    print("tags    ", dict(tags))
    print("register", dict(Counter(a.get("register") for a in articles)))
    print("domain  ", dict(Counter(a.get("domain") for a in articles)))
    per_setting = defaultdict(int)
    for a in articles:
        per_setting[a.get("setting")] += 1
    print("settings", dict(per_setting))
    flagged = near_duplicates([s["text"] for s in sents])
    for i in flagged[:10]:
        print("  near-dup:", sents[i]["text"][:100])
    dup = len(flagged)
    print(f"near-duplicate share {dup / max(len(sents), 1):.3%} ({dup} sentences)")
    for e in errors[:50]:
        print("ERROR", e)
    if len(errors) > 50:
        print(f"... {len(errors) - 50} more errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
