"""Saving a draft in three round trips (PostgreSQL): BEGIN with who is acting; the draft
(locked until the commit), its paragraphs, lines and case, and everything the editor shows
after, in one message; the paragraphs' and the draft's writes and the events with the
COMMIT. The editor's new view is made from what was read and written, not read back.

The draft is locked as it is read, so a colleague's save of it waits for this one and is
then refused for its old version: the version checked is the version written over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, NamedTuple

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from correspondence.db.batch_reads import Read, Rows, read_together
from correspondence.db.models import (
    Campaign,
    Case,
    Comment,
    Constituent,
    Correspondent,
    Draft,
    DraftParagraph,
    LineVersion,
    Signatory,
    StandardLine,
    Theme,
    User,
    case_themes,
    now_utc,
)
from correspondence.db.row_reads import built, columns_of, held, keys_of, numbered_ahead
from correspondence.documents.textclean import clean_for_word
from correspondence.services import events
from correspondence.services.actors import Actor
from correspondence.services.drafting.draft_guards import (
    DRAFTING_ROLES,
    MAX_PARAGRAPH_CHARS,
    check_version,
    draft_label,
)
from correspondence.services.drafting.draft_rows import insert_rows
from correspondence.services.drafting.draft_view import (
    ACTIVE,
    EDITABLE,
    DraftView,
    ParagraphInput,
    view_from,
)
from correspondence.services.drafting.save_history import (
    SavedState,
    changes_between,
    recently_noted_read,
    record_save,
    signatory_label,
)
from correspondence.services.errors import NotFound, ValidationError


class Keep(Enum):
    """The default of a field that save_draft leaves alone (where None clears it)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


@dataclass(frozen=True)
class Insert:
    """One paragraph added to the draft as it is saved (at the end unless `position`): own
    words (`text`), or the newest approved version of the line `line_key`, numbered as the
    line is unless `numbered` says."""

    text: str = ""
    line_key: str | None = None
    position: int | None = None
    numbered: bool | None = None

    def into(self, items: list[ParagraphInput], line: LineVersion | None) -> list[ParagraphInput]:
        if line is not None:
            numbered = line.line.numbered if self.numbered is None else self.numbered
            item = ParagraphInput("line", line_version_id=line.id, numbered=numbered)
        else:
            item = ParagraphInput("free", text=self.text, numbered=bool(self.numbered))
        out = list(items)
        out.insert(len(out) if self.position is None else max(0, self.position), item)
        return out


# The draft's columns a save may change, besides its paragraphs.
_EDITED = ("signatory_id", "salutation", "complimentary_close", "subject", "letter_date")


def _clean_free_text(text: str, index: int) -> str:
    # PostgreSQL cannot store NUL and Word cannot store most controls: drop them on the way in.
    text = clean_for_word(text)
    if len(text) > MAX_PARAGRAPH_CHARS:
        raise ValidationError(
            f"Paragraph {index}",
            f"{len(text):,} characters is too long for one paragraph "
            f"(at most {MAX_PARAGRAPH_CHARS:,}); split it",
        )
    return text


def check_editable(actor: Actor, draft: Draft, case: Case | None) -> None:
    actor.require("edit draft replies", *DRAFTING_ROLES)
    status = draft.status
    if status not in EDITABLE:
        raise ValidationError(
            "Draft",
            f"{draft_label(draft, case)} is {status.label.lower()}: it can no longer be edited"
            + (" (a policy lead or private secretary can return it)" if status in ACTIVE else ""),
        )


