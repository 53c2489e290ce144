"""A channel for the worker-kill test, imported by the worker process the test starts: each send
appends {"key", "address"} as a JSON line to $RECORDING_CHANNEL_FILE (the receiver's log), then
waits $RECORDING_CHANNEL_DELAY_S before returning, so a kill can land between a send and its
`delivered` mark."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from api.notify.base import Message, register

NAME = "record"


class RecordingChannel:
    name = NAME

    def __init__(self, settings: Any) -> None:
        self.path = os.environ["RECORDING_CHANNEL_FILE"]
        self.delay = float(os.environ.get("RECORDING_CHANNEL_DELAY_S", "0"))

    def send(self, message: Message, address: str) -> None:
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"key": message.key, "address": address}) + "\n")
            log.flush()
            os.fsync(log.fileno())
        time.sleep(self.delay)


register(NAME, RecordingChannel)
