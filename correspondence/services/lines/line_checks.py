"""The checks a line's key, title, themes and wording must pass before they are saved."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import StandardLine, Theme
from correspondence.documents.line_files import KEY_PATTERN
from correspondence.documents.rendering import TemplateProblem, runaway_problems, validate_line
from correspondence.services.errors import ValidationError

MAX_TITLE = 300
MAX_KEY = 100


def find_themes(session: Session, codes: Iterable[str], where: str = "Themes") -> list[Theme]:
    wanted = [c.strip().upper() for c in codes if c.strip()]
    if not wanted:
        raise ValidationError(where, "give at least one theme")
    found = {t.code: t for t in session.scalars(select(Theme).where(Theme.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ValidationError(where, f"unknown theme code(s): {', '.join(missing)}")
    return [found[c] for c in dict.fromkeys(wanted)]


def _problems_text(problems: Sequence[TemplateProblem]) -> str:
    return "; ".join(p.message for p in problems)


def check_body(body: str, where: str) -> None:
    if not body.strip():
        raise ValidationError(where, "the line has no text")
    problems = validate_line(body)
    if problems:
        raise ValidationError(where, f"the line has problems: {_problems_text(problems)}")


def refuse_runaway(body: str) -> None:
    # Even a draft: a line that runs away would freeze whoever opens or previews it.
    for problem in runaway_problems(body):
        raise ValidationError("Text", f"the line cannot be filled in: {problem.message}")


def check_key(session: Session, key: str) -> str:
    key = key.strip()
    if not key:
        raise ValidationError("Key", "give the line a key, e.g. smacking-no-ban")
    if len(key) > MAX_KEY or not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            "Key", f"{key!r}: use lowercase letters, digits and single hyphens (e.g. scr-panels)"
        )
    if session.scalar(select(StandardLine.id).where(StandardLine.key == key)) is not None:
        raise ValidationError("Key", f"a line with the key {key!r} already exists")
    return key


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ValidationError("Title", "give the line a title")
    if len(title) > MAX_TITLE:
        raise ValidationError("Title", f"keep it under {MAX_TITLE} characters")
    return title


# Keys, for the CLI and the editor's hints: made from a title.
def suggest_key(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(words)[:60].strip("-")
