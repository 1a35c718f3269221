"""Lists the tests that pass in one run and not in another, with the other run's status and first
line: what passes direct but fails through the gateway.
Usage: compare.py [--expected FILE] [--second-run SECOND.tsv | --unlisted] BASE.tsv OTHER.tsv
  --expected FILE   the differences the suite's README explains (FILE: per line the run they are
                    expected in, e.g. gateway-sp1, a tab, the test id, a tab, the reason; #
                    comments); those of OTHER's run (its file name without .tsv): a listed test
                    that fails in OTHER is not counted as a failure, one that passes is reported as
                    listed in vain. Prints the totals line
                    the suites print, "N passed, N failed": passed, the tests that pass in both;
                    failed, those that pass in BASE only and are not listed.
  --unlisted        prints only the ids of the tests that pass in BASE, not in OTHER, and are not
                    listed: what a second run asks again
  --second-run SECOND.tsv
                    a second run of those tests: one that passes there is counted as passed and
                    printed as passing on its second run (Tempest's tests share a cloud, and some
                    fail now and then whatever runs them; at the SP, directly too)
"""
import os
import sys


def read(path):
    with open(path) as f:
        return {cols[0]: cols for cols in (line.rstrip('\n').split('\t') for line in f)}


def read_expected(path, run):
    """The tests expected to differ in `run`, with their reasons."""
    expected = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                where, test, reason = (line.rstrip('\n').split('\t') + ['', ''])[:3]
                if where == run:
                    expected[test] = reason
    return expected


def lost_tests(base, other):
    """The tests that pass in base and not in other, each with other's status and message."""
    passed = [t for t, cols in base.items() if cols[1] == 'success']
    lost = {}
    for t in passed:
        if t in other and other[t][1] == 'success':
            continue
        status, message = (other[t][1], other[t][3]) if t in other else ('absent', '')
        fixture = other.get('setUpClass (%s)' % t.rsplit('.', 1)[0])
        if t not in other and fixture:  # the class never ran its tests: say why
            status, message = fixture[1], 'setUpClass: ' + fixture[3]
        lost[t] = (status, message)
    return passed, lost


def main(args):
    expected_path, second_path, unlisted_only = None, None, False
    while args[0].startswith('--'):
        if args[0] == '--unlisted':
            unlisted_only, args = True, args[1:]
        elif args[0] == '--expected':
            expected_path, args = args[1], args[2:]
        else:
            second_path, args = args[1], args[2:]
    base_path, other_path = args
    run = os.path.basename(other_path)[:-len('.tsv')]
    expected = read_expected(expected_path, run) if expected_path else {}
    passed, lost = lost_tests(read(base_path), read(other_path))
    if unlisted_only:
        for t in sorted(t for t in lost if t not in expected):
            print(t)
        return
    second = read(second_path) if second_path and os.path.exists(second_path) else {}
    for t in [t for t in lost if t not in expected and second.get(t, [t, ''])[1] == 'success']:
        print('passed on its second run: %s (first: %s\t%s)' % (t, *lost.pop(t)))
    failed = 0
    for t in sorted(lost):
        status, message = lost[t]
        known = t in expected
        failed += 0 if known else 1
        print('%s%s\t%s\t%s' % ('(listed) ' if known else '', t, status, message))
    for t in sorted(set(expected) & set(passed) - set(lost)):
        print('listed as a difference but passes: %s' % t)
    print('%d of %d passing in %s pass in %s' % (len(passed) - len(lost), len(passed), base_path, other_path), file=sys.stderr)
    if expected_path:
        print('%d passed, %d failed' % (len(passed) - len(lost), failed))


if __name__ == '__main__':
    main(sys.argv[1:])
