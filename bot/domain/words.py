"""Plain text, as every rule reads it: folded, lowercased, and the stop words (pure: no models).

The problem gate (bot/domain/problem.py) and the problems' content words (bot/domain/similar.py, which the
store writes as each idea's `problem_key`) share these; they live apart from the gate so that
the store can compute a problem key without importing the gate and its models.
"""

from __future__ import annotations

import re
import unicodedata

STOP_WORDS = frozenset(
    """
    a an the and or but if then of to in on at by for with from into onto over under about as than
    so such too very i me my we us our you your he she him her they them their it its this that
    these those there here is are was were be been being am do does did have has had having will
    would shall should can could may might must not no yes just also even still only all any some
    each every both either neither which who whom whose what when where why how up down out off
    again further once more most other same own s t don now i'm it's we're they're you're that's
    there's
    """.split()
)


# Format characters (Unicode category Cf): zero-width spaces and joiners, bidi marks, soft hyphens.
_FORMAT_CHARS = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def fold(text: str) -> str:
    """NFKC, straight quotes, no zero-width characters, single spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
        text = _FORMAT_CHARS.sub("", text)
    return " ".join(text.split())


def normalize(text: str) -> str:
    """`fold`, lowercased: the form every rule reads."""
    return fold(text).lower()
