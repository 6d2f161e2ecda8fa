"""Finding campaigns: near-identical letters, told apart from letters that only share a theme.

Pure algorithm, no database. The method, and why (numbers from bench/bench_campaigns.py):

1. Normalise. Lowercase words of the letter body; the salutation, the sign-off, the short
   lines of addresses, dates and signatures, e-mail addresses, web addresses, postcodes and
   numbers are dropped, so two supporters' copies differ only where their words differ.
   An MP's covering letter around enclosed letters is dropped too: only the enclosures count.
2. Fingerprint. Each distinct word becomes one character of a private alphabet, so rapidfuzz
   compares *word* sequences at C speed (a typo costs one word, not a score cliff). Word
   3-shingles feed a one-permutation MinHash (``BANDS * ROWS`` bins, densified), whose bands
   are the LSH keys that propose candidates. Pure Python: no numpy/datasketch to import.
3. Verify. A candidate matches when the word-level ratio 2·LCS/(|a|+|b|) reaches ``RATIO``;
   or, for an MP's covering letter around an enclosed copy, when the shorter text is found
   in order inside the longer one (LCS/shorter reaches ``CONTAINMENT``).
4. Cluster around representatives. A letter joins the best cluster whose *representative*
   it matches; it never joins through another member, so clusters cannot chain into one
   (union-find over LSH pairs does). LSH buckets point at clusters, so any earlier member is
   a route to its representative, which is what lifts recall above plain MinHash-LSH. A
   second pass moves each cluster's representative to its medoid, offers the left-over
   letters again and merges clusters whose medoids match.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import ceil

from rapidfuzz.distance import LCSseq

# Thresholds, chosen from the pair scores bench/bench_campaigns.py prints: copies of one
# campaign (new opener, dropped sentence or paragraph, typos, names) scored >= 0.75 word
# ratio; letters on the same theme in the writer's own words scored <= 0.35.
RATIO = 0.6
CONTAINMENT = 0.85
MIN_WORDS = 8  # shorter letters say too little to call them copies of anything
MIN_CONTAIN_WORDS = 40  # containment needs a real text inside, not a phrase
MAX_CONTAIN_FACTOR = 6  # a covering letter is shorter than a book
# A campaign needs three letters: two alike are as likely one person writing twice (post
# and e-mail) as a campaign; three independent copies are a campaign. Proposed, not final:
# an officer confirms.
MIN_SIZE = 3

SHINGLE = 3
ROWS = 3
BANDS = 42
BINS = ROWS * BANDS
_EMPTY = 1 << 64  # above any hash()

MAX_CANDIDATES = 12  # representatives verified per letter
_MEDOID_SAMPLE = 40
_MEDOID_CANDIDATES = 160


# --- normalising -------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")  # bounded: linear
_URL = re.compile(r"(?:https?://|www\.)\S+")
# Whole words of letters only: "zz12", "3zz" (postcodes), "2009" and "58" are dropped.
_WORD = re.compile(r"\b[a-z]+\b")
_SALUTATION = re.compile(r"^\s*dear\b[^\n]{0,60}$")
_SIGN_OFF = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly|ever|respectfully)|yours|"
    r"(?:with\s+)?(?:best|kind|warm)\s+(?:wishes|regards)|regards|many\s+thanks|thanks)"
    r"[\s,.!]*$"
)
_LONG_LINE_WORDS = 6


def normalise(text: str) -> list[str]:
    """The words of a letter's body, lowercase, without its personal furniture.

    An MP's covering letter around enclosed letters counts for nothing: its words are the
    MP's office template ("I enclose a copy of a letter from my constituent..."), the same
    around letters on any subject, and would make unrelated enclosures look alike."""
    # Each salutation starts a letter: the covering one, then any enclosed.
    letters: list[list[str]] = [[]]
    # Before the first long line (address, date) and after a sign-off (name, title) short
    # lines are furniture; a long line after a sign-off is an enclosure and counts again.
    furniture = True
    for line in text.lower().splitlines():
        if line.startswith("dear") and _SALUTATION.match(line):
            furniture = False
            if letters[-1]:
                letters.append([])
            continue
        if len(line) < 40 and _SIGN_OFF.match(line):
            furniture = True
            continue
        if line.count(" ") + 1 >= _LONG_LINE_WORDS:
            furniture = False
        elif furniture:
            continue
        letters[-1].append(line)
    words = [_words("\n".join(lines)) for lines in letters]
    enclosed = [w for letter in words[1:] for w in letter]
    if len(enclosed) >= MIN_CONTAIN_WORDS:
        return enclosed
    return [w for letter in words for w in letter]


def _words(body: str) -> list[str]:
    if "@" in body:
        body = _EMAIL.sub(" ", body)
    if "http" in body or "www." in body:
        body = _URL.sub(" ", body)
    return _WORD.findall(body)


# --- fingerprints ------------------------------------------------------------------------


class _Vocabulary:
    """Word -> (one private character, a stable 32-bit hash). Shared by the whole process."""

    def __init__(self) -> None:
        self._codes: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def encode(self, words: list[str]) -> tuple[str, list[int]]:
        get = self._codes.get
        pairs = [get(w) for w in words]
        if None in pairs:
            pairs = [p or self._add(w) for p, w in zip(pairs, words, strict=True)]
        # The index is safe: no None is left in pairs once filled in above.
        return "".join([p[0] for p in pairs]), [p[1] for p in pairs]  # type: ignore[index]

    def _add(self, word: str) -> tuple[str, int]:
        with self._lock:
            c = self._codes.get(word)
            if c is None:
                crc = zlib.crc32(word.encode())
                n = len(self._codes) + 0x100
                if n >= 0xD800:  # skip the surrogate block
                    n += 0x800
                if n > 0x10FFFF:  # past a million words: share characters, still comparable
                    n = 0xE000 + crc % 0x1000
                c = self._codes[word] = (chr(n), crc)
            return c


_VOCABULARY = _Vocabulary()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    words: str  # the normalised body, one character per word
    bands: tuple[int, ...]  # LSH keys

    def __len__(self) -> int:
        return len(self.words)


def fingerprint(text: str) -> Fingerprint:
    words, hashes = _VOCABULARY.encode(normalise(text))
    return Fingerprint(words, _bands(_signature(hashes)))


def _signature(hashes: list[int]) -> list[int]:
    """One-permutation MinHash: each shingle hashed once, the minimum kept per bin."""
    if not hashes:
        return [_EMPTY] * BINS
    if len(hashes) < SHINGLE:
        hashes = hashes + [0] * (SHINGLE - len(hashes))
    # A tuple of ints hashes the same in every process (no PYTHONHASHSEED salt), so the
    # grouping is reproducible; the word hashes are CRC-32s for the same reason.
    values = sorted(map(hash, zip(hashes, hashes[1:], hashes[2:], strict=False)), reverse=True)
    # Largest first, so in the dict each bin keeps the last (smallest) value.
    per_bin = dict(zip([v % BINS for v in values], values, strict=True))
    sig = [per_bin.get(b, _EMPTY) for b in range(BINS)]
    if len(per_bin) < BINS:
        # Densify: an empty bin borrows from the next filled one, shifted by the distance,
        # so two similar letters still agree there (Shrivastava & Li's rotation).
        filled = sorted(per_bin)
        filled.append(filled[0] + BINS)
        j = 0
        for b in range(BINS):
            if sig[b] == _EMPTY:
                while filled[j] < b:
                    j += 1
                f = filled[j]
                sig[b] = hash((per_bin[f % BINS], f - b))
    return sig


def _bands(sig: list[int]) -> tuple[int, ...]:
    return tuple(map(hash, zip(range(BANDS), *(sig[r::ROWS] for r in range(ROWS)), strict=True)))


# --- verifying ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    ratio: float  # 2·LCS / (|a| + |b|), words
    containment: float  # LCS / shorter, when the shorter may be an enclosure; else 0

    @property
    def value(self) -> float:
        return max(self.ratio, self.containment)

    @property
    def matches(self) -> bool:
        return self.ratio >= RATIO or self.containment >= CONTAINMENT


def score(a: Fingerprint, b: Fingerprint) -> Score:
    la, lb = len(a.words), len(b.words)
    if la == 0 or lb == 0:
        return Score(0.0, 0.0)
    short, long_ = (la, lb) if la <= lb else (lb, la)
    may_contain = short >= MIN_CONTAIN_WORDS and long_ <= MAX_CONTAIN_FACTOR * short
    lcs = LCSseq.similarity(a.words, b.words)
    return Score(2 * lcs / (la + lb), lcs / short if may_contain else 0.0)


def matches(a: Fingerprint, b: Fingerprint) -> float | None:
    """The score when ``a`` is a copy of ``b`` (or encloses one, or is enclosed), else None."""
    la, lb = len(a.words), len(b.words)
    short, long_ = (la, lb) if la <= lb else (lb, la)
    # Cheapest acceptable LCS for either test; below it rapidfuzz stops early.
    need = RATIO * (la + lb) / 2
    may_contain = short >= MIN_CONTAIN_WORDS and long_ <= MAX_CONTAIN_FACTOR * short
    if may_contain:
        need = min(need, CONTAINMENT * short)
    if short == 0 or short < need:
        return None
    lcs = LCSseq.similarity(a.words, b.words, score_cutoff=ceil(need))
    if not lcs:
        return None
    ratio = 2 * lcs / (la + lb)
    containment = lcs / short if may_contain else 0.0
    if ratio >= RATIO or containment >= CONTAINMENT:
        return max(ratio, containment)
    return None


# --- clustering --------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A campaign found: member indexes with their score against the canonical letter."""

    members: tuple[tuple[int, float], ...]
    canonical: int | None  # index of the member whose text best represents the group
    seed: int | None = None  # index of the existing campaign this group extends

    def __len__(self) -> int:
        return len(self.members)


