"""The text heuristics' machinery: finding phrases of a word list in a text, and blanking out quotations.

Both run in time linear in their inputs, whatever a spec puts in them (statements, names of goods used as
word lists): see `_PhraseIndex.spans` and `blank_quotes`. The functions a policy calls, `find_phrases` and
`unquoted`, are declared in builtins.py.
"""
from __future__ import annotations

import re
from typing import Any

# -- word lists (the text heuristics) ----------------------------------------------------------------------
#
# A *phrase* is one or more words separated by spaces. Text and phrases are split into words the same way:
# runs of letters, digits, hyphens and inner apostrophes (`fast-track`, `we'll` and `provider's` are one
# word each, so `fast` is not found in `breakfast` or `fast-track`). A phrase is found where its words
# follow each other with nothing but spaces, quotes or brackets between them (no `.,;:!?`). Each word is
# matched case-insensitively, except a word written in capitals of two letters or more (`IT`, `HVAC`), which
# matches only in capitals so that the department is not the pronoun. Within a word, `a|b` gives
# alternatives; a trailing `*` matches any ending (`maintain*` finds maintain, maintains, maintained), a
# leading `*` any beginning of at least one letter (`*ed` finds every word ending in -ed); a lone `*` is any
# one word (`our * team`). Word lists come from params, so config can replace them; each distinct list is
# compiled once into an index by first word, and a text is split into words once, so a statement with none
# of the listed first words costs one set comparison.

_TOKEN = re.compile(r"\w(?:[\w'’-]*\w)?")
_SPLIT = re.compile(r"(\w(?:[\w'’-]*\w)?)")
_GAP_STOP = frozenset(".,;:!?")


class _WordMatcher:
    __slots__ = ("exact", "cased", "prefixes", "cased_prefixes", "suffixes", "any", "literal", "cost")

    def __init__(self, alternatives: list[str]) -> None:
        exact, cased, prefixes, cased_prefixes, suffixes = set(), set(), [], [], []
        self.any = False
        for alt in alternatives:
            if alt == "*":
                self.any = True
                continue
            lead = alt.startswith("*")
            trail = alt.endswith("*") and len(alt) > 1
            core = alt[1 if lead else 0:len(alt) - 1 if trail else len(alt)]
            if not core:
                continue
            caps = len(core) >= 2 and core.isupper()
            if lead:
                suffixes.append(core.lower())
            elif trail:
                (cased_prefixes if caps else prefixes).append(core if caps else core.lower())
            else:
                (cased if caps else exact).add(core if caps else core.lower())
        self.exact = frozenset(exact)
        self.cased = frozenset(cased)
        self.prefixes = tuple(prefixes)
        self.cased_prefixes = tuple(cased_prefixes)
        self.suffixes = tuple(suffixes)
        self.cost = 1 + len(prefixes) + len(cased_prefixes) + len(suffixes)  # comparisons one call may make
        # Only whole words, all in lower case: a text without any of them cannot match this word.
        self.literal = self.exact if not (self.any or self.cased or prefixes or cased_prefixes or suffixes) else None

    def __call__(self, tok: str, low: str) -> bool:
        if self.any or low in self.exact or tok in self.cased:
            return True
        if self.prefixes and low.startswith(self.prefixes):
            return True
        if self.cased_prefixes and tok.startswith(self.cased_prefixes):
            return True
        return any(low.endswith(x) and len(low) > len(x) for x in self.suffixes)


class _Text:
    """A text split into words once: words, their lower-case forms, and the gaps before each word."""

    __slots__ = ("text", "words", "lows", "gaps", "low_set", "word_set")

    def __init__(self, text: str) -> None:
        parts = _SPLIT.split(text)
        self.text = text
        self.words = parts[1::2]
        self.gaps = parts[0::2]
        self.lows = [w.lower() for w in self.words]
        self.low_set = frozenset(self.lows)
        self.word_set = frozenset(self.words)


class TextTooLarge(RuntimeError):
    """Matching a word list against a text would take more comparisons than their sizes justify."""


