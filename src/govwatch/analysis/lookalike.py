"""Look-alike hosts of a registered government site (仿冒域名): generate candidates, and say how a
host resembles a registered one.

:func:`lookalike_candidates` lists, for a registered host such as ``www.jiangsu.gov.cn``, the hosts a
counterfeiter would pick: typos of the site's own label (adjacent swaps, an omitted or a doubled
letter), homoglyphs (0/o, 1/l, rn/m), pinyin variants of the label (syllable initials ``js``,
hyphenated syllables ``jiang-su``), other suffixes (.com .cn .net .org.cn .com.cn), ``gov-cn``
/ ``govcn`` hyphenations, and added prefixes (``dj``, ``zf``, ``gov-`` …). The list is deterministic
(same input, same order) and bounded (``limit``). :func:`lookalike_relation` is the reverse
question: is ``host`` such a variant of ``registered``, and of which kind.

Pure: no network, no store (docs/counterfeit.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["lookalike_candidates", "lookalike_relation", "split_host", "pinyin_syllables", "edit_distance",
           "PREFIXES", "OTHER_SUFFIXES", "DEFAULT_LIMIT"]

DEFAULT_LIMIT = 200
# Prefixes seen on counterfeit and promotional clones (党建 dj, 政府 zf, 政务 zw, 网上办事 wsbs …).
PREFIXES = ("dj", "zf", "zw", "gov", "gov-", "www-", "my", "e", "wsbs", "zwfw")
OTHER_SUFFIXES = ("com", "cn", "net", "org.cn", "com.cn", "org")
_GOV_SUFFIXES = ("gov.cn",)
_HOMOGLYPHS = (("o", "0"), ("0", "o"), ("l", "1"), ("1", "l"), ("i", "1"), ("m", "rn"), ("rn", "m"))
_INITIALS = "zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw]"
_FINALS = ("iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|ua|uo|ui|un|"
           "ue|ve|a|o|e|i|u|v")
_SYLLABLE = re.compile(rf"(?:{_INITIALS})?(?:{_FINALS})")


def _host_only(host: str) -> str:
    """``host`` lower-cased, without a port and a trailing dot."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):
        return host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def split_host(host: str) -> tuple[str, str, str]:
    """(``www.`` prefix or "", the site's own label, the rest) of a host: ``www.jiangsu.gov.cn`` →
    ("www.", "jiangsu", "gov.cn"); ``whlyw.cq.gov.cn`` → ("", "whlyw", "cq.gov.cn"); ``example.com`` →
    ("", "example", "com")."""
    host = _host_only(host)
    www = "www." if host.startswith("www.") else ""
    rest = host[len(www):]
    label, _, suffix = rest.partition(".")
    return www, label, suffix


def pinyin_syllables(label: str) -> list[str] | None:
    """The label split into pinyin syllables (greedy, longest first), or None when it is not all pinyin."""
    out: list[str] = []
    i = 0
    while i < len(label):
        m = _SYLLABLE.match(label, i)
        if not m:
            return None
        best = m.group(0)
        # jiangsu: "jiangs" is no syllable, but greedy "jiang" may starve the next one (xian+g…): step back one
        if (i + len(best) < len(label) and not _SYLLABLE.match(label, i + len(best)) and len(best) > 1
                and _SYLLABLE.fullmatch(best[:-1]) and _SYLLABLE.match(label, i + len(best) - 1)):
            best = best[:-1]
        out.append(best)
        i += len(best)
    return out if len(out) >= 2 else None


def _typos(label: str) -> Iterator[str]:
    for i in range(len(label) - 1):  # adjacent swaps
        if label[i] != label[i + 1]:
            yield label[:i] + label[i + 1] + label[i] + label[i + 2:]
    for i in range(len(label)):  # omissions
        if len(label) > 3:
            yield label[:i] + label[i + 1:]
    for i in range(len(label)):  # doubled letters
        yield label[:i + 1] + label[i] + label[i + 1:]


def _homoglyphs(label: str) -> Iterator[str]:
    for real, fake in _HOMOGLYPHS:
        start = label.find(real)
        while start >= 0:
            yield label[:start] + fake + label[start + len(real):]
            start = label.find(real, start + 1)


