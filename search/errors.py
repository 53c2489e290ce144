"""Errors of search.

SearchError (HandoffError)
├── IndexUnavailable      the Chroma server cannot be reached, or the index cannot be opened
└── LLMUnavailable        (`search.llm`) the answering model could not be reached or failed

EmbeddingsUnavailable (ConfigError)
                          the embedding model or endpoint cannot be loaded: a setting or an
                          extra to install
"""

from __future__ import annotations

from handoff.errors import ConfigError, HandoffError


class SearchError(HandoffError):
    status_code = 503


class IndexUnavailable(SearchError):
    pass


class EmbeddingsUnavailable(ConfigError):
    pass