class _PhraseIndex:
    """A word list compiled for matching: phrases indexed by what their first word can be."""

    def __init__(self, phrases: list) -> None:
        self.phrases: list[tuple[_WordMatcher, ...]] = []
        self.needs: list[tuple[frozenset, ...]] = []  # per phrase: word sets a text must touch, each
        self.first: dict[str, list[int]] = {}
        self.first_cased: dict[str, list[int]] = {}
        self.prefixed: dict[str, list[int]] = {}  # first word given as `prefix*`
        self.loose: list[int] = []  # first word `*`, `*suffix` or a capitals prefix: tried at every word
        self.size = 0  # comparisons needed to try every phrase once: what the work budget scales with
        for phrase in phrases:
            if type(phrase) is not str:
                continue
            words = _phrase_words(phrase)
            if not words:
                continue
            index = len(self.phrases)
            matchers = tuple(_WordMatcher(alts) for alts in words)
            self.size += sum(m.cost for m in matchers)
            self.phrases.append(matchers)
            self.needs.append(tuple(m.literal for m in matchers if m.literal is not None))
            head = matchers[0]
            if head.any or head.suffixes or head.cased_prefixes:
                self.loose.append(index)
                continue
            for w in head.exact:
                self.first.setdefault(w, []).append(index)
            for w in head.cased:
                self.first_cased.setdefault(w, []).append(index)
            for w in head.prefixes:
                self.prefixed.setdefault(w, []).append(index)
        self.prefix_lengths = sorted({len(p) for p in self.prefixed})
        self.lookup_cost = 2 + len(self.prefix_lengths) + sum(self.phrases[k][0].cost for k in self.loose)

    def spans(self, t: _Text) -> list[tuple[int, int]]:
        """(first word, end word) of each match, scanning left to right; the longest match wins.

        Each word of the text is compared with the phrases that can start there, so the work is the text's
        length times the phrases sharing a first word: small for any real word list, but a spec can supply
        a list (names of its goods) that shares first words with a long statement. The comparisons are
        counted, and past `_budget` of them TextTooLarge stops the function: the time stays linear in the
        sizes of the text and the list whatever their content.
        """
        lows = t.low_set
        words, low_words, gaps = t.words, t.lows, t.gaps
        n = len(words)
        budget = _budget(n, self.size)
        if not self.loose and lows.isdisjoint(self.first) and t.word_set.isdisjoint(self.first_cased) and (
                len(lows) * len(self.prefix_lengths) <= budget and not self._prefixed_in(lows)):
            return []  # no word of the text can start a phrase: the common case, one set comparison
        viable: dict[int, bool] = {}
        out = []
        work = 0
        i = 0
        while i < n:
            best = 0
            candidates = self._candidates(words[i], low_words[i])
            work += self.lookup_cost + len(candidates)
            for index in candidates:
                matchers = self.phrases[index]
                size = len(matchers)
                if size <= best or i + size > n:
                    continue
                ok = viable.get(index)
                if ok is None:
                    ok = viable[index] = all(not lows.isdisjoint(need) for need in self.needs[index])
                    work += len(self.needs[index])
                if not ok:
                    continue
                for k in range(1, size):
                    work += matchers[k].cost
                    if not _GAP_STOP.isdisjoint(gaps[i + k]) or not matchers[k](words[i + k], low_words[i + k]):
                        break
                else:
                    best = size
            if work > budget:
                raise TextTooLarge(f"comparing a text of {n} words with a word list of {len(self.phrases)} "
                                   f"phrases needs more than {budget} word comparisons")
            if best:
                out.append((i, i + best))
                i += best
            else:
                i += 1
        return out

    def _prefixed_in(self, lows: frozenset) -> bool:
        """Whether a word of the text starts with a `prefix*` first word."""
        lengths, prefixed = self.prefix_lengths, self.prefixed
        return any(low[:size] in prefixed for low in lows for size in lengths if size <= len(low))

    def _candidates(self, tok: str, low: str) -> list[int]:
        """The phrases whose first word matches this word (in no particular order)."""
        found = self.first.get(low, [])
        cased = self.first_cased.get(tok)
        if cased:
            found = found + cased
        for size in self.prefix_lengths:  # one look-up per distinct prefix length, not per prefix
            if size > len(low):
                break
            ks = self.prefixed.get(low[:size])
            if ks:
                found = found + ks
        if self.loose:
            found = found + [k for k in self.loose if self.phrases[k][0](tok, low)]
        return found


def _budget(words: int, list_size: int) -> int:
    """Word comparisons allowed for one text and one list, linear in both sizes: the default lists need at
    most 9 per word on a 5,000-word text, and a statement of a few hundred words stays within the constant."""
    return 200_000 + 16 * (words + list_size)


def _phrase_words(phrase: str) -> list[list[str]]:
    """A phrase's words, each a list of alternatives, with punctuation dropped as the text's words drop it."""
    out: list[list[str]] = []
    for word in phrase.split():
        alts = [a for a in word.split("|") if a]
        cleaned = []
        for alt in alts:
            if alt == "*":
                cleaned.append(alt)
                continue
            lead, trail = alt.startswith("*"), alt.endswith("*") and len(alt) > 1
            core = alt[1 if lead else 0:len(alt) - 1 if trail else len(alt)]
            parts = _TOKEN.findall(core)
            if not parts:
                continue
            if len(alts) == 1 and len(parts) > 1:  # `(14)` or `a/b`: the words inside, one after another
                out.extend([[p] for p in parts[:-1]])
                parts = parts[-1:]
            cleaned.append(("*" if lead else "") + parts[0] + ("*" if trail else ""))
        if cleaned:
            out.append(cleaned)
    return out


