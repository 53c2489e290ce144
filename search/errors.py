"""Errors of search.

SearchError (HandoffError)
├── IndexUnavailable      the Chroma server cannot be reached, or the index cannot be opened
└── EmbeddingsUnavailable the embedding model or endpoint cannot be loaded
"""

from __future__ import annotations

from handoff.errors import ConfigError, HandoffError


class SearchError(HandoffError):
    status_code = 503


class IndexUnavailable(SearchError):
    pass


class EmbeddingsUnavailable(ConfigError):
    pass