def save_reads(
    session: Session,
    draft_id: int,
    wanted_versions: Sequence[int],
    new_paragraphs: int,
    noted_for: str | None,
    line_key: str | None = None,
    *,
    lock: bool = True,
) -> list[Read | None]:
    """Everything a save reads, the draft first and locked (see the module's docstring);
    the case's parts by the draft's own case_id, so nothing waits for the draft's answer.
    A campaign's one reply has no case: it is shown against a member letter
    (draft_loading.campaign_sample_with_context), read here in its place. `line_key`: a
    line being added, whose newest approved version is read with the others."""

    def of_draft(column: Any) -> Any:
        return select(column).where(Draft.id == draft_id).scalar_subquery()

    campaign_id = of_draft(Draft.campaign_id)
    canonical = select(Campaign.canonical_case_id).where(Campaign.id == campaign_id)
    member = (
        select(Case.id)
        .where(or_(Case.id == canonical.scalar_subquery(), Case.campaign_id == campaign_id))
        .order_by(func.coalesce(Case.id == canonical.scalar_subquery(), False).desc(), Case.id)
        .limit(1)
        .scalar_subquery()
    )
    case_id = func.coalesce(of_draft(Draft.case_id), member)

    def of_case(column: Any) -> Any:
        return select(column).where(Case.id == case_id).scalar_subquery()

    used = select(DraftParagraph.line_version_id).where(DraftParagraph.draft_id == draft_id)
    versions = or_(LineVersion.id.in_(used), LineVersion.id.in_(wanted_versions))
    if line_key is not None:
        versions = or_(versions, LineVersion.id.in_(_newest_approved(line_key)))
    # The campaign's own letters, from the draft's row (none for a case's draft): joined
    # from it, so the planner starts from the one draft.
    members = (
        select()
        .select_from(Draft)
        .join(Case, Case.campaign_id == Draft.campaign_id)
        .where(Draft.id == draft_id)
    )
    return [
        _draft_read(draft_id, lock),
        select(*columns_of(DraftParagraph))
        .where(DraftParagraph.draft_id == draft_id)
        .order_by(DraftParagraph.position, DraftParagraph.id),
        # The line versions it uses and those the editor sends, with their lines.
        select(
            *columns_of(LineVersion), StandardLine.key, StandardLine.title, StandardLine.numbered
        )
        .join(StandardLine, StandardLine.id == LineVersion.line_id)
        .where(versions),
        # Those lines' newest approved versions (the view flags a line revised since).
        select(LineVersion.line_id, LineVersion.id, LineVersion.number)
        .where(
            LineVersion.line_id.in_(select(LineVersion.line_id).where(versions)),
            LineVersion.status == "approved",
        )
        .order_by(LineVersion.line_id, LineVersion.number),
        select(*columns_of(Case)).where(Case.id == case_id),
        select(*columns_of(Correspondent)).where(
            Correspondent.id == of_case(Case.correspondent_id)
        ),
        select(*columns_of(Campaign)).where(Campaign.id == of_case(Case.campaign_id)),
        # Signatories are the few people who sign: all of them, to check one chosen, name
        # them in the history, and choose the one the lines are filled in for.
        select(
            Signatory.id,
            Signatory.honorific,
            Signatory.name,
            Signatory.title,
            Signatory.department,
            Signatory.active,
            Signatory.office_code,
        ).order_by(Signatory.id),
        select(Comment.id, User.display_name, Comment.created_at, Comment.body)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.draft_id == draft_id)
        .order_by(Comment.id),
        select(User.id, User.display_name).where(
            or_(
                User.id == of_draft(Draft.created_by_id),
                User.id == of_draft(Draft.qa_by_id),
                User.id == of_draft(Draft.signed_off_by_id),
            )
        ),
        select(Campaign.id, Campaign.name).where(Campaign.id == of_draft(Draft.campaign_id)),
        # The case's campaign's size (none counted for a case in no campaign).
        select(func.count(Case.id)).where(Case.campaign_id == of_case(Case.campaign_id)),
        select(Theme.code)
        .join(case_themes, case_themes.c.theme_id == Theme.id)
        .where(case_themes.c.case_id == case_id)
        .order_by(Theme.code),
        select(Constituent.title, Constituent.first_name, Constituent.last_name)
        .where(Constituent.case_id == case_id)
        .order_by(Constituent.id),
        recently_noted_read(draft_id, noted_for) if noted_for is not None else None,
        numbered_ahead(session, DraftParagraph.__table__, new_paragraphs),
        # A campaign's reply: its size and themes (campaign_profile.campaign_theme_reads).
        members.add_columns(func.count(Case.id)),
        members.join(case_themes, case_themes.c.case_id == Case.id)
        .join(Theme, Theme.id == case_themes.c.theme_id)
        .add_columns(Theme.code, func.count(case_themes.c.case_id))
        .group_by(Theme.code),
        members.join(case_themes, case_themes.c.case_id == Case.id).add_columns(
            func.count(func.distinct(case_themes.c.case_id))
        ),
        # The line being added: whether the library has it at all (for the refusal).
        select(StandardLine.id).where(StandardLine.key == line_key)
        if line_key is not None
        else None,
    ]


