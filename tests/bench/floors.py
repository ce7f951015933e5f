# ruff: noqa: S608 (statements built from the fixed scopes above, values as parameters)
"""Floors of the API lists: one hand-written SQL statement returning the same page.

Each statement returns the page's rows with every column the serializer
outputs (nested lists as JSON, computed figures included) and the list's
total count, for one role's scope. The portal's time is printed as a ratio to
these. Parameters: ``limit``, ``offset``, ``org`` (the donor's organisation),
``user`` (the officer).
"""

from __future__ import annotations

from collections.abc import Callable

# Which projects each role sees, as a condition on a project id expression.
SCOPES = {
    "admin": "TRUE",
    "donor": "{col} IN (SELECT project_id FROM projects_funding WHERE donor_id = %(org)s)",
    "officer": (
        "{col} IN (SELECT project_id FROM accounts_user_projects WHERE user_id = %(user)s"
        " UNION SELECT rc.project_id FROM projects_recipientcountry rc"
        " JOIN accounts_user_countries uc ON uc.country_id = rc.country_id"
        " WHERE uc.user_id = %(user)s)"
    ),
}


def scoped(template: Callable[[Callable[[str], str]], str], who: str) -> str:
    return template(lambda col: SCOPES[who].format(col=col))


def PROJECTS_PAGE(scope: Callable[[str], str]) -> str:  # noqa: N802 (a statement's name)
    return f"""
    WITH page AS (
        SELECT p.* FROM projects_project p WHERE {scope("p.id")}
        ORDER BY p.planned_start DESC, p.code LIMIT %(limit)s OFFSET %(offset)s
    )
    SELECT page.id, page.code, page.iati_identifier, page.title, page.description,
        page.status, page.planned_start, page.planned_end, page.actual_start, page.actual_end,
        page.budget, page.currency, page.target_groups, page.objectives,
        page.key_achievements, page.text_language, page.budget_not_provided,
        page.default_flow_type, page.default_finance_type, page.default_aid_type,
        page.default_tied_status, page.collaboration_type, page.activity_scope,
        page.contact_email, page.version, page.updated_at,
        (SELECT count(*) FROM projects_project p WHERE {scope("p.id")}) AS total,
        ro.id, ro.name, ro.acronym,
        (SELECT sum(t.value) FROM projects_transaction t WHERE t.project_id = page.id
            AND t.kind IN (3, 4) AND t.currency = page.currency) AS spent,
        (SELECT json_agg(json_build_array(ta.code, ta.name) ORDER BY ta.code)
            FROM projects_project_thematic_areas pt
            JOIN projects_thematicarea ta ON ta.id = pt.thematicarea_id
            WHERE pt.project_id = page.id) AS thematic_areas,
        (SELECT json_agg(json_build_array(o.id, o.name, o.acronym, f.amount, f.currency,
                CASE WHEN f.currency = page.currency AND page.budget > 0
                THEN round(f.amount * 100 / page.budget, 1) END)
                ORDER BY f.amount DESC, o.name)
            FROM projects_funding f JOIN projects_organisation o ON o.id = f.donor_id
            WHERE f.project_id = page.id) AS fundings,
        (SELECT json_agg(json_build_array(c.code, c.name_en, rc.percentage)
                ORDER BY rc.percentage DESC, c.name_en)
            FROM projects_recipientcountry rc JOIN projects_country c ON c.id = rc.country_id
            WHERE rc.project_id = page.id) AS countries,
        (SELECT json_agg(json_build_array(o.id, o.name, o.acronym, po.role)
                ORDER BY po.role, o.name)
            FROM projects_participatingorganisation po
            JOIN projects_organisation o ON o.id = po.organisation_id
            WHERE po.project_id = page.id) AS participating_organisations,
        (SELECT json_agg(json_build_array(ps.code, ps.percentage)
                ORDER BY ps.percentage DESC, ps.code)
            FROM projects_projectsector ps WHERE ps.project_id = page.id) AS sectors
    FROM page LEFT JOIN projects_organisation ro ON ro.id = page.reporting_organisation_id
    ORDER BY page.planned_start DESC, page.code
    """


