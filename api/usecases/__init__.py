"""What users do, one module per kind of work; the HTTP routes, the web pages, the CLI, the Celery
tasks, the demo and `eval` all call these functions, so the same request takes the same path
whichever door it came in by.

Each function takes the process's `Services` (the backends, `api.wiring.services`) first:

    posting     post a wrap: store it, transcribe and extract it (now or in a worker), keep uploads
    drafting    the extraction context, extracting (again)
    followups   the questions a draft's missing fields raise, and merging their answers
    audit       audit rows for changes outside the handoff store (vocabulary, job retry)
    lifecycle   publish, unpublish, delete, edit, acknowledge; indexing after a change
    bulk        importing many wraps at once
    questions   asking (with the earlier questions of a conversation)
    items       the ledger's items; rebuilding the ledger and the index
    vocabulary  a team's people and terms
    speech      transcribing, and preparing a team's speech model ahead of its clips
    teams       the team a request names
"""