def _draft_read(draft_id: int, lock: bool) -> Read:
    read = select(*columns_of(Draft)).where(Draft.id == draft_id)
    return read.with_for_update(of=Draft.__table__) if lock else read


def _newest_approved(key: str) -> Read:
    return (
        select(LineVersion.id)
        .join(StandardLine, StandardLine.id == LineVersion.line_id)
        .where(StandardLine.key == key, LineVersion.status == "approved")
        .order_by(LineVersion.number.desc())
        .limit(1)
    )


def asked(session: Session, reads: list[Read | None]) -> list[Rows]:
    """The rows of each read given ([] for a read not needed)."""
    answers = iter(read_together(session, [r for r in reads if r is not None]))
    return [next(answers) if r is not None else [] for r in reads]


def save_draft(
    session: Session,
    actor: Actor,
    draft_id: int,
    expected_version: int | None,
    paragraphs: Sequence[ParagraphInput] | None = None,
    *,
    signatory_id: int | None | Keep = KEEP,
    salutation: str | None = None,
    complimentary_close: str | None = None,
    subject: str | None = None,
    letter_date: dt.date | None | Keep = KEEP,
    insert: Insert | None = None,
) -> DraftView:
    """Save the editor's state in one go (cheap: changed rows only); None leaves a part
    alone. `insert`: a paragraph added to the paragraphs as saved (then `paragraphs` is
    None). The editor's new view is returned.

    A stale ``expected_version`` raises ConflictError; so does a save by someone else
    that this one waited for.
    """
    items = list(paragraphs) if paragraphs is not None else None
    wanted = sorted(
        {p.line_version_id for p in items or () if p.kind == "line" and p.line_version_id}
    )
    # Own words kept across the save may be an edit the history noted a moment ago (with
    # a paragraph inserted, the draft's own words are all kept).
    own_words_kept = insert is not None or any(
        p.kind == "free" and p.id is not None for p in items or ()
    )
    line_key = insert.line_key.strip() if insert is not None and insert.line_key else None
    new_count = 1 if insert is not None else sum(1 for p in items or () if p.id is None)
    rows = DraftRows(
        *asked(
            session,
            save_reads(
                session,
                draft_id,
                wanted,
                new_count,
                actor.username if own_words_kept else None,
                line_key,
            ),
        )
    )
    versions = versions_of(rows.versions)
    added_line = None
    if line_key is not None:
        # As the line is looked for first: an unknown line is refused before the draft.
        newest = [v for v in versions.values() if v.line.key == line_key and v.status == "approved"]
        if not newest:
            why = "has no approved version" if rows.line else "is not in the library"
            raise ValidationError("Standard line", f"{line_key!r} {why}")
        added_line = max(newest, key=lambda v: v.number)
    draft = draft_from(rows, draft_id, versions)
    shown = shown_from(rows)
    case = shown if draft.case_id is not None else None
    if insert is not None:
        items = insert.into([_input(p) for p in draft.paragraphs], added_line)
    check_editable(actor, draft, case)
    check_version(draft, case, expected_version)
    signatories = {row[0]: row for row in rows.signatories}

    def named(sid: int | None) -> str:
        row = signatories.get(sid) if sid else None
        return signatory_label(row[1], row[2]) if row is not None else ""

    before = SavedState.named(draft, named(draft.signatory_id))
    old_columns = {name: getattr(draft, name) for name in _EDITED}
    new_paragraphs = draft.paragraphs
    if items is not None:
        new_paragraphs = _replaced(draft, items, versions)
    if signatory_id is not KEEP:
        if signatory_id is not None and signatory_id not in signatories:
            raise ValidationError("Signatory", f"no signatory #{signatory_id}")
        draft.signatory_id = signatory_id
    if salutation is not None:
        draft.salutation = clean_for_word(salutation).strip()[:200]
    if complimentary_close is not None:
        draft.complimentary_close = clean_for_word(complimentary_close).strip()[:100]
    if subject is not None:
        draft.subject = clean_for_word(subject).strip()[:300]
    if letter_date is not KEEP:
        draft.letter_date = letter_date
    columns = {n: getattr(draft, n) for n in _EDITED if getattr(draft, n) != old_columns[n]}
    _write_paragraphs(session, draft, new_paragraphs, [r[0] for r in rows.ids] or None)
    draft.paragraphs = new_paragraphs
    changes = changes_between(before, SavedState.named(draft, named(draft.signatory_id)))
    record_save(session, actor, draft, changes, noted={v for (v,) in rows.noted})
    if columns or changes:
        # The version moves with any change (other editors must see a conflict); a save
        # that changed nothing leaves it alone. Locked above: written with the COMMIT.
        now = now_utc()
        events.at_commit(
            session,
            update(Draft.__table__)
            .where(Draft.id == draft.id, Draft.version == draft.version)
            .values(**columns, version=draft.version + 1, updated_at=now),
        )
        draft.version, draft.updated_at = draft.version + 1, now
    return view_from(draft, case, shown, view_answers(rows, draft, shown, signatories))


