"""Full-text search of the knowledge library over titles and abstracts.

On PostgreSQL the search uses a text-search vector with the ``simple``
configuration: it splits words and lowercases them but applies no language's
stemming, so English, French and Arabic titles are all found by their words
(a word may also be given by its beginning: "traffick" finds "trafficking").
Results come best match first. Elsewhere (SQLite) each word must appear in
the title or the abstract, as plain text.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import F, Q, QuerySet

SEARCH_CONFIG = "simple"
MAX_WORDS = 10
# Letters, digits and marks of any script; everything else separates words.
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def search_words(text: str) -> list[str]:
    """The words of a query, without operators or punctuation, at most ``MAX_WORDS``."""
    return WORD.findall(text or "")[:MAX_WORDS]


def search_outputs(queryset: QuerySet, text: str) -> QuerySet:
    """Outputs whose title or abstract holds every word of ``text``."""
    words = search_words(text)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
            "abstract", weight="B", config=SEARCH_CONFIG
        )
        # Words are reduced to letters and digits above, so the raw query holds no operator
        # the user typed; ":*" makes each a prefix.
        query = SearchQuery(
            " & ".join(f"{word}:*" for word in words), config=SEARCH_CONFIG, search_type="raw"
        )
        return (
            queryset.alias(search_document=vector)
            .filter(search_document=query)
            .annotate(search_rank=SearchRank(vector, query))
            .order_by("-search_rank", F("publication_date").desc(nulls_last=True), "title", "pk")
        )
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(abstract__icontains=word)
    return queryset.filter(condition)