def group(
    texts: Sequence[str], *, seeds: Sequence[str] = (), min_size: int = MIN_SIZE
) -> list[Group]:
    """Group near-identical letters. ``seeds`` are existing campaigns' canonical texts."""
    return group_fingerprints(
        [fingerprint(t) for t in texts], seeds=[fingerprint(t) for t in seeds], min_size=min_size
    )


def group_fingerprints(
    fps: Sequence[Fingerprint], *, seeds: Sequence[Fingerprint] = (), min_size: int = MIN_SIZE
) -> list[Group]:
    n_seeds = len(seeds)
    reps: list[Fingerprint] = list(seeds)
    centre: list[int | None] = [None] * n_seeds
    members: list[list[int]] = [[] for _ in seeds]
    buckets: dict[int, list[int]] = {}
    for c, fp in enumerate(seeds):
        _index(buckets, fp, c)

    # Pass 1: each letter joins the best representative it matches, or starts a cluster.
    for i, fp in enumerate(fps):
        if len(fp) < MIN_WORDS:
            continue
        best = _best(fp, _candidates(buckets, fp), reps)
        if best is None:
            c = len(reps)
            reps.append(fp)
            centre.append(i)
            members.append([])
        else:
            c = best
        members[c].append(i)
        _index(buckets, fp, c)

    # Pass 2: re-centre on the medoid, merge look-alike clusters, re-offer the left-overs.
    for c in range(n_seeds, len(reps)):
        if len(members[c]) >= 2:
            m = _medoid(fps, members[c])
            reps[c], centre[c] = fps[m], m
    big = [c for c in range(len(reps)) if c < n_seeds or len(members[c]) >= min_size]
    big.sort(key=lambda c: (c >= n_seeds, -len(members[c])))
    kept: list[int] = []
    for c in big:
        into = next((k for k in kept if matches(reps[c], reps[k]) is not None), None)
        if into is None or c < n_seeds:
            kept.append(c)
        else:
            members[into].extend(members[c])
            members[c] = []
    kept_set = set(kept)
    for c in range(len(reps)):
        if c in kept_set or not members[c]:
            continue
        stay: list[int] = []
        for i in members[c]:
            k = _best(fps[i], kept, reps)
            if k is None:
                stay.append(i)
            else:
                members[k].append(i)
        members[c] = stay

    out: list[Group] = []
    for c in range(len(reps)):
        if c not in kept_set and len(members[c]) < min_size:
            continue
        if not members[c]:
            continue
        rep = reps[c]
        scored = tuple(sorted((i, round(score(fps[i], rep).value, 4)) for i in members[c]))
        out.append(Group(scored, centre[c], c if c < n_seeds else None))
    out.sort(key=lambda g: (g.seed is None, -len(g), g.members[0][0]))
    return out


