"""Content library: lexicons, the Aho-Corasick matcher, personal-data validators and
attachment text extraction. Pure code over text and bytes; the checks live in
:mod:`govwatch.checks.content` and :mod:`govwatch.checks.privacy`."""
