"""Speech recognition: audio in, a timed transcript out, by whichever engine is named.

Imports point one way, down this list; nothing imports a module listed after it:

- `base` — the `Transcriber` protocol, its optional abilities (`Preparable`, `Warmable`,
  `Multilingual`) and `Hints` (progress is `handoff.progress.Progress`, its no-op `quiet`);
- `language` — which language an engine is told, and refusing one its model cannot hear;
- `chunking` — cutting audio at quiet points, merging channels' segments;
- `pronounce` — the English dictionary and guessed pronunciations for words it lacks;
- `vocab_text` — the team's spelling put back into recognized text;
- `term_spotting` — which team terms a first listening came near (Whisper's second prompt);
- `whisper_common` — the glossary prompt and silence rule both Whisper engines use;
- `pocketsphinx_lm` — pocketsphinx's handoff-biased language model and dictionary;
- the engines, one module each: `whisper` (openai-whisper), `faster_whisper`, `pocketsphinx`;
- `registry` — each engine by name, a factory of explicit `EngineOptions`, importing its engine
  only when called.

Nothing here reads settings: `api.wiring.asr` turns them into a name and `EngineOptions`.
"""
