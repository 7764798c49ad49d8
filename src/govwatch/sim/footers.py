"""Who a simulated site belongs to: name, identifiers and footer facts.

Identifiers follow the formats in docs/sources.md §5: 网站标识码 = 6-digit division code
+ 4-digit sequence; ICP = province abbreviation + ``ICP备`` + 8 digits + ``号``
(optional ``-n``; construction variation may give the 10-digit serial, a 4-digit year and 6
digits, issued since about 2019); 公安备案 = abbreviation + ``公网安备`` + 14 digits + ``号``.

:func:`shown_footer` is what a footer shows of them: the identity itself, or with planted
footer defects (``FOOTER_DEFECTS``, decided in :mod:`govwatch.sim.plants`).
"""

from __future__ import annotations

from dataclasses import dataclass

from govwatch.sim.options import SimOptions, SiteSpec
from govwatch.sim.rng import pick, stable_int
from govwatch.sim.variation import DEFAULT_POLICE_WORDING, choose
from govwatch.sim.words import CITIES, COUNTIES, DEPARTMENTS, PEOPLE, PROVINCES

# Footer defects a site may carry: site_code → the placeholder 1234567890; icp → no ICP number;
# police_record → the legacy 12-digit 公安备案 number; jiucuo → a 找错 link with another site's code;
# jiucuo_placeholder (construction variation, with site_code) → the 找错 entry carries the same placeholder.
FOOTER_DEFECTS: tuple[str, ...] = ("site_code", "icp", "police_record", "jiucuo", "jiucuo_placeholder")
PLACEHOLDER_SITE_CODE = "1234567890"
JIUCUO_PLACEHOLDER_SHARE = 0.67  # share of the varied sites with a placeholder code whose 找错 entry repeats it


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    """Name and identifiers of one site, as its footer and meta tags show them."""

    name: str
    short: str  # label used inside titles, e.g. 临江市 or 市教育局
    site_code: str
    icp: str
    police_record: str
    police_code: str  # the 14 digits of the 公安备案 number
    sponsor: str
    phone: str
    address: str
    conac_id: str
    maintainer: str  # a person's name, used in footers (legacy: outside GB2312)
    abbr: str = ""  # the province abbreviation of the ICP and 公安备案 numbers
    police_wording: str = DEFAULT_POLICE_WORDING  # how the footer words the 公安备案 number

    def police_text(self, code: str) -> str:
        """The 公安备案 text for ``code`` in this site's wording."""
        return self.police_wording.format(abbr=self.abbr, code=code)


def portfolio_region(seed: int) -> tuple[str, str, str, str]:
    """(province code, abbreviation, city name, city division code) of a portfolio."""
    code, abbr, _ = pick(PROVINCES, seed, "province")
    city_no = 1 + stable_int(seed, "city-no") % 13
    city = pick(CITIES, seed, "city")
    return code, abbr, city, f"{code}{city_no:02d}00"


def make_identity(options: SimOptions, spec: SiteSpec, index: int) -> SiteIdentity:
    """The identity of the ``index``-th site of the portfolio (deterministic by seed)."""
    seed = options.seed
    _, abbr, city, city_div = portfolio_region(seed)
    if spec.kind == "county":
        county = pick(COUNTIES, seed, spec.id, "county")
        division = f"{city_div[:4]}{21 + stable_int(seed, spec.id, 'cty') % 9:02d}"
        name, short, sponsor = f"{county}县人民政府", f"{county}县", f"{county}县人民政府办公室"
        seq = 1
    elif spec.kind == "department":
        dept_name = DEPARTMENTS.get(spec.dept or "", DEPARTMENTS["fgw"])[0]
        division = city_div
        name = f"{city}市{dept_name}"
        short, sponsor, seq = f"市{dept_name}", name, 100 + index
    else:
        division = city_div
        name, short, sponsor, seq = f"{city}市人民政府", f"{city}市", f"{city}市人民政府办公室", 1
    if spec.name:
        name = sponsor = spec.name
    variants = choose(seed, options.variation, spec.id)
    serial = f"{stable_int(seed, spec.id, 'icp') % 10**8:08d}"
    if variants.footer is not None and variants.footer.icp_serial10:  # the form issued since about 2019
        serial = f"{2019 + stable_int(seed, spec.id, 'icp-year') % 6}{stable_int(seed, spec.id, 'icp') % 10**6:06d}"
    suffix = "" if stable_int(seed, spec.id, "icp-n") % 3 == 0 else f"-{1 + index % 3}"
    police_code = f"{division}02{stable_int(seed, spec.id, 'police') % 10**6:06d}"
    area = 10 + stable_int(seed, "area") % 890
    phone = f"0{area}-{8 + index % 2}{stable_int(seed, spec.id, 'tel') % 10**7:07d}"
    return SiteIdentity(
        name=name,
        short=short,
        site_code=f"{division}{seq:04d}",
        icp=f"{abbr}ICP备{serial}号{suffix}",
        police_record=variants.police_wording.format(abbr=abbr, code=police_code),
        police_code=police_code,
        sponsor=sponsor,
        phone=phone,
        address=f"{city}市{pick(('人民路', '政务大道', '府前街'), seed, spec.id, 'addr')}{1 + index * 7}号",
        conac_id=f"{stable_int(seed, spec.id, 'conac') % 10**8:08d}",
        maintainer=PEOPLE[index % 4],  # 王喆 李堃 张珺 陈镕: rare characters for legacy pages
        abbr=abbr,
        police_wording=variants.police_wording,
    )


def varied_footer_defects(defects: frozenset[str], seed: int, variation: int, site_id: str) -> frozenset[str]:
    """``defects`` as construction variation (``variation >= 1``) plants them: on about two sites in
    three whose footer shows the placeholder 网站标识码, the 找错 entry carries that placeholder too
    (both are invalid, although they agree)."""
    if variation <= 0 or "site_code" not in defects or "jiucuo" in defects:
        return defects
    if stable_int(seed, variation, site_id, "jiucuo-placeholder") % 100 >= JIUCUO_PLACEHOLDER_SHARE * 100:
        return defects
    return defects | {"jiucuo_placeholder"}


@dataclass(frozen=True, slots=True)
class ShownFooter:
    """The identifiers a site's footer shows (its identity, or with planted defects)."""

    site_code: str
    icp: str | None  # None: not shown
    police_record: str
    police_code: str
    jiucuo_code: str
    jiucuo_link: bool  # the 找错 entry as a jiucuo.html?site_code= link instead of the _jiucuo_ script


def shown_footer(identity: SiteIdentity, defects: frozenset[str] = frozenset()) -> ShownFooter:
    """What the footer shows of ``identity`` when it carries ``defects`` (see ``FOOTER_DEFECTS``)."""
    police_code, police_record = identity.police_code, identity.police_record
    if "police_record" in defects:
        police_code = police_code[:12]
        police_record = identity.police_text(police_code)
    jiucuo = identity.site_code
    if "jiucuo" in defects:  # another site's code, e.g. the city portal's copied into a department site
        jiucuo = f"{jiucuo[:6]}{int(jiucuo[6:]) % 9999 + 1:04d}"
    elif "jiucuo_placeholder" in defects:  # the template's placeholder, in the footer and the 找错 entry alike
        jiucuo = PLACEHOLDER_SITE_CODE
    return ShownFooter(
        site_code=PLACEHOLDER_SITE_CODE if "site_code" in defects else identity.site_code,
        icp=None if "icp" in defects else identity.icp,
        police_record=police_record, police_code=police_code,
        jiucuo_code=jiucuo, jiucuo_link="jiucuo" in defects,
    )
