"""Dutch text for the search: fold accents, stem with Snowball (Dutch), parse queries.

The same functions prepare the indexed text (`Offer.search_text`) and the query, on both
databases, so "voorstellingen" and "voorstelling" meet at one stem and "ideeën" and
"ideeen" at one folded word (decision MS-1). Compounds: see `search.py` (MS-2)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("dutch")
WORD = re.compile(r"[a-z0-9]+")
MAX_TERMS = 12  # a query of more words is cut (the index is searched once per word)


def fold(text: str) -> str:
    """Lower case without accents ("Ideeën" → "ideeen"), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


@functools.lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """The folded words of a text (letters and digits only)."""
    return WORD.findall(fold(text))


def stem_text(text: str) -> str:
    """The folded, stemmed words of a text separated by single spaces (what is indexed)."""
    return " ".join(stem(w) for w in words(text))


@dataclass
class Query:
    """A parsed search box: words (each must match), phrases (in this order), excluded
    words (`-woord`); all folded and stemmed."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def positive(self) -> bool:
        return bool(self.words or self.phrases)

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.excluded)


PHRASE = re.compile(r'"([^"]*)"')


def parse_query(q: str) -> Query:
    """`muziek "in de klas" -dans` → words [muziek], phrases [[in, de, klas]], excluded
    [dans]. An unclosed quote is read as plain words; duplicates are dropped."""
    query = Query()
    text = (q or "")[:500]
    for phrase in PHRASE.findall(text):
        stems = [stem(w) for w in words(phrase)]
        if len(stems) == 1:
            query.words.append(stems[0])
        elif stems:
            query.phrases.append(stems)
    rest = PHRASE.sub(" ", text).replace('"', " ")
    for token in rest.split():
        negative = token.startswith("-") and len(token) > 1
        for w in words(token[1:] if negative else token):
            target = query.excluded if negative else query.words
            if stem(w) not in target:
                target.append(stem(w))
    query.words = query.words[:MAX_TERMS]
    query.phrases = query.phrases[:MAX_TERMS]
    query.excluded = query.excluded[:MAX_TERMS]
    return query
