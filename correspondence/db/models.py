"""SQLAlchemy models: every noun of the product brief has a table here.

Editable rows carry a `version` column used by SQLAlchemy's optimistic locking
(`version_id_col`), so a stale save raises `StaleDataError` instead of
overwriting another user's change.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from correspondence.db.enum_column import EnumText
from correspondence.domain.kinds import CampaignStatus, LineStatus, ParagraphKind
from correspondence.domain.salutations import CorrespondentKind
from correspondence.domain.states import CaseStatus, DraftStatus

# Stable constraint names keep Alembic batch migrations on SQLite predictable.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model maps one table (the base says FromClause)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Versioned:
    """Mixin for rows people edit: optimistic locking on `version`."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


# --- people and organisation -------------------------------------------------


class Office(Base):
    """An office code used in references, e.g. POSoS."""

    __tablename__ = "offices"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Team(Versioned, Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    mailbox: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __mapper_args__ = {"version_id_col": Versioned.version}


user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(30), primary_key=True),
)


class User(Versioned, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    db_login: Mapped[str | None] = mapped_column(String(100), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    team: Mapped[Team | None] = relationship()
    __mapper_args__ = {"version_id_col": Versioned.version}


class Signatory(Versioned, Base):
    """A minister or official who signs letters, with their letterhead."""

    __tablename__ = "signatories"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # "Ed Balls MP"
    honorific: Mapped[str] = mapped_column(String(40), default="")  # "Rt Hon"
    title: Mapped[str] = mapped_column(String(200))  # "Secretary of State"
    department: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    telephone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Placed above the name when a reply is signed digitally; set by an admin (0010).
    signature_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    signature_media_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    __mapper_args__ = {"version_id_col": Versioned.version}


class Correspondent(Versioned, Base):
    """Who wrote: an MP, a peer, a member of the public or an organisation."""

    __tablename__ = "correspondents"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CorrespondentKind] = mapped_column(EnumText(CorrespondentKind, 20), index=True)
    title: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="", index=True)
    honorific: Mapped[str] = mapped_column(String(40), default="")
    peerage: Mapped[str] = mapped_column(String(120), default="")
    peerage_full: Mapped[str] = mapped_column(String(200), default="")
    post_nominals: Mapped[str] = mapped_column(String(60), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    constituency: Mapped[str] = mapped_column(String(200), default="")
    party: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(Text, default="")  # newline-separated lines
    postcode: Mapped[str] = mapped_column(String(12), default="", index=True)
    email: Mapped[str] = mapped_column(String(200), default="", index=True)
    phone: Mapped[str] = mapped_column(String(60), default="")
    salutation_override: Mapped[str] = mapped_column(String(120), default="")
    display_name: Mapped[str] = mapped_column(String(300), index=True)
    on_stop_list: Mapped[bool] = mapped_column(Boolean, default=False)
    stop_list_reason: Mapped[str] = mapped_column(Text, default="")
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __mapper_args__ = {"version_id_col": Versioned.version}


class Theme(Versioned, Base):
    __tablename__ = "themes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __mapper_args__ = {"version_id_col": Versioned.version}


class ReplyType(Base):
    """Reply types and their targets in working days, with stage deadlines."""

    __tablename__ = "reply_types"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    target_days: Mapped[int] = mapped_column(Integer, default=20)
    draft_day: Mapped[int] = mapped_column(Integer, default=10)
    qa_day: Mapped[int] = mapped_column(Integer, default=14)
    private_office_day: Mapped[int] = mapped_column(Integer, default=17)
    signoff_day: Mapped[int] = mapped_column(Integer, default=19)
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=True)


# --- campaigns and cases -----------------------------------------------------


class Campaign(Versioned, Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    canonical_text: Mapped[str] = mapped_column(Text, default="")
    # No foreign key: campaigns and cases refer to each other, and a plain id
    # keeps table creation order simple on every backend.
    canonical_case_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CampaignStatus] = mapped_column(
        EnumText(CampaignStatus, 20), default=CampaignStatus.PROPOSED
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __mapper_args__ = {"version_id_col": Versioned.version}


case_themes = Table(
    "case_themes",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True),
    Column("source", String(20), nullable=False, default="officer"),  # officer|suggested
    Column("score", Float),
    Column("confirmed_by_id", ForeignKey("users.id")),
    Column("confirmed_at", DateTime),
    Index("ix_case_themes_theme_id", "theme_id", "case_id"),
    # Partial in migration 0018 (source = 'officer' AND confirmed_at IS NOT NULL); declared
    # plainly here, as 0016's are, so the models need no dialect's package to load.
    Index("ix_case_themes_confirmed", "theme_id", "confirmed_at"),
)


