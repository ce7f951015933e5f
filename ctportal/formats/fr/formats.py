# 31 déc. 2015: French abbreviates months in lower case with a full stop ("N"), where
# "M" would give "Déc".
DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "N Y"
MONTH_DAY_FORMAT = "j N"
XLSX_DATE = "[$-40C]d mmm yyyy"
XLSX_DATETIME = "[$-40C]d mmm yyyy, hh:mm"
