"""Counts of the shipped corpus, checked against the targets of the corpus issue.

    python benchmarks/corpus_stats.py [--write-card]

Prints articles, sentences and per-label counts per split, registers, domains and
settings, confusers and other hard-case tags, the near-duplicate share, and the
inter-annotator agreement (from corpus/agreement/agreement.json when present). With
``--write-card`` the same tables replace the generated block of the data card
(eventx/corpus_data/README.md), so the card's numbers are the ones printed here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from eventx.corpus import SPLITS, corpus_dir, load_articles, near_duplicates
from eventx.labels import LABELS

ROOT = Path(__file__).resolve().parent.parent
AGREEMENT = ROOT / "corpus" / "agreement" / "agreement.json"
RESULTS = ROOT / "benchmarks" / "results" / "corpus_stats.md"
BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def build_report() -> tuple[str, dict[str, object]]:
    per_split = {s: load_articles(s) for s in SPLITS}
    all_articles = [a for arts in per_split.values() for a in arts]
    sentences = [s for a in all_articles for s in a.sentences]
    out: list[str] = []
    checks: dict[str, object] = {}

    rows = []
    for split, arts in [*per_split.items(), ("all", all_articles)]:
        sents = [s for a in arts for s in a.sentences]
        counts = Counter(label for s in sents for label in s.labels)
        rows.append([split, len(arts), len(sents), *(counts[lab] for lab in LABELS),
                     sum(1 for s in sents if not s.labels),
                     sum(1 for s in sents if len(s.labels) > 1)])
    out.append("### Articles, sentences and labels per split\n")
    out.append(table(["split", "articles", "sentences", *LABELS, "no event", "multi-label"],
                     rows))
    total = rows[-1]
    checks["articles >= 600"] = total[1] >= 600
    checks["sentences >= 6000"] = total[2] >= 6000
    for k, lab in enumerate(LABELS):
        checks[f"{lab} >= 700"] = total[3 + k] >= 700
    checks["no-event >= 1800"] = total[7] >= 1800

    registers = Counter(a.extra.get("register") for a in all_articles)
    domains = Counter(a.extra.get("domain") for a in all_articles)
    settings = Counter(a.extra.get("setting") for a in all_articles
                       if a.extra.get("domain") == "conflict")
    out.append("\n### Registers (share of articles)\n")
    out.append(table(["register", "articles", "share"],
                     [[r, n, f"{n / len(all_articles):.1%}"] for r, n in registers.most_common()]))
    checks["no register > 20%"] = max(registers.values()) / len(all_articles) <= 0.20
    out.append("\n### Domains\n")
    out.append(table(["domain", "articles"], [[d, n] for d, n in domains.most_common()]))
    checks["non-conflict domains >= 6"] = len([d for d in domains if d != "conflict"]) >= 6
    unseen = sorted({a.extra.get("setting") for a in per_split["test_unseen"]})
    out.append(f"\n### Conflict settings: {len(settings)}\n")
    out.append(table(["setting", "articles", "split"],
                     [[s, n, "test_unseen" if s in unseen else "train/validation/test"]
                      for s, n in sorted(settings.items())]))
    checks["conflict settings >= 30"] = len(settings) >= 30
    seen = {a.extra.get("setting") for sp in ("train", "validation") for a in per_split[sp]}
    checks["unseen settings absent from train/validation"] = not (set(unseen) & seen)

    tags = Counter(t for s in sentences for t in s.extra.get("tags", []))
    out.append("\n### Hard cases (sentence tags)\n")
    out.append(table(["tag", "sentences"], [[t, n] for t, n in tags.most_common()]))
    checks["confusers >= 300"] = tags["confuser"] >= 300

    dup = near_duplicates([s.text for s in sentences])
    share = len(dup) / len(sentences)
    out.append(f"\n### Near-duplicates\n\n{len(dup)} of {len(sentences)} sentences "
               f"({share:.2%}) share more than 50% of their word 5-grams with another "
               "sentence.")
    checks["near-duplicate share < 2%"] = share < 0.02

    if AGREEMENT.is_file():
        agr = json.loads(AGREEMENT.read_text())
        # The share is taken over today's corpus: batches added after the second pass
        # lower it, and the check must see that.
        agr["share"] = agr["n_sentences"] / len(sentences)
        out.append(f"\n### Inter-annotator agreement ({agr['n_sentences']} sentences, "
                   f"{agr['n_articles']} articles, {agr['share']:.1%} of the corpus)\n")
        out.append(table(["label", "Cohen's kappa", "F1 between passes", "first", "second"],
                         [[lab, f"{v['kappa']:.3f}", f"{v['f1']:.3f}", v["first"], v["second"]]
                          for lab, v in agr["per_label"].items()]))
        checks["second annotation >= 10%"] = agr["share"] >= 0.10
    else:
        out.append("\n(no agreement file: corpus/agreement/agreement.json is absent)")

    out.append("\n### Targets\n")
    out.append(table(["check", "met"], [[k, "yes" if v else "NO"] for k, v in checks.items()]))
    return "\n".join(out) + "\n", checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write-card", action="store_true", help="update the data card")
    args = parser.parse_args()
    report, checks = build_report()
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("# Corpus statistics\n\n" + report)
    if args.write_card:
        card = corpus_dir() / "README.md"
        text = card.read_text()
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        card.write_text(text[:start] + "\n" + report + text[end:])
        print(f"updated {card}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
