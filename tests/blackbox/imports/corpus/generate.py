#!/usr/bin/env python3
"""Writes the CSV upload corpus: real-world-shaped files (good, bad and nasty) and, beside
each, the report we expect from checking it against the base register that the black-box
test creates (Alan Harbour, Bella Stone, Carl Ended; see tests/blackbox/imports.rs).

The expectations are written by hand here, row by row: `rows` maps an Excel row number to
its kind; `errors` maps a row to words its reasons must contain; `names` to the name the
report must show (encodings). Run it again after changing a file: python3 generate.py
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
COLS = ["NHS Number", "System ID", "First Name", "Family Name", "Date of Birth", "Gender",
        "Ethnicity", "Postcode", "Learning Disability", "GP Practice", "GP Out of County",
        "Responsible Local Authority", "Responsible Clinical Commissioner", "Place Detained",
        "Date Detained", "S117 Start Date", "S117 Qualifying Section", "S117 End Date", "End Reason"]


def nhs(nine):
    """A valid NHS number (Modulus 11) from its first nine digits, spaced 3-3-4."""
    s = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    c = 11 - s % 11
    c = 0 if c == 11 else c
    assert c != 10, nine
    n = nine + str(c)
    return f"{n[:3]} {n[3:6]} {n[6:]}"


def person(i, **kw):
    """A new person, complete and valid, numbered i (unique NHS number, system ID, names)."""
    base = 100000 + i * 7
    for k in range(50):
        nine = f"999{base + k:06d}"
        try:
            number = nhs(nine)
            break
        except AssertionError:
            continue
    row = {
        "NHS Number": number, "System ID": f"SYS{i:05d}", "First Name": f"Test{chr(65 + i % 26)}",
        "Family Name": f"Person{i}", "Date of Birth": "10/03/1992", "Gender": "2", "Ethnicity": "A",
        "Postcode": "ST4 2DN", "Learning Disability": "No", "GP Practice": "Hanley Surgery",
        "GP Out of County": "No", "Responsible Local Authority": "Stoke-on-Trent",
        "Responsible Clinical Commissioner": "sicbl:05W", "Place Detained": "harplands",
        "Date Detained": "06/01/2025", "S117 Start Date": "01/03/2025",
        "S117 Qualifying Section": "s3", "S117 End Date": "", "End Reason": "",
    }
    row.update(kw)
    return row


# Alan Harbour exactly as the base register holds him.
ALAN = {
    "NHS Number": "999 000 0018", "System ID": "9057499", "First Name": "Alan",
    "Family Name": "Harbour", "Date of Birth": "13/02/1980", "Gender": "1", "Ethnicity": "A",
    "Postcode": "ST5 1DS", "Learning Disability": "No", "GP Practice": "Example Surgery",
    "GP Out of County": "No", "Responsible Local Authority": "E10000028",
    "Responsible Clinical Commissioner": "sicbl:05V", "Place Detained": "harplands",
    "Date Detained": "06/01/2025", "S117 Start Date": "01/03/2025", "S117 Qualifying Section": "s3",
    "S117 End Date": "", "End Reason": "",
}
BELLA = dict(ALAN, **{"NHS Number": "", "System ID": "", "First Name": "Bella",
                      "Family Name": "Stone", "Date of Birth": "01/06/1975", "Gender": "2"})
CARL = dict(ALAN, **{"NHS Number": "", "System ID": "CARL-1", "First Name": "Carl",
                     "Family Name": "Ended", "Date of Birth": "02/02/1970"})


def quote(v, sep):
    if any(ch in v for ch in [sep, '"', "\n", "\r"]):
        return '"' + v.replace('"', '""') + '"'
    return v


def render(rows, cols=COLS, sep=",", eol="\r\n", header=None):
    lines = [sep.join(quote(h, sep) for h in (header or cols))]
    for r in rows:
        if r is None:
            lines.append("")
            continue
        lines.append(sep.join(quote(r.get(c, ""), sep) for c in cols))
    return eol.join(lines) + eol


files = {}


def add(name, text, expect, encoding="utf-8"):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    files[name] = (data, expect)


def kinds(**rows):
    return {k.lstrip("r"): v for k, v in rows.items()}


def counts(new=0, updated=0, ended=0, errors=0, no_change=0):
    return {"new": new, "updated": updated, "ended": ended, "errors": errors, "no_change": no_change}

# --- good -----------------------------------------------------------------------------
add("01-good-basic.csv", render([person(1), person(2), person(3)]),
    {"status": 201, "counts": counts(new=3), "total_rows": 3, "encoding": "utf-8",
     "rows": kinds(r2="new", r3="new", r4="new")})
add("02-good-utf8-bom.csv", "\ufeff" + render([person(4, **{"First Name": "Zoë", "Family Name": "O’Neil"})]),
    {"status": 201, "counts": counts(new=1), "encoding": "utf-8", "rows": kinds(r2="new"),
     "names": {"2": "Zoë O’Neil"}})
add("03-good-windows-1252.csv", render([person(5, **{"First Name": "Zoë", "Family Name": "O’Neil"}),
                                        person(6, **{"First Name": "Renée", "Family Name": "Faß"})]),
    {"status": 201, "counts": counts(new=2), "encoding": "windows-1252", "rows": kinds(r2="new", r3="new"),
     "names": {"2": "Zoë O’Neil", "3": "Renée Faß"}}, encoding="cp1252")
add("04-good-semicolon.csv", render([person(7), person(8)], sep=";"),
    {"status": 201, "counts": counts(new=2), "rows": kinds(r2="new", r3="new")})
add("05-quoted-newline.csv", render([person(9, **{"GP Practice": "Hanley Surgery\nBucknall Road"}),
                                     person(10, **{"Family Name": "Smith, Jr"}), person(56)]),
    {"status": 201, "counts": counts(new=2, errors=1), "rows": kinds(r2="error", r3="new", r4="new"),
     "errors": {"2": ["GP Practice", "line breaks"]}, "names": {"3": "TestK Smith, Jr"}})
text = render([person(11), person(12)]).rstrip("\r\n").replace("\r\n", ",,,\r\n") + ",,,\r\n,,,,\r\n\r\n;\r\n"
text = text.replace("End Reason,,,", "End Reason,,,")
add("06-trailing-empty-rows-and-columns.csv", text.replace(",,,,\r\n\r\n;\r\n", ",,,,\r\n\r\n"),
    {"status": 201, "counts": counts(new=2), "ignored_columns": [], "rows": kinds(r2="new", r3="new")})
shuffled = list(reversed(COLS))
add("07-headers-any-case-and-order.csv",
    render([person(13), person(14)], cols=shuffled, header=[h.upper() if i % 2 else h.lower() for i, h in enumerate(shuffled)]),
    {"status": 201, "counts": counts(new=2), "rows": kinds(r2="new", r3="new")})
extra = COLS[:3] + ["Favourite Colour"] + COLS[3:] + ["Keyworker"]
r = person(15); r["Favourite Colour"] = "Blue"; r["Keyworker"] = "J Bloggs"
add("08-extra-columns-ignored.csv", render([r], cols=extra),
    {"status": 201, "counts": counts(new=1), "ignored_columns": ["Favourite Colour", "Keyworker"], "rows": kinds(r2="new")})
add("09-dates-in-three-formats.csv", render([
    person(16, **{"Date of Birth": "1/3/1992", "Date Detained": "6/1/2025", "S117 Start Date": "1/3/2025"}),
    person(17, **{"Date of Birth": "1992-03-10", "Date Detained": "2025-01-06", "S117 Start Date": "2025-03-01"}),
    person(18, **{"Date of Birth": " 10/03/1992 "})]),
    {"status": 201, "counts": counts(new=3), "rows": kinds(r2="new", r3="new", r4="new")})
add("10-date-zeros.csv", render([person(19, **{"Date of Birth": "00/00/0000"}), person(20)]),
    {"status": 201, "counts": counts(new=1, errors=1), "rows": kinds(r2="error", r3="new"),
     "errors": {"2": ["Date of Birth", "real date"]}})
add("11-dates-impossible-and-two-digit-years.csv", render([
    person(21, **{"Date of Birth": "31/02/1980"}),
    person(22, **{"Date Detained": "06/01/25"}),
    person(23, **{"S117 Start Date": "March 2025"})]),
    {"status": 201, "counts": counts(errors=3), "rows": kinds(r2="error", r3="error", r4="error"),
     "errors": {"2": ["Date of Birth", "real date"], "3": ["Date Detained", "4 numbers"], "4": ["S117 Start Date", "format"]}})
add("12-nhs-numbers-with-and-without-spaces.csv", render([
    person(24), person(25, **{"NHS Number": nhs("999100200").replace(" ", "")}),
    person(26, **{"NHS Number": "  " + nhs("999100300").replace(" ", "  ") + " "})]),
    {"status": 201, "counts": counts(new=3), "rows": kinds(r2="new", r3="new", r4="new")})
add("13-nhs-number-bad-check-digit.csv", render([person(27, **{"NHS Number": "999 000 0019"}), person(28, **{"NHS Number": "12345"})]),
    {"status": 201, "counts": counts(errors=2), "rows": kinds(r2="error", r3="error"),
     "errors": {"2": ["NHS Number"], "3": ["NHS Number"]}})
add("14-codes-and-names.csv", render([
    person(29, **{"Gender": "Female", "Ethnicity": "White - British", "Responsible Local Authority": "E06000021",
                  "Responsible Clinical Commissioner": "05W", "S117 Qualifying Section": "Section 37",
                  "Place Detained": "Harplands Hospital"}),
    person(30, **{"Gender": "female", "Responsible Local Authority": "STOKE-ON-TRENT CITY COUNCIL",
                  "Responsible Clinical Commissioner": "NHS Staffordshire and Stoke-on-Trent ICB - 05W",
                  "S117 Qualifying Section": "S3"})]),
    {"status": 201, "counts": counts(new=2), "rows": kinds(r2="new", r3="new")})
add("15-legacy-ccg-name.csv", render([
    person(31, **{"Responsible Local Authority": "Staffordshire", "Responsible Clinical Commissioner": "NHS STAFFORD AND SURROUNDS CCG"}),
    person(32, **{"Responsible Clinical Commissioner": "NHS NORTH STAFFORDSHIRE CCG"})]),
    {"status": 201, "counts": counts(new=2), "rows": kinds(r2="new", r3="new")})
add("16-abolished-councils.csv", render([
    person(33, **{"Responsible Local Authority": "Dorset County Council"}),
    person(34, **{"Responsible Local Authority": "Cumbria County Council"})]),
    {"status": 201, "counts": counts(new=1, errors=1), "rows": kinds(r2="new", r3="error"),
     "errors": {"3": ["Responsible Local Authority", "more than one"]}})
add("17-unknown-codes.csv", render([
    person(35, **{"Responsible Local Authority": "Narnia", "Gender": "M?", "Place Detained": "Nowhere Ward"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"),
     "errors": {"2": ["Responsible Local Authority", "Narnia", "Gender", "Place Detained"]}})
dup = person(36)
add("18-duplicates-inside-the-file.csv", render([
    dup, person(37), dict(dup, **{"Postcode": "ST1 1AA"}),
    person(38, **{"First Name": "Same", "Family Name": "Name", "NHS Number": "", "System ID": ""}),
    person(39, **{"First Name": "same", "Family Name": "NAME", "NHS Number": "", "System ID": ""})]),
    {"status": 201, "counts": counts(new=3, errors=2), "rows": kinds(r2="new", r3="new", r4="error", r5="new", r6="error"),
     "errors": {"4": ["Row 2", "NHS number"], "6": ["Row 5", "names and date of birth"]}})
add("19-matches-existing-by-nhs-number.csv", render([dict(ALAN, **{"Postcode": "ST16 3SR", "System ID": ""})]),
    {"status": 201, "counts": counts(updated=1), "rows": kinds(r2="updated")})
add("20-matches-existing-by-names-and-dob.csv", render([dict(BELLA, **{"First Name": "BELLA", "Postcode": "ST4 7LF"})]),
    {"status": 201, "counts": counts(updated=1), "rows": kinds(r2="updated")})
add("21-no-change.csv", render([ALAN, dict(ALAN, **{"First Name": "", "NHS Number": "9990000018"})][:1] + [BELLA]),
    {"status": 201, "counts": counts(no_change=2), "rows": kinds(r2="no_change", r3="no_change")})
add("22-end-date-ends-entitlement.csv", render([dict(ALAN, **{"S117 End Date": "01/10/2026", "End Reason": "No longer needs aftercare"})]),
    {"status": 201, "counts": counts(ended=1), "rows": kinds(r2="ended")})
add("23-end-date-for-nobody.csv", render([person(40, **{"S117 End Date": "01/10/2026", "End Reason": "Died"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"), "errors": {"2": ["S117 End Date", "no record"]}})
add("24-end-date-before-start.csv", render([dict(ALAN, **{"S117 End Date": "01/02/2025", "End Reason": "Died"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"), "errors": {"2": ["S117 End Date", "start of S117"]}})
add("25-end-reason-without-date.csv", render([dict(BELLA, **{"End Reason": "Died"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"), "errors": {"2": ["S117 End Date"]}})
add("26-formulas-are-data.csv", render([
    person(41, **{"First Name": "=HYPERLINK(\"http://x.invalid\",\"Click\")", "Family Name": "+Plus"}),
    person(42, **{"First Name": "@SUM(A1:A2)", "Family Name": "-Minus", "GP Practice": "=1+1"})]),
    {"status": 201, "counts": counts(new=2), "rows": kinds(r2="new", r3="new"),
     "names": {"3": "@SUM(A1:A2) -Minus"}, "csv_neutralised": ["'=HYPERLINK", "'@SUM(A1:A2) -Minus"]})
add("27-header-missing-mandatory-columns.csv",
    render([person(43)], cols=["NHS Number", "First Name", "Family Name", "Postcode"]),
    {"status": 422, "problem": "invalid-file", "detail": ["Date of Birth", "Gender", "Responsible Local Authority"]})
add("28-empty-file.csv", b"", {"status": 422, "problem": "invalid-file", "detail": ["empty"]})
add("29-binary-file.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x00\x00\x00[Content_Types].xml\x00\x00\xff\xfe",
    {"status": 422, "problem": "invalid-file", "detail": ["not a CSV"]})
add("30-header-only.csv", render([]), {"status": 422, "problem": "invalid-file", "detail": ["no records"]})
add("31-every-reason-reported.csv", render([person(44, **{
    "First Name": "", "Date of Birth": "31/13/1990", "Gender": "Q", "Postcode": "NOT A POSTCODE",
    "Date Detained": "", "S117 Qualifying Section": "s2"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"),
     "errors": {"2": ["First Name", "Date of Birth", "Gender", "Postcode", "Date Detained", "Section 2"]}})
add("32-future-dates.csv", render([person(45, **{"Date of Birth": "01/01/2030"}),
                                    person(46, **{"Date Detained": "01/01/2027", "S117 Start Date": "02/01/2027"})]),
    {"status": 201, "counts": counts(errors=2), "rows": kinds(r2="error", r3="error"),
     "errors": {"2": ["Date of Birth", "past"], "3": ["Date Detained"]}})
add("33-utf16-unicode-text.csv", b"\xff\xfe" + render([person(47, **{"First Name": "Zoë"})], sep="\t").encode("utf-16-le"),
    {"status": 201, "counts": counts(new=1), "encoding": "utf-16", "rows": kinds(r2="new"), "names": {"2": "Zoë Person47"}})
add("34-matches-existing-by-system-id.csv", render([dict(CARL, **{"GP Practice": "New Surgery"})]),
    {"status": 201, "counts": counts(updated=1), "rows": kinds(r2="updated")})
add("35-already-ended-record.csv", render([dict(CARL, **{"S117 End Date": "01/09/2026", "End Reason": "Died"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"), "errors": {"2": ["already ended"]}})
add("36-fact-sheet-example.csv", render([
    person(48, **{"NHS Number": "999 749 2050" if False else nhs("999749205"), "First Name": "Alan", "Family Name": "Harbourne",
                  "Date of Birth": "00/00/0000", "Postcode": "ST5 1DS", "Responsible Local Authority": "Staffordshire",
                  "Responsible Clinical Commissioner": "NHS STAFFORD AND SURROUNDS CCG"}),
    person(49), person(50), person(51), person(52), person(53), person(54),
    person(55, **{"Postcode": "SK16 3UQ", "Responsible Local Authority": "Walsall",
                  "Responsible Clinical Commissioner": "NHS BLACK COUNTRY AND WEST BIRMINGHAM CCG", "Gender": "Unknown"})]),
    {"status": 201, "counts": counts(new=6, errors=2), "total_rows": 8,
     "rows": kinds(r2="error", r3="new", r4="new", r5="new", r6="new", r7="new", r8="new", r9="error")})
add("37-update-with-other-persons-system-id.csv", render([dict(ALAN, **{"System ID": "CARL-1"})]),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"), "errors": {"2": ["system ID"]}})

# --- who agreed an end (two optional columns after the contract's) ----------------------
AGREED = COLS + ["LA Agreed By", "NHS Agreed By"]
add("38-agreed-by-columns.csv", render([
    dict(ALAN, **{"S117 End Date": "01/10/2026", "End Reason": "No longer needs aftercare",
                  "LA Agreed By": "Dr Ann Lee (Staffordshire)", "NHS Agreed By": "Bob Ray, ICB"}),
    dict(BELLA, **{"S117 End Date": "01/11/2026", "End Reason": "Moved out of area", "LA Agreed By": "Cath Doe"}),
    person(57, **{"LA Agreed By": "Dr Ann Lee"})], cols=AGREED),
    {"status": 201, "counts": counts(ended=2, errors=1), "rows": kinds(r2="ended", r3="ended", r4="error"),
     "errors": {"4": ["S117 End Date", "LA Agreed By"]}})
add("39-agreed-by-too-long.csv", render([
    dict(ALAN, **{"S117 End Date": "01/10/2026", "End Reason": "Died", "NHS Agreed By": "N" * 101})],
    cols=AGREED),
    {"status": 201, "counts": counts(errors=1), "rows": kinds(r2="error"), "errors": {"2": ["NHS Agreed By", "100"]}})

for name, (data, expect) in files.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    with open(os.path.join(HERE, name[:-4] + ".json"), "w") as f:
        json.dump(expect, f, indent=2, ensure_ascii=False)
        f.write("\n")
print(len(files), "files")