def _index(buckets: dict[int, list[int]], fp: Fingerprint, c: int) -> None:
    for key in fp.bands:
        found = buckets.get(key)
        if found is None:
            buckets[key] = [c]
        elif c not in found:
            found.append(c)


def _candidates(buckets: dict[int, list[int]], fp: Fingerprint) -> list[int]:
    """Clusters sharing an LSH band with ``fp``, most shared bands first, at most
    ``MAX_CANDIDATES``: a true copy shares many bands, a letter on the same theme one."""
    counts: dict[int, int] = {}
    for key in fp.bands:
        found = buckets.get(key)
        if found:
            for c in found:
                counts[c] = counts.get(c, 0) + 1
    if len(counts) <= MAX_CANDIDATES:
        return list(counts)
    return sorted(counts, key=counts.__getitem__, reverse=True)[:MAX_CANDIDATES]


def _best(fp: Fingerprint, candidates: Iterable[int], reps: Sequence[Fingerprint]) -> int | None:
    best, best_value = None, 0.0
    for c in candidates:
        value = matches(fp, reps[c])
        if value is not None and value > best_value:
            best, best_value = c, value
    return best


def _spread(items: Sequence[int], k: int) -> list[int]:
    """Up to k items evenly spaced through the list (deterministic sampling)."""
    if len(items) <= k:
        return list(items)
    step = len(items) / k
    return [items[int(j * step)] for j in range(k)]


def medoid(fps: Sequence[Fingerprint]) -> int:
    """Index of the fingerprint most like the others (the campaign's best representative)."""
    return _medoid(fps, list(range(len(fps))))


