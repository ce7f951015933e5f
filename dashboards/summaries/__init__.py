"""Figures materialised per viewer scope, so that dashboards and figures pages read
one row instead of aggregating a million attendances or a quarter of a million cases.

Why per scope. Most figures count people: each person trained once, however
many sessions they attended. A distinct count over a scope cannot be summed
from per-session or per-project counts (a person trained in two projects of a
donor counts once for that donor, once in each project's own figure), so any
summary finer than the scope would still have to count distinct people over
most of the rows. What viewers can see, though, comes in few shapes: the whole
portfolio (administrators, M&E officers, analysts), the projects of each
donor organisation, each programme officer's projects and countries, each case
worker's office. The rebuild (``build``) computes, for each of those scopes
that some active user has, every figure the portal shows without being asked:
each dashboard widget the scope may open (with its filters and the whole its
part is protected against), and the figures pages of trainings and
assistance. It computes them with the very sources the direct path uses, so a
summary is the direct aggregation, number for number; small cells are hidden
afterwards, for the viewer, exactly as before.

What is stored (``FigureSummary``) is a figure's rows before suppression and
without labels (those follow the reader's language), keyed by the metric, the
breakdown with its filters, and the scope's key (``scope_key``): the projects
it sees and the case office it works for. For the roles that read dashboards,
what the API answers unnarrowed is kept too: each metric's total and its
breakdown by each of its dimensions, and each breakdown of the trainings
aggregate. Anything else, such as an API query with filters or several
dimensions of its own, is computed directly and cached as before.

Never stale. A summary carries the version of the source data it was built
from (``SummaryState``). The change signals that retire cached figures
(``dashboards.invalidation``: saves, deletes, m2m changes of source records,
and ``invalidate()`` after bulk writes and imports) move the version on when
their transaction commits, in the database, so that clearing or losing the
cache cannot bring an old summary back. A summary is read only when its
version is the current one, in the same query; otherwise the figure is
computed directly and a rebuild is queued. A rebuild notes the version before
it reads anything and writes its summaries only if the version has not moved
meanwhile (holding the state row), so a change made during a rebuild is never
hidden by it.
"""