def _pinyin(label: str) -> Iterator[str]:
    syllables = pinyin_syllables(label)
    if syllables:
        yield "".join(s[0] for s in syllables)
        yield "-".join(syllables)


def _hostname_ok(host: str) -> bool:
    return all(0 < len(part) <= 63 and not part.startswith("-") and not part.endswith("-")
               for part in host.split(".")) and len(host) <= 253


def lookalike_candidates(registered_host: str, limit: int = DEFAULT_LIMIT) -> list[str]:
    """Look-alike hosts of ``registered_host`` (never the host itself nor one of its subdomains),
    deterministic and at most ``limit``; the kinds come in the order prefixes, other suffixes,
    hyphenations, pinyin, homoglyphs, typos."""
    _, label, suffix = split_host(registered_host)
    if not label or not suffix or label.replace("-", "").isdigit():
        return []
    own = f"{label}.{suffix}"
    parent_label = suffix.split(".")[0] if suffix not in _GOV_SUFFIXES else ""
    flat = label + parent_label  # whlyw.cq.gov.cn → whlywcq on other suffixes
    ordered: list[str] = []
    ordered += [f"{p}{label}.{suffix}" for p in PREFIXES]
    ordered += [f"{flat}.{s}" for s in OTHER_SUFFIXES] + [f"www.{flat}.{s}" for s in OTHER_SUFFIXES[:2]]
    ordered += [f"{flat}-gov.cn", f"{flat}gov.cn", f"{flat}-gov.com", f"{flat}govcn.com", f"{flat}-gov-cn.com",
                f"{label}.gov-cn.com", f"{label}.govcn.com", f"gov-{flat}.cn"]
    ordered += [f"{v}.{suffix}" for v in _pinyin(label)]
    ordered += [f"{v}.{suffix}" for v in _homoglyphs(label)]
    ordered += [f"{v}.{suffix}" for v in _typos(label)]
    out: list[str] = []
    seen = {own, f"www.{own}"}
    for host in ordered:
        if host in seen or not _hostname_ok(host) or host.endswith("." + own):
            continue
        seen.add(host)
        out.append(host)
        if len(out) >= limit:
            break
    return out


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions counted as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _deglyph(text: str) -> str:
    return text.replace("rn", "m").replace("0", "o").replace("1", "l").replace("i", "l")


def lookalike_relation(host: str, registered_host: str) -> str | None:
    """How ``host`` imitates ``registered_host``, or None: ``prefix`` (a label glued before the site's:
    djjiangsu.gov.cn), ``suffix`` (the same label under another suffix: jiangsu.com), ``hyphen``
    (jiangsu-gov.cn), ``homoglyph`` (jiangsu → j1angsu), ``pinyin`` (js.gov.cn for jiangsu.gov.cn),
    ``typo`` (one edit, labels of 5 letters or more). The host itself, its ``www.`` twin and its
    subdomains are no look-alikes."""
    h, r = _host_only(host), _host_only(registered_host)
    _, label, suffix = split_host(r)
    own = f"{label}.{suffix}"
    bare = h.removeprefix("www.")
    if not label or bare == own or h.endswith("." + own):
        return None
    _, h_label, h_suffix = split_host(h)
    if bare.endswith(own) and len(bare) > len(own):
        return "prefix"
    parent_label = suffix.split(".")[0] if suffix not in _GOV_SUFFIXES else ""
    flat = label + parent_label
    if h_suffix == suffix and h_label != label and _deglyph(h_label) == _deglyph(label):
        return "homoglyph"
    gov_free = re.sub(r"-?gov-?(cn)?$", "", h_label)
    if h_label in (flat, label) and h_suffix != suffix:
        return "suffix"
    if gov_free in (flat, label) and gov_free != h_label:
        return "hyphen"
    if h_suffix == suffix and h_label in set(_pinyin(label)):
        return "pinyin"
    if h_suffix == suffix and len(label) >= 5 and edit_distance(h_label, label) == 1:
        return "typo"  # one edit only: jiangxi is two edits from jiangsu and a real site
    return None
