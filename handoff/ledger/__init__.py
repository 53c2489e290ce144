"""The item ledger: every in-flight item, blocker, decision and next action gets a stable identity
across handoffs, and a timeline of what each handoff said about it.

    models.py       tables (items, events, refs); every row carries its team
    cues.py         resolution, change and handover cues; the names shipped items go by
    matching.py     identity: refs, names, fuzzy names, embedding similarity
    decisions.py    which decision a new one replaces; reversals read from the wrap's sentences
    moves.py        blockers re-routed, work handed over, blockers a reversal made moot
    state.py        an item's state as a function of its events (now, or as of a moment)
    materialize.py  that state stored on each item, kept up to date as handoffs add events
    engine.py       apply a published handoff, roll one back, rebuild from the system of record
    queries.py      reading items and timelines
"""

from handoff.ledger.engine import Ledger
from handoff.ledger.queries import EventView, ItemView, fields_of, read_item, read_items

__all__ = ["EventView", "ItemView", "Ledger", "fields_of", "read_item", "read_items"]
