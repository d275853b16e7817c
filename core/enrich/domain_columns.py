"""Many websites and emails at once: plain hosts cut out by Arrow string kernels, registrable domains by PSL set look-ups."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from publicsuffixlist import PublicSuffixList

# Only the shapes whose scalar result is certain are called plain; everything else (non-ASCII, white space
# where Python's \s sees it, brackets, odd ports, IDN, punycode) is left to matching's per-value functions.
# ASCII white space as Python's str.strip and \s see it (RE2's \s leaves out \v and \x1c-\x1f).
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f "
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_HOST = rf"^(?:{_LABEL}\.)+{_LABEL}$"
_LOCAL = r"\x00-\x20\x7f@<>()\[\]\\,;:\""
_PLAIN_EMAIL = rf"^[^{_LOCAL}./][^{_LOCAL}]*@(?:{_LABEL}\.)+{_LABEL}$"


def mask(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a numpy mask, nulls counted as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _replace_where(values: pa.Array, needle: str, pattern: str) -> pa.Array:
    """Remove the regex pattern's match, running the regex only on the values that hold needle (which every
    match contains): a user-info "@" or a port ":" is rare, a plain substring search is cheap."""
    hit = mask(pc.match_substring(values, needle))
    if not hit.any():
        return values
    where = pa.array(hit)
    return pc.replace_with_mask(values, where, pc.replace_substring_regex(values.filter(where), pattern, ""))


def plain_websites(text: pa.Array, blank_words: frozenset[str]) -> tuple[pa.Array, np.ndarray]:
    """(host, plain): each value's lower-cased host name, and whether the value is a plain ASCII website.

    Plain means: optional scheme://, optional user-info@, a dotted LDH host name (labels of at most 63
    characters, 253 in all, no punycode), optional :port, trailing dots, path, query or fragment. For these
    normalise_domain's host is exactly `host`; the rest must take the per-value path.
    """
    text = pc.ascii_trim_whitespace(text)
    bare = pc.utf8_ltrim(pc.replace_substring_regex(text, r"^[A-Za-z][A-Za-z0-9+.\-]*://", ""), "/")
    authority = pc.replace_substring_regex(bare, r"(?s)[/?#\\].*$", "")
    host = _replace_where(_replace_where(authority, "@", r"(?s)^.*@"), ":", r":[0-9]*$")
    host = pc.ascii_lower(pc.utf8_rtrim(host, "."))
    plain = (mask(pc.string_is_ascii(authority))
             & ~mask(pc.match_substring_regex(authority, rf"[{_SPACE},;]"))
             & mask(pc.match_substring_regex(host, _PLAIN_HOST))
             & mask(pc.less_equal(pc.utf8_length(host), 253))
             & ~mask(pc.match_substring(host, "xn--"))
             & ~mask(pc.is_in(pc.ascii_lower(text), pa.array(sorted(blank_words)))))
    return host, plain


def plain_emails(text: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(address, host, plain): the lower-cased address and host, and whether the value is a plain ASCII address.

    Plain means local@host with no white space, brackets, quotes or doubled dots, and a dotted LDH host
    without punycode: normalise_email's address is exactly `address` and its domain that of `host`.
    """
    address = pc.ascii_lower(pc.ascii_trim_whitespace(text))
    host = pc.replace_substring_regex(address, r"^.*@", "")
    plain = (mask(pc.string_is_ascii(address)) & mask(pc.match_substring_regex(address, _PLAIN_EMAIL))
             & ~mask(pc.match_substring(address, "..")) & mask(pc.less_equal(pc.utf8_length(host), 253))
             & ~mask(pc.match_substring(host, "xn--")))
    return address, host, plain


