"""Template filters for the HTML pages: counts with the right plural, bar widths for charts."""

from __future__ import annotations

from flask import Flask


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 vote``, ``2 votes``, ``1 entry``, ``3 entries``."""
    if count == 1:
        return f"{count} {singular}"
    if plural_form is None:
        plural_form = singular[:-1] + "ies" if singular.endswith("y") and singular[-2:-1] not in "aeiou" \
            else singular + "s"
    return f"{count} {plural_form}"


def share(value: float, largest: float, width: float = 100.0) -> float:
    """A bar's length: ``value`` as a part of ``largest``, scaled to ``width`` (0 for nothing)."""
    return round(width * value / largest, 1) if largest > 0 else 0.0


def init_app(app: Flask) -> None:
    app.add_template_filter(plural, "plural")
    app.add_template_filter(share, "share")
