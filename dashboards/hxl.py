"""HXL hashtags (https://hxlstandard.org/standard/dictionary/) of figures' columns.

A figure in long format has one column per dimension (its code, then its
label) and a value: these are the core-schema hashtags the CSV answers of the
API put under their headers when asked with ``?hxl=1``.
"""

from __future__ import annotations

DIMENSION_HASHTAGS = {
    "currency": "#currency",
    "country": "#country+code",
    "nationality": "#country+nationality+code",
    "sex": "#group+sex+code",
    "age_band": "#group+age+code",
    "audience": "#group+audience+code",
    "institution_type": "#org+type+code",
    "session_kind": "#activity+type+code",
    "year": "#date+year",
    "quarter": "#meta+quarter",
    "project": "#activity+id",
    "donor": "#org+funder+id",
    "status": "#status+code",
    "case_status": "#status+case+code",
    "exploitation_type": "#group+exploitation+code",
    "service_kind": "#service+code",
    "indicator": "#indicator+id",
    "measure": "#indicator+measure+code",
    "output_kind": "#output+type+code",
    "language": "#meta+language+code",
    "stage": "#status+stage+code",
    "instrument": "#item+instrument+code",
    "channel": "#channel+code",
}


def dimension_hashtag(code: str) -> str:
    """The hashtag of a dimension's code column."""
    return DIMENSION_HASHTAGS.get(code, f"#meta+{code}")


def label_hashtag(code: str) -> str:
    """The hashtag of a dimension's label column: the same, naming instead of coding."""
    tag = dimension_hashtag(code)
    if code == "year":
        return "#meta+year+name"
    return tag.replace("+code", "").replace("+id", "") + "+name"


def value_hashtag(*, unit: str, sensitivity: str | None) -> str:
    """Money is a #value; victims counted are #affected, people trained #reached."""
    if unit == "money":
        return "#value"
    return {"case": "#affected", "training": "#reached"}.get(sensitivity or "", "#indicator+num")
