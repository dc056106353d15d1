# Dates typed into a form in English. Django's English formats read "01/12/2021" month first (12 January); in
# Vietnam, where the officials and residents using the English pages live, it means 1 December, as in British
# English. So the day comes first here too; ISO stays first, as in Vietnamese (phongdich/formats/vi/formats.py).
# Everything else is Django's English.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2021-12-01
    "%d/%m/%Y",  # 01/12/2021
    "%d/%m/%y",  # 01/12/21
    "%d-%m-%Y",  # 01-12-2021
    "%d %b %Y",  # 01 Dec 2021
    "%d %B %Y",  # 01 December 2021
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
