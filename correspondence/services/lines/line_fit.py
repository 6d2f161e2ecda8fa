"""Whether a standard line can be used for a letter, said in words a drafter uses.

A line's template names what it needs (a campaign, constituents, the writer's
constituency); when the letter has none of it the renderer's message is for the policy lead
who wrote the line. Drafters and QA get the plain reason instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from correspondence.documents.rendering import TemplateProblem, render_line

# What a line needs, by the first part of the variable it could not fill.
_NEEDS: dict[str, str] = {
    "campaign": "needs a campaign: this letter is not part of one",
    "constituents": "needs constituents: this letter was not written on anyone's behalf",
    "correspondent": "needs a detail of the writer that this case does not record",
    "signatory": "needs a detail of the signatory that is not set up",
    "case": "needs a detail of the case that is not recorded",
}


def plain_reason(problem: TemplateProblem) -> str:
    """Why a line cannot be used for this letter, for the drafter (no template code)."""
    if problem.kind in ("syntax", "security"):
        return "its wording has a fault: ask the policy lead who owns it"
    root = (problem.variable or "").split(".")[0].split("[")[0]
    if problem.kind == "undefined" and root in _NEEDS:
        return _NEEDS[root]
    if problem.kind == "undefined" and (problem.variable or "").startswith("["):
        return "needs more constituents than this letter has"
    return "cannot be filled in for this letter: ask the policy lead who owns it"


def fill(body: str, mapping: Mapping[str, object]) -> tuple[str, str]:
    """(the wording as it will print, "") or ("", the plain reason it cannot be used)."""
    try:
        return render_line(body, mapping), ""
    except TemplateProblem as exc:
        return "", plain_reason(exc)
