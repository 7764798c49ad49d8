"""Availability probes (首页可用性): timed visits, the monitor, probe rows in the store.

Network I/O of the probe family lives here (DESIGN principle 1); the
availability check (``govwatch.checks.availability``) only reads stored rows
and the pure window math of :mod:`govwatch.core.windows`; this package file
imports nothing, so that stays light.

- :mod:`govwatch.crawl.availability.visit` — one timed visit (``probe_once``) and its confirmation (``visit``)
- :mod:`govwatch.crawl.availability.monitor` — the scheduler behind ``govwatch monitor``
- :mod:`govwatch.store.probes` — targets, writing rows, ``probes_in_window``
- :mod:`govwatch.crawl.availability.document` — the Probe JSON document
- :mod:`govwatch.commands.site_availability` — ``govwatch probe`` and ``govwatch monitor``

    from govwatch.crawl.availability.visit import visit
    result = asyncio.run(visit(url, timeout=15, max_bytes=5 << 20, user_agent="govwatch probe"))
"""