class DraftRows(NamedTuple):
    """The rows of `save_reads`, by name."""

    draft: Rows
    paragraphs: Rows
    versions: Rows
    latest: Rows
    case: Rows
    correspondent: Rows
    campaign: Rows
    signatories: Rows
    comments: Rows
    names: Rows
    own_campaign: Rows
    size: Rows
    themes: Rows
    constituents: Rows
    noted: Rows
    ids: Rows
    members_size: Rows
    members_counted: Rows
    members_themed: Rows
    line: Rows


def draft_from(rows: DraftRows, draft_id: int, versions: dict[int, LineVersion]) -> Draft:
    """The draft read (unsaved: for computing and showing), with its paragraphs."""
    if not rows.draft:
        raise NotFound(f"No draft #{draft_id}")
    draft = built(Draft, rows.draft[0])
    draft.paragraphs = [_paragraph(row, versions) for row in rows.paragraphs]
    return draft


def shown_from(rows: DraftRows, session: Session | None = None) -> Case | None:
    """The case the draft is shown against: its own, or for a campaign's reply its member
    letter. With `session`: held by it (row_reads.held), so cases.move finds it."""
    if not rows.case:
        return None
    if session is None:
        shown = built(Case, rows.case[0])
        shown.correspondent = (
            built(Correspondent, rows.correspondent[0]) if rows.correspondent else None
        )
        shown.campaign = built(Campaign, rows.campaign[0]) if rows.campaign else None
        return shown
    shown = held(session, Case, rows.case[0])
    set_committed_value(
        shown,
        "correspondent",
        held(session, Correspondent, rows.correspondent[0]) if rows.correspondent else None,
    )
    set_committed_value(
        shown, "campaign", held(session, Campaign, rows.campaign[0]) if rows.campaign else None
    )
    return shown


def view_answers(
    rows: DraftRows,
    draft: Draft,
    shown: Case | None,
    signatories: dict[int, tuple[Any, ...]],
    comments: Rows | None = None,
    names: Rows | None = None,
) -> list[Rows]:
    """The rows of view_reads(draft, shown), in its order, from those read (`comments`
    and `names`: as they are after the click, where it changed them)."""
    answers: list[Rows] = [
        rows.latest,
        rows.comments if comments is None else comments,
        rows.names if names is None else names,
        rows.own_campaign,
    ]
    if shown is not None and shown.correspondent is not None:
        answers += [signatory_rows(shown, draft, signatories), rows.size, rows.themes]
        answers.append(rows.constituents)
    if draft.campaign_id is not None:
        answers += [rows.members_size, rows.members_counted, rows.members_themed]
    return answers


def _input(p: DraftParagraph) -> ParagraphInput:
    return ParagraphInput(p.kind, p.text, p.line_version_id, p.numbered, p.id)


