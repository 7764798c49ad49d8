"""The simulated government web (``govwatch.sim``): generator, server, manifest, static export.

Deterministic by seed: the same :class:`SimOptions` give the same bytes and the
same manifest. Used by ``govwatch demo``, the tests and the benchmarks.

    from govwatch.sim import SimOptions, SimServer
    with SimServer(SimOptions(seed=7, as_of=date(2026, 11, 22), site_pages=300)).running() as sim:
        sim.manifest, sim.site_url("trs"), sim.reset_faults()
"""

from govwatch.sim.export import export_static
from govwatch.sim.manifest import build_manifest, write_manifest
from govwatch.sim.options import SimOptions, SiteSpec, default_sites
from govwatch.sim.portfolio import Portfolio
from govwatch.sim.server import SimServer, serve
from govwatch.sim.site import SiteGenerator

__all__ = [
    "Portfolio", "SimOptions", "SimServer", "SiteGenerator", "SiteSpec", "build_manifest", "default_sites",
    "export_static", "serve", "write_manifest",
]
