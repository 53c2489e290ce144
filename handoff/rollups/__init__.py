"""Rollups: a team's state for a lead who was away, and a pod's synthesis for the next time zone.

compose.py  a team's rollup from the item ledger and the system of record
pod.py      a pod's rollup: blockers that wait on another team first, then each team
pods.py     pods (groups of teams) and who is in them
render.py   rollups as Markdown, for channels and the CLI
"""

from handoff.rollups.compose import Cite, Line, Member, TeamRollup, team_rollup
from handoff.rollups.pod import CrossTeamBlocker, PodRollup, pod_rollup

__all__ = [
    "Cite",
    "CrossTeamBlocker",
    "Line",
    "Member",
    "PodRollup",
    "TeamRollup",
    "pod_rollup",
    "team_rollup",
]