def _medoid(fps: Sequence[Fingerprint], idx: Sequence[int]) -> int:
    sample = [fps[i].words for i in _spread(idx, _MEDOID_SAMPLE)]
    best, best_total = idx[0], -1.0
    for i in _spread(idx, _MEDOID_CANDIDATES):
        w = fps[i].words
        lw = len(w)
        total = 0.0
        for s in sample:
            total += 2 * LCSseq.similarity(w, s) / (lw + len(s) or 1)
        if total > best_total:
            best, best_total = i, total
    return best


# --- incremental: new letters against what is already known -------------------------------


class LetterIndex:
    """Letters not (yet) in a campaign, found by LSH key: where a new campaign is born."""

    def __init__(self) -> None:
        self._fps: dict[int, Fingerprint] = {}
        self._buckets: dict[int, set[int]] = {}

    def __len__(self) -> int:
        return len(self._fps)

    def __contains__(self, key: int) -> bool:
        return key in self._fps

    def add(self, key: int, fp: Fingerprint) -> None:
        if key in self._fps:
            self.remove(key)
        self._fps[key] = fp
        for band in fp.bands:
            self._buckets.setdefault(band, set()).add(key)

    def remove(self, key: int) -> None:
        fp = self._fps.pop(key, None)
        if fp is None:
            return
        for band in fp.bands:
            found = self._buckets.get(band)
            if found is not None:
                found.discard(key)
                if not found:
                    del self._buckets[band]

    def near(self, fp: Fingerprint, exclude: int | None = None) -> list[tuple[int, float]]:
        """Indexed letters that ``fp`` matches, best first."""
        seen: set[int] = set()
        for band in fp.bands:
            seen.update(self._buckets.get(band, ()))
        if exclude is not None:
            seen.discard(exclude)
        out = []
        for key in seen:
            value = matches(fp, self._fps[key])
            if value is not None:
                out.append((key, value))
        out.sort(key=lambda kv: (-kv[1], kv[0]))
        return out


def best_campaign(
    fp: Fingerprint, campaigns: Iterable[tuple[int, Fingerprint]]
) -> tuple[int, float] | None:
    """The campaign (id, score) whose canonical text ``fp`` matches best, if any."""
    best: tuple[int, float] | None = None
    for cid, canonical in campaigns:
        value = matches(fp, canonical)
        if value is not None and (best is None or value > best[1]):
            best = (cid, value)
    return best


# --- naming ------------------------------------------------------------------------------

# Organisations that ran or may run letter-writing campaigns to this post.
KNOWN_ORGANISATIONS = (
    "NSPCC",
    "Barnardo's",
    "Action for Children",
    "The Children's Society",
    "Children are Unbeatable",
    "Kidscape",
    "UNICEF",
    "Save the Children",
    "BASW",
    "UNISON",
    "Family Action",
    "4Children",
    "Christian Institute",
    "Family Education Trust",
    "Mumsnet",
    "Women's Aid",
    "Refuge",
    "National Children's Bureau",
    "Children's Rights Alliance for England",
    "Care Leavers' Association",
    "Parents Outloud",
)
_ORG_PATTERNS = tuple(
    (name, re.compile(r"\b" + re.escape(name).replace("'", "['’]?") + r"(?:['’]s)?\b", re.I))
    for name in KNOWN_ORGANISATIONS
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{2,7}\b")
_NOT_ORGANISATIONS = frozenset(
    {"MP", "MPS", "NHS", "DCSF", "UK", "THE", "AND", "BABY", "SCR", "SCRS", "LSCB", "LSCBS",
     "PS", "CC", "RE", "URGENT", "DEAR", "HM", "GP", "CEO", "OFSTED", "CAFCASS", "CEOP"}
)  # fmt: skip


def organisation_in(texts: Iterable[str], sender_organisations: Iterable[str] = ()) -> str:
    """The organisation behind a campaign when the letters name one, else ''."""
    counts: Counter[str] = Counter()
    acronyms: Counter[str] = Counter()
    for text in texts:
        for name, pattern in _ORG_PATTERNS:
            found = len(pattern.findall(text))
            if found:
                counts[name] += found
        for a in _ACRONYM.findall(text):
            if a not in _NOT_ORGANISATIONS:
                acronyms[a] += 1
    if counts:
        return counts.most_common(1)[0][0]
    senders = Counter(o.strip() for o in sender_organisations if o and o.strip())
    if senders:
        name, n = senders.most_common(1)[0]
        if n >= 2:
            return name
    if acronyms:
        name, n = acronyms.most_common(1)[0]
        if n >= 2:
            return name
    return ""


def campaign_name(canonical_text: str, organisation: str) -> str:
    """ "NSPCC campaign", else the opening words of the shared text."""
    if organisation:
        return f"{organisation} campaign"
    words = " ".join(normalise(canonical_text)[:8])
    return f"Campaign: “{words}…”" if words else "Campaign"
