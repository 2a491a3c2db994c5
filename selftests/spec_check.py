#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the YNL spec of the dynmem family matches its uapi header.

Every constant, enum, attribute set, command and multicast group of
Documentation/netlink/specs/dynmem.yaml must exist in uapi/linux/dynmem.h
with the same value, and every enum and DYNMEM_* macro of the header must
be described by the spec. Values come from a small C program compiled
against the header, so they are what a C user of the header sees.

Output is KTAP; the exit status is 0 when every check passes, 1 when one
fails and 4 (kselftest "skip") when no C compiler or PyYAML is available.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

KSFT_SKIP = 4
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def c_name(name):
    """Spec spelling to C spelling: dynmem-vm-a-name -> DYNMEM_VM_A_NAME."""
    return name.upper().replace('-', '_')


class Header:
    """Enums and macros of a uapi header, with the values C sees."""

    def __init__(self, path, cc):
        self.path = path
        self.cc = cc
        self.incdir = os.path.dirname(os.path.dirname(path))
        self.include = os.path.relpath(path, self.incdir)
        self.macros = self._macros()
        self.enums = self._enums()
        self.values = self._values()

    def _cpp(self, *args):
        return subprocess.run([self.cc, '-E', '-P', *args, '-I', self.incdir,
                               self.path], check=True, capture_output=True,
                              text=True).stdout

    def _macros(self):
        """DYNMEM_* and __DYNMEM_* macros: name -> replacement text."""
        macros = {}
        for line in self._cpp('-dM').splitlines():
            m = re.match(r'#define\s+(_*DYNMEM_\w+)\s+(.*)$', line)
            if m:
                macros[m.group(1)] = m.group(2).strip()
        return macros

    def _enums(self):
        """Named enums: enum name -> list of constant names, in order."""
        text = self._cpp()
        enums = {}
        for m in re.finditer(r'enum\s+(\w+)\s*\{(.*?)\}\s*;', text, re.S):
            names = []
            for item in m.group(2).split(','):
                item = item.strip()
                if item:
                    names.append(re.match(r'(\w+)', item).group(1))
            enums[m.group(1)] = names
        return enums

    def _values(self):
        """Every enum constant and macro: name -> int or str."""
        lines = ['#include <stdio.h>', '#include <%s>' % self.include,
                 'int main(void)', '{']
        for names in self.enums.values():
            for name in names:
                lines.append('\tprintf("i %s %%lld\\n", (long long)%s);'
                             % (name, name))
        for name, text in self.macros.items():
            if text.startswith('"'):
                lines.append('\tprintf("s %s %%s\\n", %s);' % (name, name))
            elif text:
                lines.append('\tprintf("i %s %%lld\\n", (long long)(%s));'
                             % (name, name))
        lines += ['\treturn 0;', '}']

        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, 'values.c')
            exe = os.path.join(tmp, 'values')
            with open(src, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            subprocess.run([self.cc, '-std=c99', '-Wall', '-Werror',
                            '-I', self.incdir, '-o', exe, src], check=True,
                           capture_output=True, text=True)
            out = subprocess.run([exe], check=True, capture_output=True,
                                 text=True).stdout
        values = {}
        for line in out.splitlines():
            kind, name, value = line.split(' ', 2)
            values[name] = int(value) if kind == 'i' else value
        return values


class Checker:
    def __init__(self, spec, header):
        self.spec = spec
        self.hdr = header
        self.results = []
        self.covered_macros = set()

    def check(self, ok, desc, diag=None):
        self.results.append((bool(ok), desc, diag))

    def expect_value(self, name, want, what):
        got = self.hdr.values.get(name)
        self.covered_macros.add(name)
        if got is None:
            self.check(False, '%s %s' % (what, name), 'missing in the header')
        else:
            self.check(got == want, '%s %s = %r' % (what, name, want),
                       None if got == want else 'header has %r' % (got,))

    def expect_enum(self, enum_name, entries, what, cnt_name=None,
                    max_name=None):
        """entries: list of (C name, value) in spec order."""
        hdr_names = self.hdr.enums.get(enum_name)
        if hdr_names is None:
            self.check(False, '%s enum %s' % (what, enum_name),
                       'missing in the header')
            return
        for name, value in entries:
            self.expect_value(name, value, what)
        want = [n for n, _ in entries]
        if cnt_name:
            want.append(cnt_name)
        extra = [n for n in hdr_names if n not in want]
        missing = [n for n in want if n not in hdr_names]
        self.check(not extra and not missing,
                   'enum %s has exactly the entries of the spec' % enum_name,
                   'header only: %s; spec only: %s' % (extra, missing)
                   if extra or missing else None)
        if cnt_name:
            last = max(v for _, v in entries)
            self.expect_value(cnt_name, last + 1, what)
            if max_name:
                self.expect_value(max_name, last, what)

    def run(self):
        spec = self.spec

        self.expect_value(c_name(spec['c-family-name']), spec['name'],
                          'family name')
        self.expect_value(c_name(spec['c-version-name']),
                          spec.get('version', 1), 'family version')

        for d in spec.get('definitions', []):
            if d['type'] == 'const':
                self.expect_value(c_name('dynmem-' + d['name']), d['value'],
                                  'const')
            elif d['type'] == 'enum':
                prefix = d.get('name-prefix', 'dynmem-%s-' % d['name'])
                value = d.get('value-start', 0)
                entries = []
                for e in d['entries']:
                    if isinstance(e, dict):
                        value = e.get('value', value)
                        e = e['name']
                    entries.append((c_name(prefix + e), value))
                    value += 1
                self.expect_enum(d['enum-name'], entries, 'enum entry')

        for aset in spec['attribute-sets']:
            prefix = aset['name-prefix']
            value = 1
            entries = []
            for a in aset['attributes']:
                value = a.get('value', value)
                entries.append((c_name(prefix + a['name']), value))
                value += 1
            self.expect_enum(aset['enum-name'], entries, 'attribute',
                             c_name(aset['attr-cnt-name']),
                             c_name(aset['attr-max-name']))

        ops = spec['operations']
        value = 1
        entries = []
        for op in ops['list']:
            value = op.get('value', value)
            entries.append((c_name(ops['name-prefix'] + op['name']), value))
            value += 1
        self.expect_enum(ops['enum-name'], entries, 'command',
                         c_name(ops['cmd-cnt-name']),
                         c_name(ops['cmd-max-name']))

        for grp in spec.get('mcast-groups', {}).get('list', []):
            self.expect_value(c_name(grp['c-define-name']), grp['name'],
                              'multicast group')

        guard = '_UAPI_LINUX_DYNMEM_H'
        extra = sorted(m for m in self.hdr.macros
                       if m not in self.covered_macros and m != guard)
        self.check(not extra, 'every DYNMEM_* macro of the header is in the spec',
                   'not in the spec: %s' % ', '.join(extra) if extra else None)

        known = {d['enum-name'] for d in spec.get('definitions', [])
                 if d['type'] == 'enum'}
        known |= {a['enum-name'] for a in spec['attribute-sets']}
        known.add(ops['enum-name'])
        extra = sorted(set(self.hdr.enums) - known)
        self.check(not extra, 'every enum of the header is in the spec',
                   'not in the spec: %s' % ', '.join(extra) if extra else None)


def ktap_skip(reason):
    print('TAP version 13')
    print('1..0 # SKIP %s' % reason)
    sys.exit(KSFT_SKIP)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--spec', default=os.path.join(
        TOP, 'Documentation/netlink/specs/dynmem.yaml'))
    ap.add_argument('--header', default=os.path.join(
        TOP, 'uapi/linux/dynmem.h'))
    args = ap.parse_args()

    try:
        import yaml
    except ImportError:
        ktap_skip('PyYAML (python3-yaml) is not installed')
    cc = os.environ.get('CC', 'cc')
    if not shutil.which(cc):
        ktap_skip('no C compiler (%s)' % cc)

    with open(args.spec) as f:
        spec = yaml.safe_load(f)
    try:
        header = Header(os.path.abspath(args.header), cc)
    except subprocess.CalledProcessError as e:
        print('TAP version 13')
        print('1..1')
        print('not ok 1 - header %s compiles' % args.header)
        for line in (e.stderr or '').splitlines():
            print('# ' + line)
        return 1

    checker = Checker(spec, header)
    checker.run()

    print('TAP version 13')
    print('1..%d' % len(checker.results))
    failed = 0
    for i, (ok, desc, diag) in enumerate(checker.results, 1):
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, desc))
        if diag:
            print('# ' + diag)
        failed += not ok
    print('# totals: pass:%d fail:%d' % (len(checker.results) - failed,
                                         failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