def TRANSACTIONS_PAGE(scope: Callable[[str], str]) -> str:  # noqa: N802
    return f"""
    WITH page AS (
        SELECT t.* FROM projects_transaction t WHERE {scope("t.project_id")}
        ORDER BY t.date DESC, t.id DESC LIMIT %(limit)s OFFSET %(offset)s
    )
    SELECT t.id, p.code, t.kind, t.date, t.value, t.currency,
        pr.id, pr.name, pr.acronym, re.id, re.name, re.acronym, t.description,
        (SELECT count(*) FROM projects_transaction t2 WHERE {scope("t2.project_id")}) AS total
    FROM page t
    JOIN projects_project p ON p.id = t.project_id
    LEFT JOIN projects_organisation pr ON pr.id = t.provider_id
    LEFT JOIN projects_organisation re ON re.id = t.receiver_id
    ORDER BY t.date DESC, t.id DESC
    """


def SESSIONS_PAGE(scope: Callable[[str], str]) -> str:  # noqa: N802
    """Sessions with participants (registered who attended plus counts by sex)."""
    return f"""
    WITH page AS (
        SELECT s.* FROM trainings_trainingsession s WHERE {scope("s.project_id")}
        ORDER BY s.start_date DESC, s.title, s.id LIMIT %(limit)s OFFSET %(offset)s
    ),
    registered AS (
        SELECT a.session_id, count(*) AS total,
            count(*) FILTER (WHERE pe.sex = 'female') AS female,
            count(*) FILTER (WHERE pe.sex = 'male') AS male
        FROM trainings_attendance a JOIN trainings_person pe ON pe.id = a.person_id
        WHERE a.attended AND a.session_id IN (SELECT id FROM page)
        GROUP BY a.session_id
    ),
    counted AS (
        SELECT c.session_id, sum(c.count) AS total,
            sum(c.count) FILTER (WHERE c.sex = 'female') AS female,
            sum(c.count) FILTER (WHERE c.sex = 'male') AS male
        FROM trainings_participantcount c
        WHERE c.dimension = 'sex' AND c.session_id IN (SELECT id FROM page)
        GROUP BY c.session_id
    )
    SELECT page.id, p.code, page.title, page.kind, page.topics, page.city, page.venue,
        page.start_date, page.end_date, page.language, page.status, page.notes,
        page.version, page.updated_at, hc.code,
        (SELECT count(*) FROM trainings_trainingsession s WHERE {scope("s.project_id")}),
        coalesce(r.total, 0) + coalesce(c.total, 0),
        coalesce(r.female, 0) + coalesce(c.female, 0),
        coalesce(r.male, 0) + coalesce(c.male, 0),
        (SELECT json_agg(au.code) FROM trainings_trainingsession_audiences sa
            JOIN trainings_audience au ON au.id = sa.audience_id
            WHERE sa.trainingsession_id = page.id),
        (SELECT json_agg(json_build_array(o.id, o.name, o.acronym) ORDER BY o.name)
            FROM trainings_trainingsession_partners sp
            JOIN projects_organisation o ON o.id = sp.organisation_id
            WHERE sp.trainingsession_id = page.id),
        (SELECT json_agg(json_build_array(o.id, o.name, o.acronym) ORDER BY o.name)
            FROM trainings_trainingsession_facilitators sf
            JOIN projects_organisation o ON o.id = sf.organisation_id
            WHERE sf.trainingsession_id = page.id),
        (SELECT json_agg(si.indicator_id) FROM trainings_trainingsession_indicators si
            WHERE si.trainingsession_id = page.id)
    FROM page
    JOIN projects_project p ON p.id = page.project_id
    LEFT JOIN projects_country hc ON hc.id = page.host_country_id
    LEFT JOIN registered r ON r.session_id = page.id
    LEFT JOIN counted c ON c.session_id = page.id
    ORDER BY page.start_date DESC, page.title, page.id
    """
