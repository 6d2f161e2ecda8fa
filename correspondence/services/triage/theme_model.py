"""The theme suggester's model and the reading of a letter into its terms: pure Python.

Built from the database by `theme_suggest` (and cached there); kept apart from it so a
process that only scores letters with a model it was sent (an import's worker processes)
unpickles it without loading SQLAlchemy and the models (~0.3 s of CPU a process).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float
    because: tuple[str, ...]  # the words of the letter that led to it


# Raw evidence at which the score reaches 1 - 1/e (about 0.63).
SCALE = 10.0

STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
dear yours sincerely faithfully regards write writing wrote letter letters thank thanks
minister secretary state rt hon mp mps please would like wish ask asking asked know
re concern concerned concerns constituent constituents behalf enclose enclosed attached
one two many much may might must shall also however therefore whether within without
government department dcsf sir madam mr mrs ms miss dr lord lady
""".split()
)

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
# Evidence piles up in a long letter; beyond this many words it is damped (square root).
LONG_LETTER = 80


@functools.lru_cache(maxsize=32_768)  # a letter's words are mostly the office's usual few thousand
def stem(word: str) -> str:
    """A light suffix stripper: enough to join plurals and -ing/-ed forms."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) <= 4:
        return word[:-1] if len(word) == 4 and word.endswith("s") and word[-2] != "s" else word
    for suffix, repl in (
        ("ies", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + repl
    return word


@dataclass
class _Tokens:
    terms: Counter[str]
    seq: list[tuple[str, str] | None]  # (stem, word as written); None where a stop word was
    # pairs[i]: the bigram term of seq[i] and seq[i + 1] when both are words, else None
    pairs: list[str | None] = field(default_factory=list)


# A word as `tokenize` reads it: its stem, or None for a word it skips (a stop word, a
# number, a single letter). The office's few thousand words are worked out once; bounded,
# so a stream of strange words cannot grow it without end.
_READ: dict[str, str | None] = {}
_READ_MAX = 65_536
_UNREAD = "\x00"  # never a word: _WORD matches letters and digits only


def _read_word(raw: str) -> str | None:
    if raw in STOP_WORDS or raw.isdigit() or len(raw) < 2:
        got = None
    else:
        got = stem(raw)
    if len(_READ) >= _READ_MAX:
        _READ.clear()
    _READ[raw] = got
    return got


def tokenize(text: str) -> _Tokens:
    """Stemmed unigrams and bigrams (bigrams never span a stop word)."""
    seq: list[tuple[str, str] | None] = []
    pairs: list[str | None] = []
    # Every term in the order it is first met (a stem, then its bigram with the word before):
    # counted in one go, the counter keeps that order, as adding them one by one did.
    found: list[str] = []
    prev: str | None = None
    lowered = text.lower()
    if "\u2019" in lowered or "\u2018" in lowered:
        lowered = lowered.translate(_QUOTES)
    read = _READ.get
    for raw in _WORD.findall(lowered):
        s = read(raw, _UNREAD)
        if s is _UNREAD:
            s = _read_word(raw)
        if s is None:
            if seq and seq[-1] is not None:
                seq.append(None)
                pairs.append(None)
            prev = None
            continue
        found.append(s)
        seq.append((s, raw))
        if prev is not None:
            bigram = f"{prev} {s}"
            found.append(bigram)
            pairs[-1] = bigram
        pairs.append(None)
        prev = s
    return _Tokens(Counter(found), seq, pairs)


@dataclass
class _ThemeProfile:
    code: str
    name: str
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Model:
    profiles: list[_ThemeProfile]
    idf: dict[str, float]
    fingerprint: tuple[object, ...]
    confirmed_letters: int = 0
    # term -> [(profile index, weight)]: a letter's few hundred terms are looked up once,
    # not once per theme. Made from the profiles unless given (a rebuild that kept most
    # profiles brings the postings before up to date: theme_learned.py).
    _postings: dict[str, list[tuple[int, float]]] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self._postings is None:
            self._postings = postings_of(self.profiles)

    def score(self, text: str, limit: int = 5) -> list[Suggestion]:
        toks = tokenize(text)
        hits: dict[int, list[tuple[str, float]]] = {}
        ranked = self._ranked(toks, hits)
        # The "because" words cost more than the scores: only for the themes shown.
        return [
            Suggestion(code, self.profiles[i].name, score, _because(dict(hits[i]), toks))
            for score, code, i in ranked[:limit]
        ]

    def scores(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """The codes and scores `score` gives, in its order, without the "because" words
        (an import stores only these, and works them out in its worker processes)."""
        return [(code, score) for score, code, _ in self._ranked(tokenize(text), None)[:limit]]

    def _ranked(
        self, toks: _Tokens, hits: dict[int, list[tuple[str, float]]] | None
    ) -> list[tuple[float, str, int]]:
        """(score, code, profile index), best first; each theme's evidence into `hits`."""
        words = sum(1 for t in toks.seq if t is not None)
        damp = max(1.0, math.sqrt(words / LONG_LETTER))
        idf = self.idf
        postings = self._postings
        assert postings is not None
        # Per theme, the evidence in the letter's term order (the same sum, term by term,
        # as adding up each theme on its own).
        raw: dict[int, float] = {}
        for term, tf in toks.terms.items():
            found = postings.get(term)
            if not found:
                continue
            lift = 1.0 + math.log(tf)  # sublinear tf: five mentions are not five times the evidence
            term_idf = idf.get(term, 1.0)
            for i, w in found:
                c = lift * w * term_idf
                raw[i] = raw.get(i, 0.0) + c
                if hits is not None:
                    hits.setdefault(i, []).append((term, c))
        ranked: list[tuple[float, str, int]] = []
        for i, total in raw.items():
            if total <= 0:
                continue
            score = round(1.0 - math.exp(-total / damp / SCALE), 3)
            ranked.append((score, self.profiles[i].code, i))
        ranked.sort(key=lambda r: (-r[0], r[1]))
        return ranked