class SuffixRules:
    """The Public Suffix List's rules as Arrow value sets, matched against many host names at once.

    The rules, and what they decide, are publicsuffixlist's own (its `_countpublic`): the longest suffix that
    meets a rule decides, and at one length an exception rule comes before a wildcard, a wildcard before an
    exact rule. Suffixes are tried from the shortest up, and a host stops as soon as its suffix is no suffix
    of any rule: "company.com" is none, so "www.company.com" is never looked up.
    """

    def __init__(self, psl: PublicSuffixList) -> None:
        """Read the rule set the given PublicSuffixList parsed (so both always agree)."""
        # The parsed set itself (private, but the library's only form of it): the same rules, no second parser.
        rules = psl._publicsuffix
        self.depth = psl._maxlabel + 1  # as in _countpublic: a longer suffix than this never meets a rule
        self.accept_unknown = psl.accept_unknown
        self.exact = pa.array(sorted(rules), pa.large_string())
        self.wildcard = pa.array(sorted(r[2:] for r in rules if r.startswith("*.")), pa.large_string())
        self.exception = pa.array(sorted(r[1:] for r in rules if r.startswith("!")), pa.large_string())
        bodies = {r.lstrip("!").removeprefix("*.") for r in rules}
        tails = {".".join(b.split(".")[-n:]) for b in bodies for n in range(1, b.count(".") + 2)}
        self.tails = pa.array(sorted(tails), pa.large_string())

    def registrable(self, hosts: pa.Array) -> pa.Array:
        """PublicSuffixList.privatesuffix of each lower-case, dot-separated host without empty labels (null if none)."""
        labels = np.asarray(pc.add(pc.count_substring(hosts, "."), 1).to_numpy(zero_copy_only=False), dtype=np.int64)
        public = np.zeros(len(labels), dtype=np.int64)
        decided = np.zeros(len(labels), dtype=bool)
        alive = np.ones(len(labels), dtype=bool)
        suffixes: dict[int, tuple[np.ndarray, pa.Array]] = {}  # depth -> (rows, their suffixes)
        for depth in range(1, self.depth + 1):
            rows = np.flatnonzero(alive & (labels >= depth))
            if not len(rows):
                break
            suffix = _last_labels(hosts.take(pa.array(rows)), depth)
            suffixes[depth] = (rows, suffix)
            exception = mask(pc.is_in(suffix, self.exception))
            wildcard = ~exception & mask(pc.is_in(suffix, self.wildcard))
            exact = ~exception & ~wildcard & mask(pc.is_in(suffix, self.exact))
            public[rows[exception]] = depth - 1
            public[rows[wildcard]] = np.where(labels[rows[wildcard]] > depth, depth + 1, depth)
            public[rows[exact]] = depth
            decided[rows[exception | wildcard | exact]] = True
            alive[:] = False
            alive[rows[mask(pc.is_in(suffix, self.tails))]] = True
        if self.accept_unknown:
            public[~decided] = 1
        keep = (public > 0) & (labels >= public + 1)
        out = pa.nulls(len(labels), pa.large_string())
        for depth in np.unique(public[keep] + 1).tolist():
            chosen = keep & (public + 1 == depth)
            rows, suffix = suffixes.get(depth, (np.zeros(0, dtype=np.intp), None))
            if chosen[rows].sum() != chosen.sum():  # not all cut on the way up: cut them now
                rows = np.flatnonzero(chosen)
                suffix = _last_labels(hosts.take(pa.array(rows)), depth)
            at = np.zeros(len(labels), dtype=bool)
            at[rows] = True
            spread = pc.replace_with_mask(pa.nulls(len(labels), pa.large_string()), pa.array(at), suffix)
            out = pc.if_else(pa.array(chosen), spread, out)
        return out


def _last_labels(hosts: pa.Array, depth: int) -> pa.Array:
    """The last `depth` labels of each host (null where it has fewer)."""
    found = pc.extract_regex(hosts, rf"(?P<s>[^.]+(?:\.[^.]+){{{depth - 1}}})$")
    return pc.struct_field(found, [0]).cast(pa.large_string())
