"""News-aware sentence segmentation with exact character offsets.

Why a custom segmenter: general-purpose splitters either lose offsets, are slow, or trip over
news layout (headlines without final punctuation, datelines, bylines, bullets, live-blog time
stamps, wire abbreviations such as "U.S." or "Lt. Col."). Here one compiled regex finds every
*candidate* boundary (terminal punctuation followed by whitespace, line breaks, blank lines)
and a few cheap look-arounds decide each candidate, so the cost is one C-level scan plus a
little Python work per candidate, never per character.

Guarantees for any input ``text`` (property-tested in ``tests/test_segmentation.py``):

- each span ``(start, end)`` gives a non-empty ``text[start:end]`` with no leading or
  trailing whitespace (whitespace as in ``str.isspace``);
- spans are in order and do not overlap;
- every non-whitespace character of ``text`` lies inside a span.

Decisions, in short:

- A blank line always ends a sentence.
- ``.``/``!``/``?``/``…`` (plus closing quotes and brackets) followed by whitespace end a
  sentence unless the next word starts in lowercase. A full stop after a known abbreviation
  ends a sentence only before a common sentence opener ("the U.S. The Pentagon said"); after
  a title ("Gen.", "Dr.") or "e.g." never.
- A single line break ends a sentence after terminal punctuation, before a bullet or time
  stamp, and after a heading-like line (dateline, byline, or a line that a text wrapper
  could not have broken: the next word would have fitted on it). It does not end one
  inside a hard-wrapped paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "NEVER_FINAL_ABBREVIATIONS",
    "SENTENCE_STARTERS",
    "SOMETIMES_FINAL_ABBREVIATIONS",
    "NewsSegmenter",
    "segment",
]


def _words(block: str) -> frozenset[str]:
    """The whitespace-separated words of ``block`` (keeps the word lists readable)."""
    return frozenset(block.split())


# Abbreviations that are (almost) never the last word of a sentence: titles and ranks that
# precede a name, and Latin-style connectives. Lower-cased, without the final period.
NEVER_FINAL_ABBREVIATIONS: frozenset[str] = _words(
    """
    mr mrs ms mx dr prof gen gens lt col maj capt cpt sgt cpl pvt pte brig adm cmdr cdr
    mgen bgen ltgen sen sens rep reps gov govs pres rev hon fr supt insp det amb atty messrs
    barr engr alh mt ft
    vs v incl approx e.g i.e cf viz ca fig figs
    """
)

# Abbreviations that may end a sentence ("... arrived in the U.S." / "... Acme Inc."): a full
# stop after them ends the sentence only when the next word clearly opens a new one.
SOMETIMES_FINAL_ABBREVIATIONS: frozenset[str] = _words(
    """
    jan feb mar apr jun jul aug sep sept oct nov dec
    inc ltd co corp cos bros llc jr sr st ave blvd rd dept govt univ assn est al
    sec art para vol ch pp
    """
)

# Capitalised words that very often open a news sentence and very rarely continue a name
# after an abbreviation; deliberately excludes words like "Security" or "President" that
# follow "U.N."/"U.S." inside names.
SENTENCE_STARTERS: frozenset[str] = _words(
    """
    The A An It Its He She They We I You His Her Their Our My This That These Those There
    Here In On At By For From With Without After Before During Since Until When While Where
    Whether As But And Or So Yet If Although Though Despite Because However Meanwhile
    Moreover Nevertheless Still Also Then Now Later Earlier Separately Instead Officials
    Police Residents Witnesses Authorities Some Many Most Several No None All Both Each
    Another Such One Two Three Four Five Six Seven Eight Nine Ten Asked According Last
    Speaking Nobody Nothing What Who Why How Details Casualties Fatalities Reporting
    """
)

_HWS = r"[^\S\n\r\u2028\u2029]"  # horizontal whitespace
_BREAK = r"(?:\r\n|[\n\r\u2028])"  # one line break (CRLF counts once)
_PARA = rf"{_BREAK}(?:{_HWS}*{_BREAK})+|\u2029"  # blank line(s) or paragraph separator

_TERMINALS = ".!?…‼⁇⁈⁉؟۔।॥"
_CLOSERS = "\"'”’»›)]}"
_OPENERS = "\"'“‘«‹([{"
_QUESTION_OR_BANG = "!?‼⁇⁈⁉؟"
_LINE_BREAKS = "\n\r\u2028\u2029"

# Every candidate boundary, in text order. Group names tell the main loop what was found.
_EVENTS = re.compile(
    rf"(?P<para>{_PARA})"
    rf"|(?P<nl>{_BREAK})"
    r"|(?P<term>[.!?…‼⁇⁈⁉؟۔।॥]+)[\"'”’»›)\]}]*(?=\s|\Z)"
    r"|(?P<cjk>[。！？．｡]+[」』”’）)】〕]*)"
)
_PARA_RE = re.compile(_PARA)
_BREAK_SPLIT = re.compile(_BREAK)
_WS = re.compile(r"\s*")
_REST_OF_LINE = re.compile(rf"{_HWS}*([^\n\r\u2028\u2029]*)")
_NEXT_WORD = re.compile(r"([\"'“‘«‹(\[]*)([^\W\d_]+)(\.?)")
_DOTTED = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}")
# A bullet, list number or live-blog time stamp at the start of a line.
_STAMP = r"\d{1,2}[:.]\d{2}(?:\s*(?:[AaPp]\.?[Mm]\.?|GMT|UTC|[A-Z]{2,4}))?"
_ITEM = re.compile(
    rf"(?:[-•*▪●◦‣►·]\s|\(?\d{{1,3}}[.)]\s|\(?[a-z][.)]\s|[A-Z]\)\s|{_STAMP}\s*[-–—:|])"
)
# "Phone: +30 ...", "Source: local press" - a field line in a contact block or note.
_LABEL_LINE = re.compile(r"[A-Z][A-Za-z]*(?: [A-Za-z]+){0,2}:\s")
_STAMP_ONLY = re.compile(rf"{_STAMP}(?:\s*[-–—:|])?")
_BYLINE = re.compile(r"(?:By|BY)\s+\S.{0,70}")
# "15:12 - GOAL!" - a live-blog kicker that opens its entry's first sentence.
_KICKER = re.compile(rf"\s*{_STAMP}\s*[-–—:|]?\s*(?:\S+\s+){{0,3}}\S+[!?]")
# Words after which a single capital letter is a name of its own, not an initial.
_LETTER_NAMERS: frozenset[str] = _words(
    """
    on via vitamin grade type plan group category class zone sector phase block gate level
    section area camp wing ward hall row unit team pool tier option model part annex appendix
    exhibit schedule
    """
)
# Lines shorter than this are never treated as hard-wrapped prose.
_MIN_WRAP_WIDTH = 45
# "..., said and\nthe army" - a line ending like this was wrapped, not finished.
_CONTINUATION_CHARS = ",;:-–—/&(+“‘"
_JOINERS: frozenset[str] = _words(
    """
    a an the of to in on at for with by from and or but as that which who whose whom said
    says told its their his her our into onto over under after before than between against
    about is are was were be been has have had will would could should may might not nor
    """
)
# '"Why?" Mr. Khan asked.' - a question or exclamation in quotes followed by attribution.
_ATTRIBUTION = re.compile(
    r"\s+(?:[A-Z][\w'’.-]*\s+){1,4}"
    r"(?:said|says|asked|asks|told|added|adds|shouted|shouts|wrote|writes|replied|"
    r"recalled|warned|insisted|declared|cried|demanded)\b"
)


def _tail_token(text: str, pos: int) -> str:
    """The whitespace-delimited token ending at ``pos`` (at most 40 characters).

    Args:
        text: The text.
        pos: Index just after the token.

    Returns:
        The token, or "" when whitespace precedes ``pos``.
    """
    chunk = text[pos - 40 if pos > 40 else 0 : pos]
    if not chunk or chunk[-1].isspace():
        return ""
    return chunk.rsplit(None, 1)[-1]


def _at_line_start(text: str, pos: int) -> bool:
    """Whether only indentation separates ``pos`` from the start of its line."""
    lo = pos - 64 if pos > 64 else 0
    head = text[lo:pos].rstrip(" \t")
    if head:
        return head[-1] in _LINE_BREAKS
    return lo == 0


def _previous_word(text: str, pos: int) -> str:
    """The token before the whitespace that precedes ``pos`` ("" if there is none)."""
    chunk = text[pos - 40 if pos > 40 else 0 : pos]
    if not chunk or not chunk[-1].isspace():
        return ""
    words = chunk.split()
    return words[-1] if words else ""


def _is_initial_at(text: str, pos: int) -> bool:
    """Whether a single capital letter and a full stop ("R.") start at ``pos``."""
    return (
        pos + 1 < len(text)
        and text[pos].isupper()
        and text[pos + 1] == "."
        and (pos + 2 == len(text) or not text[pos + 2].isalpha())
    )


def _looks_like_dateline(line: str) -> bool:
    """'KHARTOUM, Sudan, March 3, 2024' - an upper-case place name, then a comma."""
    head, comma, _ = line.partition(",")
    return bool(comma) and len(line) <= 100 and len(head) >= 2 and head.isupper()


class NewsSegmenter:
    """Rule-based sentence segmenter for news text that returns exact character offsets.

    The instance holds the abbreviation lists; the compiled patterns are module-level and
    shared. Instances are stateless between calls and safe to share across threads.

    Example:
        >>> seg = NewsSegmenter()
        >>> text = "Troops entered the U.S. The Pentagon said nothing."
        >>> [text[s:e] for s, e in seg(text)]
        ['Troops entered the U.S.', 'The Pentagon said nothing.']
    """

    def __init__(self, extra_abbreviations: Iterable[str] = ()) -> None:
        """Build a segmenter.

        Args:
            extra_abbreviations: More abbreviations (with or without the final period,
                any case). They are treated like "Inc." or "U.S.": a full stop after them
                ends a sentence only before a common sentence opener such as "The".
        """
        extra = {a.strip().rstrip(".").lower() for a in extra_abbreviations}
        extra.discard("")
        self.never_final: frozenset[str] = NEVER_FINAL_ABBREVIATIONS - extra
        self.sometimes_final: frozenset[str] = SOMETIMES_FINAL_ABBREVIATIONS | extra
        self.starters: frozenset[str] = SENTENCE_STARTERS

    def __call__(self, text: str) -> list[tuple[int, int]]:
        """Split ``text`` into sentences.

        Args:
            text: Any string; news articles get the most care.

        Returns:
            One ``(start, end)`` pair per sentence, in order, such that
            ``text[start:end]`` is the sentence without surrounding whitespace.
            Empty or whitespace-only text gives ``[]``.
        """
        if not text or text.isspace():
            return []
        cuts: list[int] = []
        line_start = 0  # start of the current line
        block_start = 0  # start of the current blank-line-delimited block
        term_end = -1  # end of the last terminal-punctuation candidate
        term_cut = False  # whether that candidate ended a sentence
        widths: dict[int, int] = {}
        for m in _EVENTS.finditer(text):
            kind = m.lastgroup
            if kind == "term":
                term_end = m.end()
                term_cut = self._terminal_ends_sentence(text, m.start(), m.group("term"), m)
                if term_cut:
                    cuts.append(term_end)
            elif kind == "nl":
                start, end = m.span()
                if term_end >= line_start and (term_end == start or text[term_end:start].isspace()):
                    # The line ended in terminal punctuation, already decided; a bullet
                    # or time stamp on the next line still starts a new sentence.
                    # Only the next line is read, so a block splits as it would alone.
                    if not term_cut and _ITEM.match(_REST_OF_LINE.match(text, end).group(1)):
                        cuts.append(start)
                elif self._line_break_ends_sentence(
                    text, line_start, start, end, block_start, widths
                ):
                    cuts.append(start)
                line_start = end
            elif kind == "para":
                cuts.append(m.start())
                line_start = block_start = m.end()
            else:  # cjk full stops need no following space
                term_end = m.end()
                term_cut = True
                cuts.append(term_end)
        spans: list[tuple[int, int]] = []
        prev = 0
        cuts.append(len(text))
        for cut in cuts:
            if cut <= prev:
                continue
            piece = text[prev:cut]
            body = piece.lstrip()
            if body:
                start = prev + len(piece) - len(body)
                spans.append((start, start + len(body.rstrip())))
            prev = cut
        return spans

    def _terminal_ends_sentence(self, text: str, pos: int, cluster: str, m: re.Match[str]) -> bool:
        """Whether terminal punctuation ``cluster`` at ``pos`` ends a sentence.

        Args:
            text: The text.
            pos: Index of the first terminal character.
            cluster: The run of terminal characters (closing quotes not included).
            m: The candidate match (its end is after any closing quotes or brackets).

        Returns:
            True when the sentence ends after the match.
        """
        nxt_pos = _WS.match(text, m.end()).end()
        if nxt_pos >= len(text):
            return True
        nxt = text[nxt_pos]
        if nxt.islower() or nxt in _TERMINALS or nxt in ",;:":
            return False
        if cluster != ".":
            if cluster[-1] not in _QUESTION_OR_BANG:
                return True
            if m.end("term") < m.end():
                # A quoted question followed by attribution: '"Why?" Mr. Khan asked.'
                return _ATTRIBUTION.match(text, m.end()) is None
            return not self._is_kicker(text, pos)
        before = text[pos - 1] if pos else " "
        if not before.isalpha():
            if before.isdigit():
                token = _tail_token(text, pos)
                # "1. Troops withdrew" at the start of a line is a list marker.
                if token.isdigit() and len(token) <= 3 and _at_line_start(text, pos - len(token)):
                    return False
            return True
        token = _tail_token(text, pos).lstrip(_OPENERS)
        low = token.lower()
        if low in self.never_final:
            return False
        if low in ("no", "nos"):  # "No. 10", "Nos. 3 and 4"
            return not (nxt.isdigit() or nxt == "#")
        if len(token) == 1 and token.islower() and _at_line_start(text, pos - 1):
            return False  # "a. first item"
        last = token.rsplit("-", 1)[-1]
        if len(last) == 1 and last.isupper():
            # Initials ("J. R. Smith", "al-B.") usually; after "on", "grade", "vitamin"... the
            # letter is a word of its own ("posted on X.", "Gate C.").
            if last == token and _previous_word(text, pos - 1).lower() in _LETTER_NAMERS:
                return not _is_initial_at(text, nxt_pos)
            return self._opens_sentence(text, nxt_pos, nxt)
        if low in self.sometimes_final or _DOTTED.fullmatch(token):  # "Inc.", "U.S.", "a.m."
            return self._opens_sentence(text, nxt_pos, nxt)
        return True

    @staticmethod
    def _is_kicker(text: str, pos: int) -> bool:
        """Whether the "!"/"?" at ``pos`` ends a time-stamped kicker such as "15:12 - GOAL!"."""
        lo = pos - 60 if pos > 60 else 0
        head = text[lo : pos + 1]
        cut = max(head.rfind(c) for c in _LINE_BREAKS)
        if cut < 0 and lo > 0:
            return False
        return _KICKER.fullmatch(head, cut + 1) is not None

    def _opens_sentence(self, text: str, pos: int, nxt: str) -> bool:
        """Whether the word at ``pos`` clearly opens a new sentence (after an abbreviation).

        Args:
            text: The text.
            pos: Index of the next non-whitespace character.
            nxt: ``text[pos]``.

        Returns:
            True for a common sentence opener ("The", "Officials") or a capitalised word
            after an opening quote or bracket; False for names, numbers and initials.
        """
        if nxt.isdigit():
            return False
        m = _NEXT_WORD.match(text, pos)
        if m is None:
            return False
        opener, word, dot = m.groups()
        if dot and len(word) == 1:
            return False  # another initial: "Mr. A. Khan"
        if opener and "(" not in opener and "[" not in opener:
            return word[0].isupper()  # a quote opens: 'in the U.S. "We ...'
        return word in self.starters

    def _line_break_ends_sentence(
        self,
        text: str,
        line_start: int,
        start: int,
        end: int,
        block_start: int,
        widths: dict[int, int],
    ) -> bool:
        """Whether a single line break ends a sentence (the line has no final punctuation).

        Args:
            text: The text.
            line_start: Start of the line before the break.
            start: Start of the break.
            end: End of the break (start of the next line).
            block_start: Start of the blank-line-delimited block holding the line.
            widths: Cache of the longest line length per block.

        Returns:
            True when the line before the break is a sentence of its own.
        """
        prev = text[line_start:start].strip()
        if not prev:
            return True
        nxt = _REST_OF_LINE.match(text, end).group(1).rstrip()
        if not nxt:
            return True
        if nxt[0].islower():
            return False
        if _ITEM.match(nxt) or _LABEL_LINE.match(nxt):
            return True
        if _STAMP_ONLY.fullmatch(prev):
            return False  # a time stamp on its own line belongs to its entry
        if prev[-1] in _CONTINUATION_CHARS:
            return False
        if prev.rsplit(None, 1)[-1].lower() in _JOINERS:
            return False
        if _looks_like_dateline(prev) or _BYLINE.fullmatch(prev):
            return True
        word = _NEXT_WORD.match(nxt)
        if word is not None and not word.group(1) and word.group(2) in self.starters:
            return True
        # A greedy wrapper breaks a line only when the next word does not fit; if it would
        # have fitted within the block's widest line, the break was deliberate.
        width = widths.get(block_start)
        if width is None:
            para = _PARA_RE.search(text, start)
            block = text[block_start : para.start() if para else len(text)]
            width = max(len(line.strip()) for line in _BREAK_SPLIT.split(block))
            widths[block_start] = width
        if width < _MIN_WRAP_WIDTH:
            return True
        return len(prev) + 1 + len(nxt.split(None, 1)[0]) <= width


_DEFAULT = NewsSegmenter()


def segment(text: str) -> list[tuple[int, int]]:
    """Split news text into sentences with the default `NewsSegmenter`.

    Args:
        text: Article text (headline, dateline, paragraphs, bullets, ...).

    Returns:
        ``(start, end)`` character offsets, one pair per sentence, in order.
    """
    return _DEFAULT(text)
