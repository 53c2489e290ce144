"""Work done written as a note: the thing, then the participle that finished it.

"berth 4 fenders replaced", "mortar samples sent to the Institute": people list finished work
without a subject or an auxiliary. The participle alone says done, unless it describes a state,
a plan, a problem or a report ("scheduled", "delayed", "expired", "asked"); those are listed
here with the reason beside them. Kept apart from `summarizer.rules` to keep that module small.
"""

from __future__ import annotations

import re

# "berth 4 fenders replaced", "mortar samples sent to the Institute": a note's thing, then the
# participle that finished it, with no subject, auxiliary or negation; participles that describe a
# state or a plan ("scheduled", "delayed", "needed") are not work done.
_NOT_DONE_PARTICIPLES = (
    r"need|needed|feed|speed|seed|bed|shed|red|hundred|based|planned|scheduled|expected|delayed|"
    r"required|requested|used|related|involved|called|named|limited|located|affected|damaged|"
    r"flooded|blocked|paused|stalled|cancell?ed|postponed|reported|broken|booked|proposed|"
    r"suggested|assigned|owned|shared|allowed|supposed|interested|concerned|tired|worried|"
    r"surprised|pleased|confused|stopped|stuck|closed|missed|failed|rejected|refused|"
    r"unplanned|unassigned|unsigned|untested|unfinished|undecided|unresolved|wanted|"
    r"fed|led|sped|embed|embedded|happened|started|seemed|looked|sounded|"
    # a reporting verb after a plural subject ("growers asked for it") is a sentence, not a note
    r"asked|said|told|complained|insisted|mentioned|explained|answered|replied|agreed|decided|"
    r"preferred|liked|voted|argued|warned|promised|claimed|noted|moved|changed|showed|turned|"
    # something going wrong is news of a problem, not work done
    r"expired|crashed|overheated|leaked|jammed|lost|dropped|died|timed|errored|corrupted|"
    r"disconnected|locked|frozen|rained|snowed|cracked|burst|tripped|collapsed|exploded|"
    r"spiked|slipped|overflowed|flagged|escalated|returned|bounced|declined"
)
TERSE_DONE = re.compile(
    r"^(?!(?:I|we|you|he|she|they|it|there|this|that|these|those|nothing|nobody|no)\b)"
    r"(?:(?!(?:not|never|no|have|has|had|was|were|is|are|been|be|got|get|\w+n't|\w+n’t)\s)"
    r"[\w'’./%#&-]+\s+){1,7}?"
    r"(?:(?:now|all|both|finally|fully|successfully)\s+)?"
    rf"(?!(?:{_NOT_DONE_PARTICIPLES})\b)"
    r"(?:[a-z]{3,}ed|sent|built|made|done|set|put|cut|sold|written|given|paid|found|taken|"
    r"fitted|shipped|swept|laid|hung|spun|sewn|sown|dug|won|bought|brought|taught)"
    r"(?=\s*(?:$|[,.;:!(]|\s+(?:and|to|in|at|on|for|with|by|into|from|this|today|yesterday|"
    r"tonight|earlier|again|already|ok|okay|fine|\d)\b))",
    re.I,
)
