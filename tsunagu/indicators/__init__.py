"""EBPM indicators of the open-data programme, from recorded facts only (no Flask here).

The facts are the catalogue (datasets, their versions and dates), the hash-chained audit log
(every publish and every blocked attempt, with each file's quality figures and, for uploads,
when the file was received) and the use counters. :func:`~tsunagu.indicators.compute.compute`
turns them into coverage, quality, freshness, use and responsiveness figures for a period; the
dashboard, ``tsunagu report`` and the published indicator dataset all read that one result, so
they can never disagree. The README defines each figure.
"""
