"""The protocol's second half: routing, acknowledgment, resolution, escalation and reminders.

A published handoff is a declaration; this package makes it reach people and come back:

    models.py    tables: people's hours and channels, team rules, assignments, the outbox
    hours.py     working hours in a person's time zone, days off, working time between moments
    people.py    profiles and team rules; a wrap's person name to an account; a team's leads
    outbox.py    notification rows written in the caller's transaction; claiming and backoff
    messages.py  what each notification says (plain text that stands on its own, and its data)
    routing.py   on publish: blockers to who can clear them, actions to owners, handovers
    actions.py   acknowledge, not mine, resolve (with a decision), reassign; ledger events
    inbox.py     what needs a person now; "changed since you acknowledged"
    schedule.py  escalation, shift-end reminders, shift-start digests, as functions of `now`

Everything here writes rows in the caller's session; delivery through the channels (the
`Notifier` seam) is `api`'s, so nothing in this package talks to the network.
"""
