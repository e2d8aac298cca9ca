"""Where feedback, hand-offs and the content-gap log go, and the report made from them.

``base`` holds the interface, ``redaction`` what may be stored of a visitor's text, ``sqlite``
the embedded default backend and ``report`` the grouping of unanswered questions.
"""

from helpbot.store.base import GAP_CONFIDENCE, SECRET_PROMPT_TTL, Store, StoreError, is_gap
from helpbot.store.redaction import MAX_TEXT_CHARS, PASSWORD_PLACEHOLDER, REDACTED, clean_text, storable
from helpbot.store.report import GROUP_SIMILARITY, format_report, group_questions
from helpbot.store.sqlite import SqliteStore

__all__ = [
    "GAP_CONFIDENCE", "GROUP_SIMILARITY", "MAX_TEXT_CHARS", "PASSWORD_PLACEHOLDER", "REDACTED", "SECRET_PROMPT_TTL",
    "SqliteStore", "Store", "StoreError", "clean_text", "format_report", "group_questions", "is_gap", "storable",
]
