"""Tests for the news sentence segmenter: hard news cases, offset invariants, gold accuracy."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eventx.segmentation import NewsSegmenter, segment

GOLD = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "segmentation_gold.jsonl"

TEXT_COMPANIES = (
    "Acme Inc., Baltic Ltd. and Orion Co. sold shares to Delta Corp. and John Hale Jr. on Monday."
)

# (case id, text, expected sentences). Every case is written for this test.
CASES: list[tuple[str, str, list[str]]] = [
    (
        "headline-blank-line-body",
        "Floods kill 30 in Kenya\n\nHeavy rain has killed 30 people. Roads are cut.",
        ["Floods kill 30 in Kenya", "Heavy rain has killed 30 people.", "Roads are cut."],
    ),
    (
        "dateline-own-line",
        "KHARTOUM, Sudan, March 3, 2024\nThe army shelled Omdurman. Residents fled.",
        ["KHARTOUM, Sudan, March 3, 2024", "The army shelled Omdurman.", "Residents fled."],
    ),
    (
        "inline-wire-dateline",
        "KYIV, May 3 (EWX) - Russian drones hit the capital overnight. Two people were hurt.",
        [
            "KYIV, May 3 (EWX) - Russian drones hit the capital overnight.",
            "Two people were hurt.",
        ],
    ),
    (
        "inline-dateline-em-dash-abbreviated-month",
        "BEIRUT, Oct. 2 (NNA) — An Israeli strike hit a building in Dahiyeh.",
        ["BEIRUT, Oct. 2 (NNA) — An Israeli strike hit a building in Dahiyeh."],
    ),
    (
        "byline-own-line",
        "Troops leave Avdiivka\n\nBy Amina Yusuf\nUkrainian troops pulled out of the town.",
        ["Troops leave Avdiivka", "By Amina Yusuf", "Ukrainian troops pulled out of the town."],
    ),
    (
        "country-abbreviations-mid-sentence",
        "The U.S. military said the U.N. team reached the U.K. base on Monday.",
        ["The U.S. military said the U.N. team reached the U.K. base on Monday."],
    ),
    (
        "abbreviation-ends-sentence-before-the",
        "The troops returned to the U.S. The Pentagon said they would rest.",
        ["The troops returned to the U.S.", "The Pentagon said they would rest."],
    ),
    (
        "abbreviation-ends-sentence-before-officials",
        "The blast happened at 9 a.m. Officials said five people died.",
        ["The blast happened at 9 a.m.", "Officials said five people died."],
    ),
    (
        "military-and-political-titles",
        "Lt. Col. Ahmed Ali and Gen. Musa Bello met Sen. Ray Hill and Rep. Ana Cole.",
        ["Lt. Col. Ahmed Ali and Gen. Musa Bello met Sen. Ray Hill and Rep. Ana Cole."],
    ),
    (
        "civil-titles-and-saint",
        "Dr. Amina Bello met Mr. and Mrs. Okafor at St. Mary's hospital.",
        ["Dr. Amina Bello met Mr. and Mrs. Okafor at St. Mary's hospital."],
    ),
    (
        "ranks-before-names",
        "Gov. Zulum said Brig. Bello, Maj. Lawal, Capt. Ojo and Sgt. Musa were hurt.",
        ["Gov. Zulum said Brig. Bello, Maj. Lawal, Capt. Ojo and Sgt. Musa were hurt."],
    ),
    (
        "number-abbreviation-vs-the-word-no",
        "Brigade No. 7 lost two vehicles. No. The report was wrong.",
        ["Brigade No. 7 lost two vehicles.", "No.", "The report was wrong."],
    ),
    (
        "latin-and-approximation-abbreviations",
        "Losses, incl. tanks, were approx. 40 vs. 12 in 2022, e.g. near Bakhmut, i.e. the east.",
        ["Losses, incl. tanks, were approx. 40 vs. 12 in 2022, e.g. near Bakhmut, i.e. the east."],
    ),
    (
        "abbreviated-months",
        "Talks began on Jan. 5 and resumed on Feb. 9, Aug. 3, Sept. 14, Oct. 1 and Dec. 12.",
        ["Talks began on Jan. 5 and resumed on Feb. 9, Aug. 3, Sept. 14, Oct. 1 and Dec. 12."],
    ),
    (
        "month-abbreviation-ends-sentence",
        "The vote is due in Dec. The date may slip.",
        ["The vote is due in Dec.", "The date may slip."],
    ),
    (
        "am-pm-inside-sentence",
        "The curfew runs from 9 p.m. to 6 a.m. local time.",
        ["The curfew runs from 9 p.m. to 6 a.m. local time."],
    ),
    (
        "company-suffixes-inside-sentence",
        TEXT_COMPANIES,
        [TEXT_COMPANIES],
    ),
    (
        "company-suffix-ends-sentence",
        "The drones were built by Arden Systems Inc. The company denied any role.",
        ["The drones were built by Arden Systems Inc.", "The company denied any role."],
    ),
    (
        "initials-and-arabic-name-initial",
        "J. R. Smith told the court that Abu Bakr al-B. said nothing.",
        ["J. R. Smith told the court that Abu Bakr al-B. said nothing."],
    ),
    (
        "title-then-initial",
        "Mr. A. Khan was arrested in Karachi.",
        ["Mr. A. Khan was arrested in Karachi."],
    ),
    (
        "decimals-and-money",
        "The fund raised $1.2bn, or 3.5 million pounds, by 9.30 a.m. on Friday.",
        ["The fund raised $1.2bn, or 3.5 million pounds, by 9.30 a.m. on Friday."],
    ),
    (
        "closing-curly-quote-after-full-stop",
        "“We will defend our sovereignty.” The minister left.",
        ["“We will defend our sovereignty.”", "The minister left."],
    ),
    (
        "closing-straight-quote-after-full-stop",
        'He said the land "belongs to us." The crowd cheered.',
        ['He said the land "belongs to us."', "The crowd cheered."],
    ),
    (
        "closing-bracket-after-full-stop",
        "Rescuers found 12 more bodies (the ministry gave no names.) Digging continued.",
        ["Rescuers found 12 more bodies (the ministry gave no names.)", "Digging continued."],
    ),
    (
        "sentence-opens-with-quote",
        "The army denied it. “Our forces were not there,” it said.",
        ["The army denied it.", "“Our forces were not there,” it said."],
    ),
    (
        "question-and-exclamation",
        "Why now? The answer is simple! Elections are near.",
        ["Why now?", "The answer is simple!", "Elections are near."],
    ),
    (
        "quoted-question-then-lowercase-attribution",
        "“Where is my son?” she asked the soldiers.",
        ["“Where is my son?” she asked the soldiers."],
    ),
    (
        "quoted-question-then-named-attribution",
        "“Where is my son?” Mrs. Haddad asked.",
        ["“Where is my son?” Mrs. Haddad asked."],
    ),
    (
        "ellipses-mid-sentence",
        "The talks ... were suspended, and we waited… and waited.",
        ["The talks ... were suspended, and we waited… and waited."],
    ),
    (
        "ellipses-ending-sentences",
        "Nobody came back... The village is empty now…",
        ["Nobody came back...", "The village is empty now…"],
    ),
    (
        "spaced-ellipsis",
        "He paused . . . then left.",
        ["He paused . . . then left."],
    ),
    (
        "unicode-dashes-do-not-split",
        "Fighting – mostly shelling — continued near Bakhmut.",
        ["Fighting – mostly shelling — continued near Bakhmut."],
    ),
    (
        "devanagari-danda",
        "हमला हुआ। पुलिस जांच कर रही है।",
        ["हमला हुआ।", "पुलिस जांच कर रही है।"],
    ),
    (
        "urdu-full-stop",
        "دھماکہ ہوا۔ پولیس پہنچ گئی۔",
        ["دھماکہ ہوا۔", "پولیس پہنچ گئی۔"],
    ),
    (
        "cjk-full-stops-without-spaces",
        "中方表示关切。呼吁各方克制！和平在哪里？",
        ["中方表示关切。", "呼吁各方克制！", "和平在哪里？"],
    ),
    (
        "parenthetical-sentence",
        "Twelve people died. (The ministry did not give a figure.) Rescue work went on.",
        ["Twelve people died.", "(The ministry did not give a figure.)", "Rescue work went on."],
    ),
    (
        "dash-bullets-without-punctuation",
        "Key points:\n- Troops withdrew\n- 12 killed\n- Talks resume Monday",
        ["Key points:", "- Troops withdrew", "- 12 killed", "- Talks resume Monday"],
    ),
    (
        "dot-and-star-bullets",
        "• Border closed\n• Airport shut\n* Schools open",
        ["• Border closed", "• Airport shut", "* Schools open"],
    ),
    (
        "numbered-items",
        "1. Allow aid in\n2. Free the hostages\n3) Stop the shelling",
        ["1. Allow aid in", "2. Free the hostages", "3) Stop the shelling"],
    ),
    (
        "blank-line-always-ends",
        "The army said\n\nthe town fell",
        ["The army said", "the town fell"],
    ),
    (
        "hard-wrap-lowercase-continuation",
        "Forces loyal to the general moved into the eastern districts of\n"
        "the city on Saturday, according to residents reached by phone\n"
        "in the capital.",
        [
            "Forces loyal to the general moved into the eastern districts of\n"
            "the city on Saturday, according to residents reached by phone\n"
            "in the capital."
        ],
    ),
    (
        "hard-wrap-capitalised-continuation",
        "The drone struck a convoy carrying aid workers from the World Food\n"
        "Programme near Deir al-Balah, the agency said on Tuesday, adding that\n"
        "Gaza's health ministry had been informed.",
        [
            "The drone struck a convoy carrying aid workers from the World Food\n"
            "Programme near Deir al-Balah, the agency said on Tuesday, adding that\n"
            "Gaza's health ministry had been informed."
        ],
    ),
    (
        "single-newline-after-terminal-punctuation",
        "The army attacked at dawn.\nResidents fled.",
        ["The army attacked at dawn.", "Residents fled."],
    ),
    (
        "heading-then-single-newline",
        "Gaza ceasefire talks resume in Cairo\nDelegations from Israel and Hamas arrived on "
        "Sunday for a new round of indirect talks mediated by Egypt and Qatar.",
        [
            "Gaza ceasefire talks resume in Cairo",
            "Delegations from Israel and Hamas arrived on Sunday for a new round of indirect "
            "talks mediated by Egypt and Qatar.",
        ],
    ),
    (
        "live-blog-gmt-stamps",
        "14:32 GMT - Russian drones hit Kyiv. Air defences were active.\n"
        "14:50 GMT - A second wave was reported",
        [
            "14:32 GMT - Russian drones hit Kyiv.",
            "Air defences were active.",
            "14:50 GMT - A second wave was reported",
        ],
    ),
    (
        "live-blog-dotted-stamps",
        "09.15: Sirens sound in Kharkiv.\n09.40: The all-clear is given.",
        ["09.15: Sirens sound in Kharkiv.", "09.40: The all-clear is given."],
    ),
    (
        "live-blog-stamp-on-its-own-line",
        "14:05 GMT\nSirens sound across Kyiv.",
        ["14:05 GMT\nSirens sound across Kyiv."],
    ),
    (
        "live-blog-kicker",
        "15:12 - GOAL! Isak scores for Newcastle.",
        ["15:12 - GOAL! Isak scores for Newcastle."],
    ),
    (
        "acled-note-with-fatalities",
        "On 12 March 2024, unidentified gunmen shot dead two farmers in Gidan Dawa "
        "(Zurmi LGA, Zamfara). Fatalities: 2.",
        [
            "On 12 March 2024, unidentified gunmen shot dead two farmers in Gidan Dawa "
            "(Zurmi LGA, Zamfara).",
            "Fatalities: 2.",
        ],
    ),
    (
        "crlf-line-endings",
        "Headline here\r\n\r\nFirst sentence.\r\nSecond sentence.",
        ["Headline here", "First sentence.", "Second sentence."],
    ),
    (
        "single-letter-platform-name",
        "The embassy posted on X. Britain's envoy said nothing.",
        ["The embassy posted on X.", "Britain's envoy said nothing."],
    ),
    (
        "contact-block-lines",
        "Media contact: Ana Ruiz\nPhone: +34 91 000 0000",
        ["Media contact: Ana Ruiz", "Phone: +34 91 000 0000"],
    ),
    (
        "abbreviation-at-end-of-text",
        "They flew back to the U.S.",
        ["They flew back to the U.S."],
    ),
    (
        "district-of-columbia-before-comma",
        "She spoke in Washington, D.C., on Monday.",
        ["She spoke in Washington, D.C., on Monday."],
    ),
]


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in segment(text)]


def test_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({case_id for case_id, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hard_news_cases(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n\u2028\u3000\xa0 "])
def test_empty_or_whitespace_gives_nothing(text: str) -> None:
    assert segment(text) == []


def test_extra_abbreviations() -> None:
    text = "Cllr. Jones spoke first."
    assert len(NewsSegmenter()(text)) == 2
    assert NewsSegmenter(["cllr."])(text) == [(0, len(text))]
    # The built-in lists still apply.
    assert NewsSegmenter(["Cllr"])("Gen. Musa spoke.") == [(0, 16)]


def test_offsets_are_python_ints() -> None:
    spans = segment("One. Two.")
    assert spans == [(0, 4), (5, 9)]
    assert all(type(i) is int for span in spans for i in span)


def check_invariants(text: str, spans: list[tuple[int, int]]) -> None:
    """Spans are non-empty, stripped, ordered, disjoint and cover every non-space char."""
    prev_end = 0
    covered = [False] * len(text)
    for start, end in spans:
        assert prev_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and piece
        covered[start:end] = [True] * (end - start)
        prev_end = end
    for i, ch in enumerate(text):
        assert covered[i] or ch.isspace(), f"lost {ch!r} at {i}"
    if not text.strip():
        assert spans == []


TRICKY = (
    "aAzZ .,;:!?…‽\n\n\r\t\u2028\u2029\x0b\x0c\x1c\x85\xa0\u3000\"'“”‘’«»()[]{}-–—•*#0123456789"
    "。！？．۔।॥؟」）"
)
NEWS_PIECES = [
    "Russian drones hit Kyiv",
    "KHARTOUM, Sudan, March 3, 2024",
    "By Amina Yusuf",
    "KYIV, May 3 (EWX) - Russian drones hit a power plant.",
    "The U.S. said so.",
    "in the U.S.",
    "The Pentagon said.",
    "Lt. Col. J. R. Smith",
    "Abu Bakr al-B. said",
    "3.5 million",
    "$1.2bn",
    "9.30 a.m.",
    "“We are ready.”",
    '"Why?" he asked.',
    "...",
    "…",
    "(The ministry did not give a figure.)",
    "- Troops withdrew",
    "• 12 killed",
    "1.",
    "2)",
    "14:32 GMT - Sirens.",
    "09.15:",
    "Fatalities: 2.",
    "No. 7",
    "e.g.",
    "i.e.",
    "GOAL!",
    "हमला हुआ।",
    "ہوا۔",
    "中方表示关切。",
    "Mr.",
    "U.N.",
    "Inc.",
    "Phone: +1 555",
    "the eastern districts of",
    "Programme near Deir al-Balah,",
]
SEPARATORS = [" ", "  ", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n \n", "\t", "", "\u2028", "\u2029"]

news_text = st.lists(
    st.tuples(st.sampled_from(NEWS_PIECES), st.sampled_from(SEPARATORS)), max_size=25
).map(lambda parts: "".join(p + s for p, s in parts))
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=120)
FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=200))
def test_invariants_arbitrary_unicode(text: str) -> None:
    check_invariants(text, segment(text))


@FAST
@given(tricky_text)
def test_invariants_punctuation_heavy_text(text: str) -> None:
    check_invariants(text, segment(text))


@FAST
@given(news_text)
def test_invariants_news_like_text(text: str) -> None:
    check_invariants(text, segment(text))


@FAST
@given(st.one_of(news_text, tricky_text), st.sampled_from(["", " ", "\n", " \t "]))
def test_trailing_whitespace_changes_nothing(text: str, tail: str) -> None:
    assert segment(text + tail) == segment(text)


@FAST
@given(st.one_of(news_text, tricky_text), st.one_of(news_text, tricky_text))
@example("Mr.\u20281.", "")  # a list number ending a block must not read past the block
def test_blank_line_blocks_are_segmented_independently(a: str, b: str) -> None:
    joined = a + "\n\n" + b
    shift = len(a) + 2
    expected = segment(a) + [(s + shift, e + shift) for s, e in segment(b)]
    assert segment(joined) == expected


@FAST
@given(st.lists(st.sampled_from(NEWS_PIECES), min_size=1, max_size=12))
def test_blank_line_always_ends_a_sentence(pieces: list[str]) -> None:
    text = "\n\n".join(pieces)
    ends = {e for _, e in segment(text)}
    pos = 0
    for piece in pieces:
        pos += len(piece)
        assert pos in ends
        pos += 2


def test_pathological_inputs_stay_linear() -> None:
    """Long runs of candidates must not trigger quadratic work."""
    inputs = [
        "." * 200_000,
        "\n" * 200_000,
        "A\n" * 100_000,
        "U.S. " * 40_000,
        "x" * 200_000,
        "Why?! " * 30_000,
        "B\nc " * 50_000,
        "- a\n" * 50_000,
        " " * 200_000 + "a.",
    ]
    t0 = time.perf_counter()
    for text in inputs:
        check_invariants(text, segment(text)) if len(text) < 50_000 else segment(text)
    assert time.perf_counter() - t0 < 10


def _ends(text: str, spans: list[tuple[int, int]]) -> set[int]:
    ends = {s + len(text[s:e].rstrip()) for s, e in spans}
    ends.discard(len(text.rstrip()))
    return ends


@pytest.mark.skipif(not GOLD.exists(), reason="gold file not present")
def test_gold_file_offsets_and_boundary_f1() -> None:
    tp = n_pred = n_gold = 0
    n_articles = 0
    with open(GOLD, encoding="utf-8") as f:
        for line in f:
            article = json.loads(line)
            text = article["text"]
            gold = []
            for sent in article["sentences"]:
                assert text[sent["start"] : sent["end"]] == sent["text"]
                gold.append((sent["start"], sent["end"]))
            pred, ref = _ends(text, segment(text)), _ends(text, gold)
            tp += len(pred & ref)
            n_pred += len(pred)
            n_gold += len(ref)
            n_articles += 1
    assert n_articles >= 40
    precision, recall = tp / n_pred, tp / n_gold
    assert 2 * precision * recall / (precision + recall) >= 0.99