# The open cases, as the partial indexes of migration 0016 and the list's query write it.
OPEN_CASES = (
    "status IN ('drafting', 'in_qa', 'logged', 'returned', 'signed_off', 'triaged', "
    "'with_private_office')"
)


class Case(Versioned, Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_sequence: Mapped[int] = mapped_column(Integer)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    direction: Mapped[str] = mapped_column(String(10), default="incoming")  # incoming|outgoing
    channel: Mapped[str] = mapped_column(String(20), default="post")  # post|email|phone
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    logged_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[CaseStatus] = mapped_column(
        EnumText(CaseStatus, 30), index=True, default=CaseStatus.LOGGED
    )
    reply_type_code: Mapped[str | None] = mapped_column(ForeignKey("reply_types.code"))
    priority: Mapped[str] = mapped_column(String(20), default="normal")  # normal|high|urgent
    summary: Mapped[str] = mapped_column(Text, default="")
    # How the reply's opening names the subject ("the shortage of health visitors");
    # empty until triage proposes one (migration 0009).
    subject_phrase: Mapped[str] = mapped_column(String(200), default="", server_default="")
    letter_text: Mapped[str] = mapped_column(Text, default="")
    correspondent_id: Mapped[int | None] = mapped_column(
        ForeignKey("correspondents.id"), index=True
    )
    addressed_to_id: Mapped[int | None] = mapped_column(ForeignKey("signatories.id"))
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("signatories.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    drafter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    campaign_similarity: Mapped[float | None] = mapped_column(Float)
    transfer_to: Mapped[str] = mapped_column(String(200), default="")
    transfer_reason: Mapped[str] = mapped_column(Text, default="")
    no_reply_reason: Mapped[str] = mapped_column(Text, default="")
    holding_reply_on: Mapped[dt.date | None] = mapped_column(Date)
    signature_method: Mapped[str] = mapped_column(String(10), default="")  # wet|digital
    signed_off_on: Mapped[dt.date | None] = mapped_column(Date)
    dispatched_on: Mapped[dt.date | None] = mapped_column(Date)
    dispatch_channel: Mapped[str] = mapped_column(String(20), default="")  # post|email|hand
    is_acknowledgement: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # How the reply goes out (0010): an email that came in proposes email, to its sender.
    reply_channel: Mapped[str] = mapped_column(
        String(10), default="letter", server_default="letter"
    )  # letter|email
    reply_email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # What the list sorts by (0014): the lower-cased name, '' without one. Kept by
    # triggers in the writer's transaction, never written by the app.
    correspondent_sort: Mapped[str] = mapped_column(String(300), server_default="")
    team_sort: Mapped[str] = mapped_column(String(300), server_default="")
    campaign_sort: Mapped[str] = mapped_column(String(300), server_default="")

    correspondent: Mapped[Correspondent | None] = relationship()
    team: Mapped[Team | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship(foreign_keys=[campaign_id])
    drafter: Mapped[User | None] = relationship(foreign_keys=[drafter_id])
    signatory: Mapped[Signatory | None] = relationship(foreign_keys=[signatory_id])
    addressed_to: Mapped[Signatory | None] = relationship(foreign_keys=[addressed_to_id])
    themes: Mapped[list[Theme]] = relationship(secondary=case_themes, order_by=Theme.code)
    constituents: Mapped[list[Constituent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Constituent.id"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Document.id"
    )
    __table_args__ = (
        UniqueConstraint("ref_year", "ref_sequence", name="uq_cases_year_sequence"),
        Index("ix_cases_received_id", "received_on", "id"),
        Index("ix_cases_due_id", "due_on", "id"),
        Index("ix_cases_status_due", "status", "due_on"),
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_correspondent_sort", "correspondent_sort", "id"),
        Index("ix_cases_team_sort", "team_sort", "id"),
        Index("ix_cases_campaign_sort", "campaign_sort", "id"),
        # A status filter sorted by a name or status (0016): one status, or the open ones.
        Index("ix_cases_status_correspondent_sort", "status", "correspondent_sort", "id"),
        Index("ix_cases_status_team_sort", "status", "team_sort", "id"),
        Index("ix_cases_status_campaign_sort", "status", "campaign_sort", "id"),
        # Partial: `WHERE OPEN_CASES` (SQLite: `+OPEN_CASES`), made by the migration. The
        # condition is not declared here: a dialect's option (`postgresql_where`) imports
        # that dialect's package with the models, ~25 ms of every start on a SQLite file.
        *(
            Index(f"ix_cases_open_{name}", *columns)
            for name, columns in (
                ("correspondent_sort", ("correspondent_sort", "id")),
                ("team_sort", ("team_sort", "id")),
                ("campaign_sort", ("campaign_sort", "id")),
                ("status", ("status", "id")),
            )
        ),
    )
    __mapper_args__ = {"version_id_col": Versioned.version}


class ReferenceCounter(Base):
    """The last sequence number issued per year; locked while a reference is allocated."""

    __tablename__ = "reference_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class Constituent(Base):
    """A person on whose behalf an MP writes."""

    __tablename__ = "constituents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    anonymised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    case: Mapped[Case] = relationship(back_populates="constituents")


class Extension(Base):
    """A recorded extension of a case's deadline."""

    __tablename__ = "extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    old_due_on: Mapped[dt.date | None] = mapped_column(Date)
    new_due_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Document(Base):
    """An original document kept byte for byte, with its checksum and extracted text."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))  # attachment of
    role: Mapped[str] = mapped_column(String(20), default="original")  # original|attachment|reply
    filename: Mapped[str] = mapped_column(String(400))
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(400), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    extracted_text: Mapped[str] = mapped_column(Text, default="")
    needs_text: Mapped[bool] = mapped_column(Boolean, default=False)
    # Text read from a scan by OCR (0010): mean word confidence 0-100, pages to check.
    ocr_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    ocr_check_pages: Mapped[str] = mapped_column(String(200), default="", server_default="")
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case: Mapped[Case] = relationship(back_populates="documents")


# --- standard lines ----------------------------------------------------------

line_themes = Table(
    "line_themes",
    Base.metadata,
    Column("line_id", ForeignKey("standard_lines.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True),
)


class StandardLine(Versioned, Base):
    __tablename__ = "standard_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_by: Mapped[dt.date | None] = mapped_column(Date)
    numbered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    owner: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=line_themes, order_by=Theme.code)
    versions: Mapped[list[LineVersion]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="LineVersion.number"
    )
    __mapper_args__ = {"version_id_col": Versioned.version}


class LineVersion(Base):
    """A numbered version of a line; approved versions are never edited, only retired."""

    __tablename__ = "line_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("standard_lines.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[LineStatus] = mapped_column(
        EnumText(LineStatus, 20), default=LineStatus.DRAFT, index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rejected_reason: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    line: Mapped[StandardLine] = relationship(back_populates="versions")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    __table_args__ = (UniqueConstraint("line_id", "number", name="uq_line_versions_line_number"),)


# --- drafts ------------------------------------------------------------------


class Draft(Versioned, Base):
    """A reply being drafted for a case, or for a whole campaign."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    status: Mapped[DraftStatus] = mapped_column(
        EnumText(DraftStatus, 30), default=DraftStatus.DRAFTING, index=True
    )
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("signatories.id"))
    salutation: Mapped[str] = mapped_column(String(200), default="")
    complimentary_close: Mapped[str] = mapped_column(String(100), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    letter_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    qa_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    qa_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signature_method: Mapped[str] = mapped_column(String(10), default="")
    paragraphs: Mapped[list[DraftParagraph]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftParagraph.position"
    )
    __mapper_args__ = {"version_id_col": Versioned.version}


class DraftParagraph(Base):
    """One paragraph of a draft: an approved line version, or the drafter's own words."""

    __tablename__ = "draft_paragraphs"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ParagraphKind] = mapped_column(EnumText(ParagraphKind, 10))
    line_version_id: Mapped[int | None] = mapped_column(ForeignKey("line_versions.id"))
    text: Mapped[str] = mapped_column(Text, default="")  # free text, or the line's body as used
    numbered: Mapped[bool] = mapped_column(Boolean, default=False)
    draft: Mapped[Draft] = relationship(back_populates="paragraphs")
    line_version: Mapped[LineVersion | None] = relationship()


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    body: Mapped[str] = mapped_column(Text)


# --- history -----------------------------------------------------------------


class Event(Base):
    """Append-only record of every state change: who, when, what, why.

    `prev_hash`/`hash` chain each event to the one before so tampering shows.
    """

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(100), default="")
    # The person an admin acted for; empty when people act for themselves (migration 0007).
    on_behalf_of: Mapped[str] = mapped_column(String(100), default="", server_default="")
    entity: Mapped[str] = mapped_column(String(30))  # case|draft|line|campaign|user|...
    entity_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(60), default="")
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class EmailSend(Base):
    """The reply of one case sent by email: one row per case, so nothing goes twice.

    state: sending (handed to the server, outcome not yet recorded), sent, refused (the
    server said no: may be retried) or unknown (the connection dropped after the message
    was handed over: check with the recipient before resending).
    """

    __tablename__ = "email_sends"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    username: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Setting(Base):
    """Office-wide settings (retention period, default office code …)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def now_utc() -> dt.datetime:
    """Naive UTC timestamp, as stored in every DateTime column."""
    return _now()


class CampaignAddition(Base):
    """A paragraph added to the campaign reply for one member's own casework (migration 0011)."""

    __tablename__ = "campaign_additions"
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
