# ruff: noqa: S608 (SQL written here from trusted names; values go in parameters)
"""List pages of training sessions written by PostgreSQL (see ``ctportal.api_pages``).

``session_json`` gives the SQL of one page as JSON: exactly what
``TrainingSessionSerializer`` gives, small cells hidden alike, as ``rows`` does in
Python for CSV, the browsable API and SQLite.
"""

from __future__ import annotations

from ctportal import access
from ctportal import api_sql as sql

from ..models import TrainingSession

# What str.strip() takes away: every character str.isspace() is true of.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# A page's participant totals (attended people plus counts by sex, as
# ``sessions_with_totals``) and, per session, which cells a viewer with the small-cell
# limit (the parameter) may see, as ``participant_totals``: small cells hidden, and
# with exactly one small cell among women, men and the rest, the smallest other shown
# cell hidden too (the first of them in that order), as ``ctportal.suppression.protect``.
_PARTICIPANTS_SQL = """
WITH registered AS (
    SELECT a.session_id, count(*) AS total,
        count(*) FILTER (WHERE pe.sex = 'female') AS female,
        count(*) FILTER (WHERE pe.sex = 'male') AS male
    FROM trainings_attendance a JOIN trainings_person pe ON pe.id = a.person_id
    WHERE a.attended AND a.session_id IN (SELECT id FROM page)
    GROUP BY a.session_id
), counted AS (
    SELECT c.session_id, sum(c.count) AS total,
        sum(c.count) FILTER (WHERE c.sex = 'female') AS female,
        sum(c.count) FILTER (WHERE c.sex = 'male') AS male
    FROM trainings_participantcount c
    WHERE c.dimension = 'sex' AND c.session_id IN (SELECT id FROM page)
    GROUP BY c.session_id
), cells AS (
    SELECT page.id, l.limit_,
        coalesce(r.total, 0) + coalesce(c.total, 0) AS t,
        coalesce(r.female, 0) + coalesce(c.female, 0) AS w,
        coalesce(r.male, 0) + coalesce(c.male, 0) AS m
    FROM page CROSS JOIN (SELECT %s::integer AS limit_) l
    LEFT JOIN registered r ON r.session_id = page.id
    LEFT JOIN counted c ON c.session_id = page.id
), small AS (
    SELECT *, greatest(t - w - m, 0) AS o,
        limit_ > 0 AND t > 0 AND t <= limit_ AS st,
        limit_ > 0 AND w > 0 AND w <= limit_ AS sw,
        limit_ > 0 AND m > 0 AND m <= limit_ AS sm,
        limit_ > 0 AND greatest(t - w - m, 0) > 0 AND greatest(t - w - m, 0) <= limit_ AS so
    FROM cells
), shown AS (
    SELECT *, NOT sw AND w > 0 AS cw, NOT sm AND m > 0 AS cm, NOT so AND o > 0 AS co,
        sw::integer + sm::integer + so::integer = 1 AS one_small
    FROM small
), lowest AS (
    SELECT *, least(CASE WHEN cw THEN w END, CASE WHEN cm THEN m END,
        CASE WHEN co THEN o END) AS low
    FROM shown
), extra AS (
    SELECT *, one_small AND cw AND w = low AS xw,
        one_small AND cm AND m = low AND NOT (cw AND w = low) AS xm,
        one_small AND co AND o = low AND NOT (cw AND w = low) AND NOT (cm AND m = low) AS xo
    FROM lowest
)
SELECT id, {participants} AS participants FROM extra
""".format(
    participants=sql.json_object(
        {
            "total": "CASE WHEN st THEN NULL ELSE t END",
            "female": "CASE WHEN sw OR xw OR NOT (w > 0 OR m > 0) THEN NULL ELSE w END",
            "male": "CASE WHEN sm OR xm OR NOT (w > 0 OR m > 0) THEN NULL ELSE m END",
            "other": "CASE WHEN so OR xo THEN NULL ELSE o END",
            "sex_recorded": "w > 0 OR m > 0",
            "suppressed": "st OR sw OR xw OR sm OR xm OR so OR xo",
        }
    )
)


def _organisations(table: str) -> str:
    return sql.json_list(
        sql.organisation_ref("o"),
        "o.name, o.id",
        f"FROM trainings_trainingsession_{table} x"
        " JOIN projects_organisation o ON o.id = x.organisation_id"
        " WHERE x.trainingsession_id = s.id",
    )


def session_json(user) -> tuple[str, list]:
    """The page's sessions as ``TrainingSessionSerializer`` gives them, as JSON by PostgreSQL."""
    params: list = []
    kind_label = sql.labels(TrainingSession._meta.get_field("kind"), "s.kind", params)
    topics = sql.lines("s.topics", _WHITESPACE, params)
    status_label = sql.labels(TrainingSession._meta.get_field("status"), "s.status", params)
    row = sql.json_object(
        {
            "id": "s.id",
            "project": "p.code",
            "title": "s.title",
            "kind": "s.kind",
            "kind_label": kind_label,
            "topics": topics,
            "audiences": sql.json_list(
                "au.code",
                "sa.audience_id",
                "FROM trainings_trainingsession_audiences sa"
                " JOIN trainings_audience au ON au.id = sa.audience_id"
                " WHERE sa.trainingsession_id = s.id",
            ),
            "host_country": "hc.code",
            "city": "s.city",
            "venue": "s.venue",
            "start_date": "s.start_date",
            "end_date": "s.end_date",
            "language": "s.language",
            "partners": _organisations("partners"),
            "facilitators": _organisations("facilitators"),
            "indicators": sql.json_list(
                "si.indicator_id",
                'i."order", si.indicator_id',
                "FROM trainings_trainingsession_indicators si"
                " JOIN projects_indicator i ON i.id = si.indicator_id"
                " WHERE si.trainingsession_id = s.id",
            ),
            "status": "s.status",
            "status_label": status_label,
            "notes": "s.notes",
            "participants": sql.Json("shown.participants"),
            "version": "s.version",
            "updated_at": sql.datetime("s.updated_at"),
        }
    )
    page = sql.json_list(
        row,
        "page.n",
        "FROM page JOIN trainings_trainingsession s ON s.id = page.id"
        " JOIN projects_project p ON p.id = s.project_id"
        " LEFT JOIN projects_country hc ON hc.id = s.host_country_id"
        f" JOIN ({_PARTICIPANTS_SQL}) shown ON shown.id = page.id",
    )
    # The limit is the participants' parameter, after the row's own in the statement.
    return page, [*params, access.small_cell_limit(user, "training")]
