"""What a user name and a password must be: the rules of ``blackstart user add`` and
``user passwd``, and the normalisation a login applies to the name typed.

Passwords follow NIST SP 800-63B-4 (2025), section 3.1.1.2, for a password used alone:

- at least :data:`MIN_PASSWORD` (15) characters, counted as Unicode code points after
  NFKC normalisation (which is also applied before hashing and at every login), at most
  :data:`MAX_PASSWORD`; spaces and every printable character allowed;
- no composition rules (no "one digit, one symbol");
- refused when it is, or is built around, a common or breached password: the blocklist
  shipped in ``web/data/common_passwords.txt`` (John the Ripper's ``password.lst``,
  public domain, and a few long passphrases), the user's name or the product's name,
  repeated or padded with digits and symbols; refused when it is whitespace only or uses
  three distinct characters or fewer ("aaaa…", "abab…").

Names are NFKC-normalised (so a full-width "ａｄａ" is "ada") and refused when they hold
an invisible, control or format character (zero-width space and joiners, bidi marks),
whitespace, or more than :data:`MAX_NAME` characters. Two names that differ only in case
are refused by the store as look-alikes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from blackstart.errors import UsageError

MIN_PASSWORD = 15
MAX_PASSWORD = 256
MAX_NAME = 100
CONTEXT_WORDS = ("blackstart", "hospital", "password")
_PAD = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$", re.UNICODE)
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}


@lru_cache(maxsize=1)
def blocklist() -> frozenset[str]:
    """The shipped common and breached passwords, lower-cased."""
    text = (resources.files("blackstart.web") / "data" / "common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("# ")
    )


def normalise_name(name: str) -> str:
    """The name as stored and looked up: NFKC, surrounding whitespace removed."""
    return unicodedata.normalize("NFKC", name).strip()


def check_name(name: str) -> str:
    """The normalised name, or :class:`UsageError` saying what is wrong with it."""
    norm = normalise_name(name)
    if not norm or len(norm) > MAX_NAME:
        raise UsageError(f"bad user name {name!r}", suggestion=f"1 to {MAX_NAME} characters")
    for ch in unicodedata.normalize("NFKC", name):
        if unicodedata.category(ch) in _REFUSED_CATEGORIES or ch.isspace():
            code = f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}"
            raise UsageError(
                f"bad user name {name!r}: it holds an invisible or blank character ({code})",
                suggestion="one word of visible characters, e.g. ada.lovelace",
            )
    return norm


def normalise_password(password: str) -> str:
    """The password as hashed and checked: NFKC (NIST SP 800-63B-4 §3.1.1.2)."""
    return unicodedata.normalize("NFKC", password)


def _unpadded(text: str) -> str:
    """The text without padding digits and symbols around it."""
    core = _PAD.match(text)
    return core.group(1) if core else text


def _core(text: str) -> str:
    """The text without padding digits and symbols, and its repeated unit once."""
    s = _unpadded(text)
    for size in range(1, len(s) // 2 + 1):
        if len(s) % size == 0 and s[:size] * (len(s) // size) == s:
            return s[:size]
    return s


def password_problem(password: str, *, name: str = "") -> str | None:
    """Why ``password`` is refused for user ``name``, or ``None`` if it is acceptable."""
    pw = normalise_password(password)
    if not pw.strip():
        return "the password is empty or only whitespace"
    if len(pw) < MIN_PASSWORD:
        return f"the password is too short ({len(pw)} characters, at least {MIN_PASSWORD})"
    if len(pw) > MAX_PASSWORD:
        return f"the password is too long ({len(pw)} characters, at most {MAX_PASSWORD})"
    folded = pw.casefold()
    if len(set(folded)) <= 3:
        return "the password repeats three characters or fewer"
    words = blocklist()
    squeezed = "".join(folded.split())
    # a listed word may itself be a repetition ("woofwoof"): check the unpadded text and
    # every whole repetition of its unit, not only the unit
    candidates = {folded, squeezed, _unpadded(folded), _unpadded(squeezed)}
    for text in (folded, squeezed):
        unit, whole = _core(text), _unpadded(text)
        candidates |= {unit * k for k in range(1, len(whole) // max(len(unit), 1) + 1)}
    if any(c in words for c in candidates):
        return "the password is on the list of common or breached passwords"
    context = [w for w in (*CONTEXT_WORDS, normalise_name(name).casefold()) if len(w) >= 3]
    rest = squeezed
    for word in context:
        rest = rest.replace(word, "")
    if len(_core(rest)) < 4 or _core(rest) in words:
        return "the password is built around a name, the product's name or a common word"
    return None


def check_password(password: str, *, name: str = "") -> str:
    """The normalised password, or :class:`UsageError` saying why it is refused."""
    problem = password_problem(password, name=name)
    if problem:
        raise UsageError(
            problem,
            suggestion=f"use a passphrase of {MIN_PASSWORD}+ characters: several unrelated "
            "words you can remember (NIST SP 800-63B-4)",
        )
    return normalise_password(password)
