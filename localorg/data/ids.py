"""Salesforce record Ids: key prefixes, 15 -> 18 character case-safe checksum, parsing of either form."""
from __future__ import annotations

import re

KEY_PREFIXES: dict[str, str] = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "User": "005",
    "Organization": "00D",
    "Profile": "00e",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
    "ObjectPermissions": "110",
    "FieldPermissions": "01k",
    "UserPermissionAccess": "0Ux",
    "Group": "00G",
}

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID15 = re.compile(r"^[0-9A-Za-z]{15}$")
_ID18 = re.compile(r"^[0-9A-Za-z]{15}[A-Z0-5]{3}$", re.IGNORECASE)
# The two characters after the key prefix name the pod in a real org; ours is fixed.
POD = "Lo"
_SPACE = 62 ** 7


def checksum(id15: str) -> str:
    """Return the 3-character suffix Salesforce appends to a 15-character Id.

    Each 5-character chunk becomes a 5-bit number, bit i set when character i is an upper-case
    letter; that number indexes "A..Z0..5". The suffix lets case-insensitive tools tell
    '001...aB' from '001...Ab'.
    """
    out = []
    for start in (0, 5, 10):
        bits = 0
        for i, ch in enumerate(id15[start:start + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(record_id: str) -> str:
    """Return the 18-character form of a 15- or 18-character Id (ValueError if it is neither).

    An 18-character Id is accepted in any letter case, as Salesforce does: the case of the
    first 15 characters is restored from the suffix.
    """
    if _ID15.match(record_id):
        return record_id + checksum(record_id)
    if _ID18.match(record_id):
        suffix = record_id[15:].upper()
        chars = list(record_id[:15])
        for chunk, code in enumerate(suffix):
            bits = _SUFFIX_ALPHABET.index(code)
            for i in range(5):
                pos = chunk * 5 + i
                chars[pos] = chars[pos].upper() if bits & (1 << i) else chars[pos].lower()
        id15 = "".join(chars)
        if checksum(id15) != suffix:
            raise ValueError(f"invalid Id checksum: {record_id}")
        return id15 + suffix
    raise ValueError(f"malformed Id: {record_id}")


def normalize(record_id: object) -> str | None:
    """Return the canonical 18-character Id, or None when the value is not a well-formed Id."""
    if not isinstance(record_id, str):
        return None
    try:
        return to18(record_id)
    except ValueError:
        return None


def make(prefix: str, number: int) -> str:
    """Build the 18-character Id number `number` for a key prefix.

    The counter is spread over seven base-62 digits by a bijection (multiply by a number prime
    to 62, modulo 62**7), so Ids are unique and deterministic but mix letter cases as real ones do.
    """
    if not 0 <= number < _SPACE:
        raise ValueError("Id counter overflow")
    n = (number * 1_000_003 + 916_132_831) % _SPACE
    digits = []
    for _ in range(7):
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    id15 = prefix + POD + "000" + "".join(reversed(digits))
    return id15 + checksum(id15)


def prefix_of(record_id: str) -> str:
    """Return the 3-character key prefix of an Id."""
    return record_id[:3]
