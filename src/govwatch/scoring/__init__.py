"""Scoring stored runs with a rule table, above the checks and below the reports.

    runs       check a stored run and score it (reusing table-independent findings on a re-score)
    review     reviewer findings, exemptions and hand assessments (``govwatch finding``)
    diff       a re-check against an earlier run: new, fixed, still open
    deadlines  the columns closest to their update deadline (``govwatch warnings``)
"""
