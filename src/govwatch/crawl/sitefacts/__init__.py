"""Network-side security probes run after a crawl (docs/security.md).

``runner.measure_site`` measures and stores run facts: ``transport`` (HTTP → HTTPS, TLS
certificate and chain), ``ipv6`` (AAAA record, a GET over IPv6), ``cloaking`` (a sample
refetched as Baiduspider and compared). Checks judge the facts (``checks/transport.py``,
``checks/cloaking.py``); nothing here decides what is a finding. Mixed content needs no
network: ``checks/transport.py`` reads it from the stored links.
"""
