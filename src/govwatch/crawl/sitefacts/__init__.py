"""Network-side security probes run after a crawl (docs/security.md).

``runner.measure_site`` measures and stores run facts: ``transport`` (HTTP → HTTPS, TLS
certificate and chain), ``ipv6`` (AAAA record, a GET over IPv6), ``cloaking`` (a sample
refetched as Baiduspider and compared). Checks judge the facts (``checks/transport.py``,
``checks/cloaking.py``); nothing here decides what is a finding. Mixed content needs no
network: ``checks/transport.py`` reads it from the stored links.
"""

# The run facts the step after a crawl writes (runner.measure_site, and counterfeit.record_counterfeits
# at its start): a check reading one of them waits for the measurements (pipeline.MeasuredRunData).
MEASURED_FACTS = frozenset({"transport", "ipv6", "cloaking", "accessibility", "site_search", "counterfeit"})
