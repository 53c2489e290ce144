"""Errors of search.

SearchError (HandoffError)
└── IndexUnavailable      the Chroma server cannot be reached, or the index cannot be opened

EmbeddingsUnavailable (ConfigError)
                          the embedding model or endpoint cannot be loaded: a setting or an
                          extra to install

An answering model that fails raises `handoff.errors.LLMUnavailable`, shared with the extractor.
"""

from __future__ import annotations

from handoff.errors import ConfigError, HandoffError


class SearchError(HandoffError):
    status_code = 503


class IndexUnavailable(SearchError):
    pass


class EmbeddingsUnavailable(ConfigError):
    pass
