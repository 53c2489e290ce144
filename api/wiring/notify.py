"""Notifiers from settings: the built-in channels are registered the first time one is asked
for, in whichever process asks (the web app, a worker, a command)."""

from __future__ import annotations

import threading

from api.notify.base import Notifier, notifier_for
from handoff.settings import Settings

_lock = threading.Lock()
_registered = False


def build_notifier(settings: Settings, channel: str) -> Notifier:
    """The notifier for `channel` ("email", "slack", "webhook", or one registered beside them);
    an unknown name is a ConfigError listing the valid ones."""
    global _registered
    with _lock:
        if not _registered:
            from api.notify.channels import register_builtin_channels

            register_builtin_channels(replace=False)
            _registered = True
    return notifier_for(channel, settings)
