# Vietnamese writes thousands with a dot (50.570) in groups of three; Django's own Vietnamese formats name the
# separator but not the grouping, so grouped numbers came out as 50570.
NUMBER_GROUPING = 3

# Dates typed into a form. Django's Vietnamese formats name none, so it fell back to its global, American list
# and read "01/12/2021" as 12 January. Vietnamese puts the day first: official documents are dated "ngày ...
# tháng ... năm ..." (Decree 30/2020/NĐ-CP, Appendix I), and written in figures dd/mm/yyyy, as the Ministry's
# documents in RULES.md are ("QĐ 3638/QĐ-BYT, 30/07/2021"). ISO stays first: it is what <input type="date"> sends
# and what Django writes into form fields, and it cannot be misread. "d-m-Y" is SHORT_DATE_FORMAT, how
# Django's Vietnamese formats show dates in lists, so a date copied from a list reads back as the same date.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2021-12-01
    "%d/%m/%Y",  # 01/12/2021
    "%d/%m/%y",  # 01/12/21
    "%d-%m-%Y",  # 01-12-2021
    "%d.%m.%Y",  # 01.12.2021
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
    "%d-%m-%Y %H:%M",
    "%H:%M %d-%m-%Y",  # SHORT_DATETIME_FORMAT, "H:i d-m-Y"
    "%H:%M %d/%m/%Y",
]
