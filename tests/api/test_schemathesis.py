"""The API against its own OpenAPI document, as schemathesis's command line runs it: the
examples, coverage, fuzzing and stateful phases (the stateful one chains operations along the
links schemathesis infers: post a wrap, read it, edit it, publish it...), in-process against the
ASGI app, signed in as a lead of the tests' teams with a bearer token.

Every check is on: no 5xx, every status code, header and body as the document declares, valid
requests accepted and invalid ones refused. Bounded so it runs in a few minutes on two cores:
a handful of examples per operation and per stateful run, a deterministic seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from tests.api.conftest import bearer, signed_in_token

pytestmark = pytest.mark.slow

#: Examples per operation (fuzzing) and per stateful run: enough to reach every status code a
#: route answers, few enough for `make test`.
EXAMPLES = 30


def _accepting(*more: str) -> dict[str, Any]:
    return {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *more]}}


#: A valid request may still be answered 412 (its If-Match names a version that is no longer
#: current) besides what schemathesis expects by default (2xx, 401, 403, 404, 409...).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]

#: An upload's bytes are judged by reading them (a clip that decodes, a chat export that
#: parses), which no schema can say: there, 415 and 422 are answers to schema-valid requests.
UPLOADS = [
    {"include-path": path, "include-method": "POST", "checks": _accepting("415", "422")}
    for path in ("/api/handoffs", "/api/handoffs/{handoff_id}/answers/recording")
]

#: A rollup covers at most 93 days: a relation between `since` and `until` that no schema can
#: state, so a valid-looking pair may be answered 422.
ROLLUPS = [
    {"include-path": path, "include-method": "GET", "checks": _accepting("422")}
    for path in ("/api/teams/{team}/rollup", "/api/pods/{pod}/rollup")
]


#: Working hours must end after they start (a night shift is two days): a relation between two
#: strings that no schema can state, so a valid-looking profile may be answered 422.
PROFILE = [{"include-path": "/api/me", "include-method": "PUT", "checks": _accepting("422")}]


def _config(token: str) -> SchemathesisConfig:
    generation = {"max-examples": EXAMPLES, "deterministic": True, "database": "none"}
    return SchemathesisConfig.from_dict(
        {
            "headers": bearer(token),
            "request-timeout": 30,
            "checks": _accepting(),
            "operations": UPLOADS + ROLLUPS + PROFILE,
            "generation": generation,
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True, "generation": generation},
                "stateful": {"enabled": True, "max-steps": 12, "generation": generation},
            },
        }
    )


def _failures(event: events.ScenarioFinished) -> Iterator[str]:
    recorder = event.recorder
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            info = check.failure_info
            seen = recorder.interactions.get(info.failure.case_id or case_id)
            answer = (
                f"{seen.response.status_code} {seen.response.content[:300]!r}"
                if seen is not None and seen.response is not None
                else "no response"
            )
            yield (
                f"[{event.phase.value}] {recorder.label}: {check.name}: {info.failure.title}\n"
                f"    {info.failure.message.strip()[:600]}\n    {info.code_sample[:600]}\n"
                f"    -> {answer}"
            )


def test_the_api_answers_as_its_openapi_document_says(
    app: Any, settings: Any, posted: dict[str, Any]
) -> None:
    token = signed_in_token(settings, "sam", "Sam")
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(token))
    problems: list[str] = []
    errors: list[str] = []
    phases: set[str] = set()
    cases = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phases.add(event.phase.value)
            cases += len(event.recorder.cases)
            problems.extend(_failures(event))
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()[:800]}")
        elif isinstance(event, events.FatalError):
            pytest.fail(f"schemathesis stopped: {event.exception!r}")
    assert not errors, "\n".join(errors)
    assert not problems, f"{len(problems)} failed checks:\n" + "\n".join(sorted(set(problems)))
    assert {"examples", "coverage", "fuzzing", "stateful"} <= phases, phases
    assert cases > 500, f"only {cases} requests were generated"
    print(f"schemathesis: {cases} test cases, phases {sorted(phases)}")
