"""Notifications: one `Notifier` seam, a registry of channels, and the message they all carry.

The protocol (routing, resolution, escalation, reminders) writes messages to an outbox in the
database; Celery tasks deliver them through the notifier registered for each channel.
"""
