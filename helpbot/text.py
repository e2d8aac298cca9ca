"""Text normalisation shared by indexing and querying.

One pipeline, used on both sides so that a document and a query meet on the same terms:
Unicode NFKC -> lower case -> curly quotes and dashes folded -> synonym phrases replaced by
their canonical term (``T/T``, ``wire transfer`` -> ``tt``) -> word tokens -> stop words
dropped -> Snowball stems.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer
import yaml

from helpbot.errors import KnowledgeError
from helpbot.yamlio import SAFE_LOADER

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u3010": "[", "\u3011": "]", "\u3001": ",", "\u3002": ".",
    }
)
# Zero-width and bidi control characters carry no meaning for matching.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b-\x1f\x7f]")
_TOKEN = re.compile(r"[a-z0-9]+")

# Words too common to tell entries apart. Negations and question words that change meaning
# ("not", "can't", "how long") are kept on purpose.
STOP_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from into onto about as is are was were be
    been being am do does did doing have has had having i me my mine we our ours you your yours he him
    his she her it its they them their this that these those there here then so than too very just
    please kindly would could should shall will may might must can s t d ll m re ve y also any some
    what which who whom whose when where why how ecokara com www""".split()
)

_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """NFKC, lower case, quotes and dashes folded, invisible characters removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub(" ", text)
    return text.translate(_FOLD).lower()


@dataclass(frozen=True)
class SynonymTable:
    """Phrases mapped to one canonical term, applied longest phrase first."""

    pattern: re.Pattern[str] | None
    canonical: dict[str, str]

    def apply(self, folded: str) -> str:
        if self.pattern is None:
            return folded
        return self.pattern.sub(lambda m: f" {self.canonical[_squash(m.group(0))]} ", folded)


def _squash(phrase: str) -> str:
    return re.sub(r"[\s\-]+", " ", phrase.strip())


def build_synonyms(groups: dict[str, list[str]]) -> SynonymTable:
    canonical: dict[str, str] = {}
    for term, variants in groups.items():
        for variant in [term, *variants]:
            canonical[_squash(fold(variant))] = term
    if not canonical:
        return SynonymTable(None, {})
    # A phrase matches at word edges with any run of spaces or hyphens between its words.
    alternatives = sorted(canonical, key=len, reverse=True)
    parts = [r"[\s\-]+".join(re.escape(word) for word in phrase.split(" ")) for phrase in alternatives]
    pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])")
    return SynonymTable(pattern, canonical)


def load_synonyms(path: Path) -> SynonymTable:
    """Read ``synonyms: {canonical: [variant, ...]}`` from a YAML file."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KnowledgeError(f"{path}:{mark.line + 1 if mark else 1}: malformed YAML: {exc}") from None
    groups = data.get("synonyms", {})
    if not isinstance(groups, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in groups.items()
    ):
        raise KnowledgeError(f"{path}:1: 'synonyms' must map a canonical term to a list of variants")
    return build_synonyms(groups)


EMPTY_SYNONYMS = SynonymTable(None, {})


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


class Analyzer:
    """Turns text into the terms that BM25 indexes and matches."""

    def __init__(self, synonyms: SynonymTable = EMPTY_SYNONYMS) -> None:
        self.synonyms = synonyms

    def normalise(self, text: str) -> str:
        """Folded text with synonyms replaced: the input of the character n-grams too."""
        return re.sub(r"\s+", " ", self.synonyms.apply(fold(text))).strip()

    def terms(self, text: str) -> list[str]:
        return [stem(w) for w in _TOKEN.findall(self.normalise(text)) if w not in STOP_WORDS]

    def terms_of_normalised(self, normalised: str) -> list[str]:
        return [stem(w) for w in self.words(normalised)]

    def words(self, normalised: str) -> list[str]:
        """The content words of normalised text, before stemming."""
        return [w for w in _TOKEN.findall(normalised) if w not in STOP_WORDS]
