"""Make arbitrary text safe to put into a Word document.

A .docx is XML 1.0, which cannot hold most C0 control characters, U+FFFE/U+FFFF
or unpaired surrogates; lxml refuses them outright, so one stray byte from a
scanned letter or a pasted email would otherwise stop a reply being produced.
"""

from __future__ import annotations

import re

# Line-ending and page-ish controls that mean "new line" to a person.
_NEWLINES = re.compile(r"\r\n|[\r\v\f]")
# Everything XML 1.0 cannot store (tab and newline survive; \r is already gone).
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_for_word(text: str) -> str:
    """Return ``text`` with every character Word cannot store removed.

    CRLF, CR, vertical tab and form feed become ``\\n``; other C0 controls,
    U+FFFE, U+FFFF and lone surrogates are dropped. Never raises.
    """
    if not text:
        return ""
    return _UNSTORABLE.sub("", _NEWLINES.sub("\n", text))
