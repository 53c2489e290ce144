"""The languages a clip can be transcribed in: a team's setting and an upload's override.

A value is an ISO 639-1 code Whisper knows (`en`, `de`, ...) or `auto` (Whisper detects it). It
is checked here, where a team's setting and a form field are read, so the recognizers are only
ever told a code they know. Whether the configured model can hear it (English-only models such
as tiny.en cannot) is for the engine to say (`ingest.asr.language`).
"""

from __future__ import annotations

from handoff.errors import InvalidInput

AUTO = "auto"
ENGLISH = "en"

#: The two-letter codes of the languages Whisper transcribes (its `LANGUAGES` table; `jw` is its
#: code for Javanese). Its two longer codes (`haw`, `yue`) are not ISO 639-1 and not offered.
_CODES = (
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha he hi "
    "hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl "
    "nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur "
    "uz vi yi yo zh"
)
WHISPER_LANGUAGES = frozenset(_CODES.split())


#: Every value a language setting or field accepts, `auto` first (the OpenAPI document's enum).
CHOICES: tuple[str, ...] = (AUTO, *sorted(WHISPER_LANGUAGES))


def check_language(value: str) -> str:
    """`value` when it is a code Whisper knows or `auto`, exactly as stored and passed on (the
    CLI lower-cases what is typed first); else `InvalidInput` saying what is accepted."""
    if value in CHOICES:
        return value
    raise InvalidInput(
        f"{value!r} is not a transcription language; use an ISO 639-1 code Whisper knows "
        "(en, de, fr, ...) or auto."
    )
