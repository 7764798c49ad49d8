"""The bottom layer: what every other layer shares and nothing of govwatch's own is imported by.

    model       the data types (Finding, FetchResult, PageFacts, ...) and error classes
    catalogue   the finding kinds: label, remediation, ID prefix, severity, evidence (data/finding_kinds.yaml)
    settings    settings from defaults, --config, environment and flags; netconfig: their network parts
    siteconfig  a site's own config file (name, code, key columns, business systems)
    urls        URL normalisation and a site's scope; official: official and central-media hosts
    identifiers 网站标识码, ICP and 公安备案 numbers; workdays: the Chinese working-day calendar
    clock       Asia/Shanghai time; windows: the availability window; aio: asyncio entry; jsonfile: JSON output
"""
