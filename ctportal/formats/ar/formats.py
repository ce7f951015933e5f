# 31 ديسمبر 2015: Arabic does not abbreviate month names; digits stay 0–9 as in amounts.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
XLSX_DATE = "[$-C01]d mmmm yyyy"
XLSX_DATETIME = "[$-C01]d mmmm yyyy, hh:mm"
