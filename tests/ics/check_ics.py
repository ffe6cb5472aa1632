"""Parses a dutydesk iCalendar feed with the `icalendar` library and checks what a phone
calendar app relies on. Usage: check_ics.py FILE EXPECTED_EVENTS TZID START_HOUR END_HOUR"""
import sys

from icalendar import Calendar


def main() -> int:
    path, expected, tzid, start_hour, end_hour = sys.argv[1:6]
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    problems = []
    if len(events) != int(expected):
        problems.append(f"{len(events)} events, expected {expected}")
    uids = {str(e["UID"]) for e in events}
    if len(uids) != len(events):
        problems.append("UIDs are not unique")
    for e in events:
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        if str(getattr(start.tzinfo, "zone", None) or start.tzinfo) != tzid and e["DTSTART"].params.get("TZID") != tzid:
            problems.append(f"{e['UID']}: DTSTART zone {start.tzinfo}, expected {tzid}")
        if start.hour != int(start_hour) or end.hour != int(end_hour):
            problems.append(f"{e['UID']}: {start} – {end}, expected {start_hour}:00–{end_hour}:00")
        if not str(e["SUMMARY"]).startswith("督导值班"):
            problems.append(f"{e['UID']}: summary {e['SUMMARY']!r}")
    if not any(c.name == "VTIMEZONE" for c in cal.walk()):
        problems.append("no VTIMEZONE")
    for p in problems:
        print(p, file=sys.stderr)
    print(f"ics: {len(events)} events checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
