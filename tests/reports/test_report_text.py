import pytest

from reports.templatetags.report_text import isolate, text_dir


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("Victim identification, session 1.", "ltr"),
        ("تدريب مفتشي العمل", "rtl"),
        ("2021: تدريب", "rtl"),
        ("(3) Training in بيروت", "ltr"),
        ("", "ltr"),
        (None, "ltr"),
    ],
)
def test_direction_follows_the_first_letter(text, direction):
    assert text_dir(text) == direction


def test_isolate_wraps_text_in_a_first_strong_isolate():
    assert isolate("officers") == "\u2068officers\u2069"
    assert isolate("") == ""
    assert isolate(None) == ""
