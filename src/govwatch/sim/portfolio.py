"""The whole simulated web: sites, their ports and origins, and request routing.

A :class:`Portfolio` is pure: given options and the ports, it builds every
site generator. The server binds the ports first, then builds the portfolio,
so pages can carry absolute links to the real external and refusing ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govwatch.sim.footers import make_identity
from govwatch.sim.hostile import HostileSite
from govwatch.sim.options import HOSTILE_ID, SimOptions, SiteSpec
from govwatch.sim.site import Origins, SiteGenerator

PLATFORM = "platform"
EXTERNAL = "external"
RESET_ALL = "reset_all"
REFUSED = "refused"
SITE_PREFIX = "/sites/"


def roles_for(options: SimOptions) -> list[str]:
    """Port roles in binding order: host sites, platform, hostile, external, reset_all, refused."""
    roles = [f"site:{s.id}" for s in options.portfolio if s.placement == "host"]
    if any(s.placement == "prefix" for s in options.portfolio):
        roles.append(PLATFORM)
    if options.hostile:
        roles += [f"site:{HOSTILE_ID}"]
    roles += [EXTERNAL]
    if options.hostile:
        roles.append(RESET_ALL)
    roles.append(REFUSED)
    return roles


def refused_roles(options: SimOptions) -> list[str]:
    """The port roles of the sites whose access is ``refused`` (bound, never listened on)."""
    return [f"site:{s.id}" for s in options.portfolio if s.access == "refused"]


def site_origins(options: SimOptions, spec: SiteSpec, origin: str, external_base: str,
                 refused_base: str) -> Origins:
    """Where ``spec`` is served when its host (or platform) origin is ``origin``."""
    if spec.placement == "host":
        return Origins(origin, "/", external_base, refused_base)
    others = tuple((make_identity(options, other, options.portfolio.index(other)).name, f"{SITE_PREFIX}{other.id}/")
                   for other in options.portfolio if other.placement == "prefix" and other.id != spec.id)
    return Origins(origin, f"{SITE_PREFIX}{spec.id}/", external_base, refused_base, (("平台首页", "/"),) + others)


@dataclass
class Portfolio:
    """Sites and ports of one simulated web."""

    options: SimOptions
    host: str
    ports: dict[str, int]
    sites: dict[str, SiteGenerator] = field(default_factory=dict)
    hostile: HostileSite | None = None

    def __post_init__(self) -> None:
        opts = self.options
        prefix_specs = [s for s in opts.portfolio if s.placement == "prefix"]
        platform_origin = self.origin(PLATFORM) if prefix_specs else ""
        for index, spec in enumerate(opts.portfolio):
            origin = self.origin(f"site:{spec.id}") if spec.placement == "host" else platform_origin
            origins = site_origins(opts, spec, origin, self.external_base, self.refused_base)
            self.sites[spec.id] = SiteGenerator(opts, spec, index, origins)
        if opts.hostile:
            self.hostile = HostileSite("/", opts.hang_seconds, opts.huge_bytes, opts.bomb_bytes)

    @classmethod
    def with_fake_ports(cls, options: SimOptions, host: str = "127.0.0.1", first: int = 20000) -> Portfolio:
        """A portfolio on made-up ports (nothing is bound): for pure generation and exports."""
        return cls(options, host, {role: first + i for i, role in enumerate(roles_for(options))})

    def origin(self, role: str) -> str:
        return f"http://{self.host}:{self.ports[role]}"

    @property
    def external_base(self) -> str:
        return self.origin(EXTERNAL) + "/"

    @property
    def refused_base(self) -> str:
        return self.origin(REFUSED) + "/"

    @property
    def platform_base(self) -> str | None:
        return self.origin(PLATFORM) + "/" if PLATFORM in self.ports else None

    def site_url(self, site_id: str) -> str:
        """Homepage URL of a site (including ``hostile``)."""
        if site_id == HOSTILE_ID and self.hostile is not None:
            return self.origin(f"site:{HOSTILE_ID}") + "/"
        return self.sites[site_id].base_url

    def route(self, role: str, path: str) -> tuple[SiteGenerator | HostileSite | None, str]:
        """(site, site-relative path) serving ``path`` on the port of ``role``."""
        if role == f"site:{HOSTILE_ID}":
            return self.hostile, path[1:]
        if role.startswith("site:"):
            return self.sites[role[5:]], path[1:]
        if role == PLATFORM and path.startswith(SITE_PREFIX):
            site_id, _, rest = path[len(SITE_PREFIX):].partition("/")
            site = self.sites.get(site_id)
            if site is not None and site.spec.placement == "prefix":
                return site, rest
        return None, path
