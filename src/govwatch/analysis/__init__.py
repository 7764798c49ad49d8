"""Facts derived from a whole stored run, between the store's RunData and the checks.

    columns      the site's columns (栏目): discovery, type, dates, windows, homepage updates
    interaction  message boards, reply fields, service guides, surveys and interviews as read from pages
    content      lexicons and scanners of page text and attachments (wording, typos, banned terms, personal data)

Results for a whole run are computed once and kept with ``RunData.derived`` (``columns_of``,
``homepage_updates_of``, ``text_hits_of``). No network, no SQL: only what RunData gives.
"""