def postings_of(profiles: list[_ThemeProfile]) -> dict[str, list[tuple[int, float]]]:
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, p in enumerate(profiles):
        for term, w in p.weights.items():
            if w:
                postings.setdefault(term, []).append((i, w))
    return postings


def _because(contrib: dict[str, float], toks: _Tokens, n: int = 4) -> tuple[str, ...]:
    """The strongest phrases as written: runs of words joined by matching bigrams."""
    phrases: dict[tuple[str, ...], tuple[float, str]] = {}
    seq = toks.seq
    pairs = toks.pairs
    i = 0
    while i < len(seq):
        tok = seq[i]
        if tok is None:
            i += 1
            continue
        j = i
        while pairs[j] is not None and pairs[j] in contrib:
            j += 1
        if j == i:
            # A single word (most of a letter): its own weight, if it has any.
            c = contrib.get(tok[0], 0.0)
            if c > 0 and (tok[0],) not in phrases:
                phrases[(tok[0],)] = (c, tok[1])
            i += 1
            continue
        run = [t for t in seq[i : j + 1] if t is not None]
        stems = tuple(t[0] for t in run)
        terms = set(stems) | {f"{x} {y}" for x, y in zip(stems, stems[1:], strict=False)}
        score = sum(contrib.get(t, 0.0) for t in terms)
        if score > 0 and stems not in phrases:
            phrases[stems] = (score, " ".join(t[1] for t in run))
        i = j + 1
    chosen: list[str] = []
    covered: set[str] = set()
    for stems, (_, text) in sorted(phrases.items(), key=lambda kv: (-kv[1][0], kv[1][1])):
        if len(stems) == 1 and stems[0] in covered:
            continue
        chosen.append(text)
        covered.update(stems)
        if len(chosen) == n:
            break
    return tuple(chosen)