_INDEXES: dict[tuple, _PhraseIndex] = {}
_TEXTS: dict[str, _Text] = {}  # the statements of the spec in hand: several rules and lists ask about each
_CACHED_TEXT = 10_000  # longer texts are split again when asked again: the cache holds no megabytes
_CACHED_INDEX = 100_000  # likewise for word lists: at most this many comparisons' worth of lists is kept
_cached_size = [0]


def _index_of(phrases: Any) -> _PhraseIndex | None:
    if type(phrases) is not list or not phrases:
        return None
    try:
        key = tuple(phrases)
        index = _INDEXES.get(key)
    except TypeError:
        return _PhraseIndex(phrases)
    if index is None:
        index = _PhraseIndex(phrases)
        if index.size <= _CACHED_INDEX:
            if len(_INDEXES) >= 1024 or _cached_size[0] + index.size > _CACHED_INDEX:
                _INDEXES.clear()
                _cached_size[0] = 0
            _INDEXES[key] = index
            _cached_size[0] += index.size
    return index


def _split_text(text: str) -> _Text:
    t = _TEXTS.get(text)
    if t is None:
        t = _Text(text)
        if len(text) <= _CACHED_TEXT:
            if len(_TEXTS) >= 256:
                _TEXTS.clear()
            _TEXTS[text] = t
    return t


def _without_overlaps(found: list[tuple[int, int]], blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of `found` that overlap no span of `blocked`; both are sorted and without overlaps of their
    own, so one sweep over each does."""
    out = []
    j = 0
    for start, end in found:
        while j < len(blocked) and blocked[j][1] <= start:
            j += 1
        if j < len(blocked) and blocked[j][0] < end:
            continue
        out.append((start, end))
    return out


def find_phrases(text: str, phrases: Any, exceptions: Any) -> list:
    """The phrases of the list found in a non-empty text, as written there, in order, leaving out any that
    overlaps a phrase of `exceptions`; TextTooLarge where that needs more work than the sizes justify."""
    index = _index_of(phrases)
    if index is None:
        return []
    t = _split_text(text)
    found = index.spans(t)
    if not found:
        return []
    ex = _index_of(exceptions)
    if ex is not None:
        blocked = ex.spans(t)
        if blocked:
            found = _without_overlaps(found, blocked)
    return [" ".join(t.words[a:b]) for a, b in found]


# -- quotations ---------------------------------------------------------------------------------------------

_CLOSING = {'"': '"', "“": "”", "‘": "’", "«": "»", "`": "`", "'": "'"}  # opening quote -> closing quote
# An opening quote; a straight `'` only where no letter, digit or quote precedes it. One character and a
# one-character look-behind: nothing to backtrack.
_OPENING = re.compile("[\"“‘«`]|(?<![\\w'’])'")


def unquoted(s: str) -> str:
    """The string with every quoted passage blanked out (see builtins `unquoted`)."""
    return blank_quotes(s) if any(q in s for q in _CLOSING) else s


def blank_quotes(s: str) -> str:
    """Each passage from an opening quote to the next closing quote on the same line becomes one space.

    Left to right, a passage resumes the scan after its closing quote. A straight `'` opens only where it
    does not follow a letter, digit or quote, and closes only where none follows (`don't`, `provider's`).
    Where the next closing quote or line end lies is remembered and only searched again once the scan has
    passed it, so an unclosed quote costs one search, not one per later quote: the pass is linear.
    """
    out: list[str] = []
    size = len(s)
    ahead: dict[str, int] = {}  # character -> its first position after the last search start (size: none)
    done = 0  # s[:done] is settled
    for m in _OPENING.finditer(s):
        i = m.start()
        if i < done:
            continue
        quote = s[i]
        close = _next(s, _CLOSING[quote], i, ahead)
        if close >= _next(s, "\n", i, ahead):
            continue
        if quote == "'" and close + 1 < size and _in_word(s[close + 1]):
            continue
        out.append(s[done:i])
        out.append(" ")
        done = close + 1
    out.append(s[done:])
    return "".join(out)


def _next(s: str, char: str, i: int, ahead: dict[str, int]) -> int:
    """Position of the first `char` after `i` (len(s) if none), searching only past the last answer."""
    pos = ahead.get(char, -1)
    if pos <= i:
        pos = s.find(char, i + 1)
        pos = ahead[char] = len(s) if pos < 0 else pos
    return pos


def _in_word(c: str) -> bool:
    """Python's `\\w` and the two apostrophes: what may not stand next to a straight quote."""
    return c.isalnum() or c in "_'’"
