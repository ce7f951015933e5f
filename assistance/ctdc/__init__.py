"""Anonymised case records in the layout of the Counter Trafficking Data Collaborative (CTDC).

Layout: the 63 columns of CTDC's global k-anonymised dataset, in its order and
value forms (``layout``). No reference, identity, office, project or date finer
than the year leaves this package.

One release, one generalisation
-------------------------------
A *release* (``CTDCRelease``) is one k-anonymisation of every case whose victim
consented to sharing anonymised data, computed once when an administrator
publishes it and stored row by row (``CTDCRecord``). Every reader (administrator,
officer, donor, analyst, case worker; CSV, XLSX and the records API) gets the
rows of the latest release that fall in their scope, nothing computed for them
alone. So all files are generalised the same way: a donor's exact years can
never meet an analyst's regions of the same victims.

A reader's share must not narrow either. Each stored record keeps the project
and country office the case had (its *scope cell*, never published), and every
scope is a union of cells: a donor's funded projects, an officer's projects, a
case worker's office, everything for administrators, M&E officers and analysts.
Classes are therefore counted *within each cell*: a row is published only if at
least k rows of its cell carry the same published quasi-identifier values.
Then every reader's file has each combination at least k times (a union of
cells adds up classes of k or more), and so has anything made from several
readers' files: concatenated, merged, subtracted from one another, they only
ever hold whole cells of the same rows of the same release, each combination
0 or at least k times. A later release replaces the current one for everybody
at once; a file or page says which release it is cut from.

k = 11, as CTDC's own release. The quasi-identifiers are the values someone
who knows a victim could know: year of registration, sex, age band, citizenship,
country of exploitation and type of exploitation. Their published traces, the
columns a check groups on, are ``QUASI_IDENTIFIER_COLUMNS``: yearOfRegistration,
gender, ageBroad, majorityStatus, citizenship, CountryOfExploitation, the eight
``is...`` columns and typeOfExploitConcatenated. The other columns (means of
control, sector of forced labour, recruiter) are published as recorded.

Generalisation hierarchy (level 0 is the value as recorded; "withheld" leaves
the cell blank, like a missing value in CTDC, so every column keeps its type):

================================  ============  ==================  ============  ========
quasi-identifier (CTDC column)    level 0       level 1             level 2       level 3
================================  ============  ==================  ============  ========
yearOfRegistration                year          withheld
gender                            as recorded   withheld
ageBroad / majorityStatus         CTDC band     majorityStatus      withheld
                                                only (ageBroad
                                                blank)
citizenship                       ISO 3166-1    UN M49 subregion    UN M49 region  withheld
CountryOfExploitation             ISO 3166-1    UN M49 subregion    UN M49 region  withheld
is... / typeOfExploitConcatenated each type     forced labour,      withheld
                                                sexual, other (the
                                                four other ``is...``
                                                blank)
================================  ============  ==================  ============  ========

CTDC's yearOfRegistration is a four-digit year or blank: it has no notation for
a period, so a year is published exactly or withheld. A generalised country is
written, in the same text column, as its UN M49 subregion or region name
("Southern Asia", "Africa"), the geoscheme CTDC's regional figures use. When
the type of exploitation is withheld, so are the typeOfLabour columns, which
would tell forced labour apart.

Choosing the generalisation (full-domain, as in Samarati's method; the search
is in ``hierarchy``): one level per quasi-identifier for the whole release.
Among the combinations of levels that suppress at most ``MAX_SUPPRESSED_SHARE``
(5%) of the records, the one that loses least information wins (Sweeney's
precision: the share of each hierarchy climbed, summed); ties go to the fewest
suppressed records, then to keeping exploitation, sex and age exact before the
countries and the year. Records whose class in their cell is still smaller than
k are then suppressed (stored without a row, counted only). With fewer than k
consenting cases nothing is published.
"""

from .hierarchy import MAX_SUPPRESSED_SHARE, QI_KEYS, QUASI_IDENTIFIERS
from .layout import (
    COLUMNS,
    DATASOURCE,
    EXPLOITATION_CODES,
    INTEGER_COLUMNS,
    LABOUR_COLUMNS,
    LAYOUT_VERSION,
    MEANS_COLUMNS,
    QUASI_IDENTIFIER_COLUMNS,
    RECRUITER_COLUMNS,
    ctdc_row,
)
from .release import K, Plan, coarser, consenting_cases, consistent_read, plan_for
from .selectors import available_release, current_release, published_rows, release_records
from .services import ctdc_release_publish

__all__ = [
    "COLUMNS",
    "DATASOURCE",
    "EXPLOITATION_CODES",
    "INTEGER_COLUMNS",
    "K",
    "LABOUR_COLUMNS",
    "LAYOUT_VERSION",
    "MAX_SUPPRESSED_SHARE",
    "MEANS_COLUMNS",
    "QI_KEYS",
    "QUASI_IDENTIFIERS",
    "QUASI_IDENTIFIER_COLUMNS",
    "RECRUITER_COLUMNS",
    "Plan",
    "available_release",
    "coarser",
    "consenting_cases",
    "consistent_read",
    "ctdc_release_publish",
    "ctdc_row",
    "current_release",
    "plan_for",
    "published_rows",
    "release_records",
]
