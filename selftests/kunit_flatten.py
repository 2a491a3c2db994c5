#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn KUnit debugfs results into one flat KTAP line per test case.

Usage: kunit_flatten.py DIR SUITE...  (DIR/SUITE holds that suite's results)

A suite whose results are missing or hold no test case counts as a failure:
a suite that did not run must not look like one that passed.
"""
import re
import sys

LINE = re.compile(r'^(\s*)(not ok|ok) (\d+) (?:- )?(\S+)(.*)$')


def cases(text):
    """Yield (ok, name, directive) for each test case of one suite."""
    results = []
    for raw in text.splitlines():
        m = LINE.match(raw)
        if m:
            results.append((len(m.group(1)), m.group(2) == 'ok',
                            m.group(4), m.group(5)))
    if not results:
        return []
    suite_indent = min(r[0] for r in results)
    deeper = sorted({r[0] for r in results if r[0] > suite_indent})
    if not deeper:
        return []
    case_indent = deeper[0]
    return [(ok, name, rest) for ind, ok, name, rest in results
            if ind == case_indent]


def main():
    directory, suites = sys.argv[1], sys.argv[2:]
    out = []
    for suite in suites:
        try:
            with open(f'{directory}/{suite}', encoding='utf-8') as f:
                text = f.read()
        except OSError:
            text = ''
        found = cases(text)
        if not found:
            out.append((False, f'{suite}: suite did not run', ''))
            continue
        for ok, name, rest in found:
            if 'SKIP' in rest:
                ok = False
                rest = f'{rest} (a skipped case is not a pass)'
            out.append((ok, f'{suite}.{name}', rest.strip()))
            if not ok:
                for raw in text.splitlines():
                    if raw.strip().startswith('#'):
                        out.append((None, raw.strip(), ''))
    print('TAP version 13')
    print(f'1..{sum(1 for o in out if o[0] is not None)}')
    n = 0
    failed = 0
    for ok, desc, rest in out:
        if ok is None:
            print(f'# {desc}')
            continue
        n += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {desc}{' ' + rest if rest else ''}")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