def signatory_rows(case: Case, draft: Draft, signatories: dict[int, tuple[Any, ...]]) -> Rows:
    """The signatory the lines are filled in for (draft_loading.context_reads: the draft's,
    else the case's, else its addressee, else its office's active one), as its read's
    rows."""
    chosen = next(
        (s for s in (draft.signatory_id, case.signatory_id, case.addressed_to_id) if s), None
    )
    if chosen is None:
        active = sorted(
            (r for r in signatories.values() if r[5]),
            key=lambda r: (r[6] != case.office_code, r[0]),
        )
        chosen = active[0][0] if active else None
    row = signatories.get(chosen) if chosen is not None else None
    return [(row[2], row[3], row[4])] if row is not None else []


def versions_of(rows: Rows) -> dict[int, LineVersion]:
    """Line versions with their lines, by id, from `save_reads`' rows (never saved)."""
    width = len(keys_of(LineVersion))
    out = {}
    for row in rows:
        version = built(LineVersion, row[:width])
        key, title, numbered = row[width:]
        version.line = StandardLine(id=version.line_id, key=key, title=title, numbered=numbered)
        out[version.id] = version
    return out


def _paragraph(row: Sequence[Any], versions: dict[int, LineVersion]) -> DraftParagraph:
    paragraph = built(DraftParagraph, row)
    paragraph.line_version = versions.get(paragraph.line_version_id or -1)
    return paragraph


def _replaced(
    draft: Draft, items: Sequence[ParagraphInput], versions: dict[int, LineVersion]
) -> list[DraftParagraph]:
    """The paragraphs after the save: those kept (same id) and new ones (id None), each a
    new object, so the draft's own still say what was there before."""
    held = {p.id: p for p in draft.paragraphs}
    already_used = {p.line_version_id for p in draft.paragraphs if p.line_version_id}
    out: list[DraftParagraph] = []
    for index, item in enumerate(items, start=1):
        row = held.pop(item.id, None) if item.id is not None else None
        version: LineVersion | None
        if item.kind == "line":
            version = versions.get(item.line_version_id or -1)
            if version is None:
                raise ValidationError(f"Paragraph {index}", "the standard line is not known")
            # A version the draft already holds may stay even if since revised (it is flagged);
            # anything newly added must be approved.
            if version.status != "approved" and version.id not in already_used:
                raise ValidationError(
                    f"Paragraph {index}",
                    f"line {version.line.key} v{version.number} is {version.status}, "
                    "not approved: only approved lines go into a reply",
                )
            text = version.body
        elif item.kind == "free":
            text = _clean_free_text(item.text, index)
            version = None
        else:
            raise ValidationError(f"Paragraph {index}", f"unknown kind {item.kind!r}")
        out.append(
            DraftParagraph(
                id=row.id if row is not None else None,
                draft_id=draft.id,
                position=index - 1,
                kind=item.kind,
                line_version_id=version.id if version else None,
                text=text,
                numbered=bool(item.numbered),
                line_version=version,
            )
        )
    return out


def _write_paragraphs(
    session: Session,
    draft: Draft,
    paragraphs: list[DraftParagraph],
    ids: list[int] | None,
) -> None:
    """Write what changed between the draft's paragraphs and `paragraphs` (numbering the
    new ones): with the COMMIT on PostgreSQL, at once on SQLite."""
    table = DraftParagraph.__table__
    before = {p.id: p for p in draft.paragraphs}
    fields = ("position", "kind", "line_version_id", "text", "numbered")
    kept = [p for p in paragraphs if p.id is not None]
    # New rows first, then changed, then gone (as the ORM's flush): SQLite would give a
    # new row the id of one just deleted, and the history would take it for the same.
    new = [p for p in paragraphs if p.id is None]
    if ids is not None and len(ids) < len(new):
        ids = None  # numbered ahead for fewer than came (ids of another draft's paragraphs)
    made = insert_rows(
        session,
        table,
        [{"draft_id": draft.id, **{f: getattr(p, f) for f in fields}} for p in new],
        sorted(ids)[: len(new)] if ids is not None else None,
    )
    for p, new_id in zip(new, made, strict=True):
        p.id = new_id
    for p in kept:
        old = before[p.id]
        changed = {f: getattr(p, f) for f in fields if getattr(p, f) != getattr(old, f)}
        if changed:
            events.at_commit(session, update(table).where(table.c.id == p.id).values(changed))
    gone = sorted(set(before) - {p.id for p in kept})
    if gone:
        events.at_commit(session, delete(table).where(table.c.id.in_(gone)))
