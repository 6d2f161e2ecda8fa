"""Everything the draft editor shows when it opens or reloads, read in one go off the GUI
thread: plain values from the services, no database session."""

from __future__ import annotations

from dataclasses import dataclass

from correspondence.services.actors import Actor
from correspondence.services.drafting.draft_view import DraftView, SignatoryChoice
from correspondence.services.drafting.drafting import Drafting
from correspondence.services.drafting.line_offers import LineOffer
from correspondence.services.errors import ServiceError
from correspondence.services.triage.reply_channel import ReplyChannel, ReplyChannels


@dataclass(frozen=True)
class LoadedDraft:
    """A draft as the editor opens it, and what it offers."""

    actor: Actor
    view: DraftView
    signatories: list[SignatoryChoice]
    offers: list[LineOffer]
    offers_problem: str  # why no lines could be offered ("" when they could)
    reply_channel: ReplyChannel | None  # None for a campaign's reply


def read_draft(drafting: Drafting, draft_id: int) -> LoadedDraft:
    """Read a draft for the editor (on a worker: each call is a unit of work of its own)."""
    view = drafting.view(draft_id)
    try:
        offers, problem = drafting.offers_for(view), ""
    except ServiceError as exc:  # the draft still opens; the lines pane says why it is empty
        offers, problem = [], str(exc)
    channel = None if view.case_id is None else ReplyChannels(drafting.uow).get(view.case_id)
    return LoadedDraft(drafting.actor(), view, drafting.signatories(), offers, problem, channel)
