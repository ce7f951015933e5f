# 31 Dec 2015, 31 Dec 2015, 14:05: the day first, the month by name, a 24-hour clock.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
# Excel's number format for the same dates, with the locale whose month names it uses.
XLSX_DATE = "[$-809]d mmm yyyy"
XLSX_DATETIME = "[$-809]d mmm yyyy, hh:mm"
