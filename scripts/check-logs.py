#!/usr/bin/env python3
"""Searches the service's logs written by the test suite for phone numbers.

Usage: check-logs.py DIR [--known FILE] [--min-requests N]

Every file in DIR (the tests write one per test process) is read line by line. A line fails
when it holds
  - anything that looks like a mainland mobile number: 1[3-9] and nine more digits, not inside a
    longer run of digits (UUIDs, which the logs are full of, are left out first: a UUID's hex
    groups can hold such a run by chance), or
  - one of the known numbers in FILE (one a line, `#` comments), with or without spaces, dashes
    or a +86 prefix between its digits.
The failing lines are printed with their file and line number, and the exit status is 1. So that
an empty search cannot pass, it also fails when DIR holds no log file, no line, or fewer than N
request lines (lines of a request's span: `"http.target"`; default 1). It prints how many files,
lines and request lines it searched.
"""

import argparse
import os
import re
import sys

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
REQUEST = '"http.target"'


def known_patterns(path):
    pats = []
    if not path:
        return pats
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            digits = re.sub(r"\D", "", line)
            if digits.startswith("86") and len(digits) == 13:
                digits = digits[2:]
            if not digits:
                continue
            sep = r"[\s\-]*"
            body = sep.join(re.escape(d) for d in digits)
            pats.append((line, re.compile(r"(?<!\d)(?:\+?86" + sep + r")?" + body + r"(?!\d)")))
    return pats


def main():
    ap = argparse.ArgumentParser(description="Search test logs for phone numbers.")
    ap.add_argument("dir")
    ap.add_argument("--known", help="file of known phone numbers, one a line")
    ap.add_argument("--min-requests", type=int, default=1)
    args = ap.parse_args()

    known = known_patterns(args.known)
    files = []
    if os.path.isdir(args.dir):
        files = sorted(
            os.path.join(args.dir, n)
            for n in os.listdir(args.dir)
            if os.path.isfile(os.path.join(args.dir, n))
        )
    lines = requests = 0
    hits = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for no, line in enumerate(f, 1):
                lines += 1
                if REQUEST in line:
                    requests += 1
                text = UUID.sub("<uuid>", line)
                why = []
                m = MOBILE.search(text)
                if m:
                    why.append("mobile number " + m.group(0))
                for name, pat in known:
                    if pat.search(text):
                        why.append("known number " + name)
                if why:
                    hits.append(f"{path}:{no}: [{'; '.join(why)}] {line.rstrip()[:400]}")

    summary = (
        f"check-logs: searched {len(files)} log file(s), {lines} line(s), "
        f"{requests} request line(s) in {args.dir}"
    )
    status = 0
    for h in hits:
        print(h)
    if hits:
        print(f"{summary}: {len(hits)} line(s) with a phone number")
        status = 1
    elif not files or lines == 0:
        print(f"{summary}: no logs were written, so nothing was checked")
        status = 1
    elif requests < args.min_requests:
        print(f"{summary}: fewer than {args.min_requests} request line(s), so request logging is off")
        status = 1
    else:
        print(f"{summary}: no phone number")
    return status


if __name__ == "__main__":
    sys.exit(main())
