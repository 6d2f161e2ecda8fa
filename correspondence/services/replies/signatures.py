"""Signature images, one per signatory, set by an admin.

A digitally signed reply carries the image above the signatory's name in both the Word
and the PDF letter. Only PNG and JPEG are taken (what Word and LibreOffice both place),
and only up to a size a signature needs.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from correspondence.db.models import Signatory
from correspondence.services import events
from correspondence.services.actors import Actor, Role
from correspondence.services.errors import NotFound, ValidationError

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
_KINDS = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def image_media_type(data: bytes, what: str = "Signature image") -> str:
    """image/png or image/jpeg by the bytes themselves; anything else is refused."""
    if not data:
        raise ValidationError(what, "the file is empty")
    if len(data) > MAX_SIGNATURE_BYTES:
        raise ValidationError(
            what, f"{len(data) / 1_048_576:.1f} MB is more than a signature needs (2 MB at most)"
        )
    for magic, media_type in _KINDS:
        if data.startswith(magic):
            return media_type
    raise ValidationError(what, "give a PNG or JPEG picture of the signature")


def signatory_by_key(session: Session, key: str) -> Signatory:
    found = session.scalar(select(Signatory).where(Signatory.key == key.strip()))
    if found is None:
        keys = ", ".join(session.scalars(select(Signatory.key).order_by(Signatory.key)))
        raise NotFound(f"No signatory {key!r}; the signatories are: {keys}")
    return found


def set_signature_image(session: Session, actor: Actor, key: str, data: bytes | None) -> Signatory:
    """Set (or with None, remove) a signatory's signature image; admins only."""
    actor.require("set a signature image", Role.ADMIN)
    signatory = signatory_by_key(session, key)
    if data is None:
        signatory.signature_image, signatory.signature_media_type = None, ""
        new = ""
    else:
        signatory.signature_media_type = image_media_type(data)
        signatory.signature_image = data
        new = f"{signatory.signature_media_type} sha256:{hashlib.sha256(data).hexdigest()}"
    session.flush()
    events.record(
        session,
        actor,
        "signatory",
        signatory.id,
        "signature image set" if data is not None else "signature image removed",
        field="signature_image",
        new=new,
    )
    return signatory


def has_signature_image(session: Session, signatory_id: int) -> bool:
    return (
        session.scalar(select(Signatory.signature_media_type).where(Signatory.id == signatory_id))
        or ""
    ) != ""


__all__ = ["has_signature_image", "image_media_type", "set_signature_image", "signatory_by_key"]
