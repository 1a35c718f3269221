"""Reads a Tempest run's subunit stream and writes, under OUT_DIR:
  TARGET.tsv  one line per test: id, status (success, fail, skip), seconds, the failure's or skip's
              first line (the last line of the traceback for a failure: the exception raised)
  TARGET.txt  the counts and the wall time
Usage: summarize.py RESULTS.subunit TARGET WALL_SECONDS OUT_DIR
"""
import os
import re
import sys

import subunit
import testtools

STATUS = {'success': 'success', 'fail': 'fail', 'skip': 'skip', 'xfail': 'success', 'uxsuccess': 'fail'}


def first_line(test):
    for name in ('traceback', 'reason'):
        detail = test['details'].get(name)
        if detail is None:
            continue
        lines = [line for line in detail.as_text().splitlines() if line.strip()]
        if not lines:
            continue
        # a traceback's last line names the exception; a skip reason is one line
        return (lines[-1] if name == 'traceback' else lines[0]).strip()[:300]
    return ''


def main(path, target, wall, out_dir):
    tests = []
    with open(path, 'rb') as f:
        result = testtools.StreamToDict(tests.append)
        result.startTestRun()
        subunit.ByteStreamToStreamResult(f, non_subunit_name='stdout').run(result)
        result.stopTestRun()
    rows = []
    for test in tests:
        test_id = re.sub(r'\[.*\]$', '', test['id'])  # tags such as [id-...,smoke]
        if test_id.startswith('setUpClass') or test_id.startswith('tearDownClass'):
            test_id = test['id']
        start, stop = test['timestamps']
        seconds = (stop - start).total_seconds() if start and stop else 0
        rows.append((test_id, STATUS.get(test['status'], test['status']), '%.1f' % seconds, first_line(test)))
    rows.sort()
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, target + '.tsv'), 'w') as f:
        for row in rows:
            f.write('\t'.join(x.replace('\t', ' ') for x in row) + '\n')
    counts = {s: sum(1 for r in rows if r[1] == s) for s in ('success', 'fail', 'skip')}
    summary = '%s: %d tests, %d passed, %d failed, %d skipped; wall %s s\n' % (
        target, len(rows), counts['success'], counts['fail'], counts['skip'], wall)
    with open(os.path.join(out_dir, target + '.txt'), 'w') as f:
        f.write(summary)
    sys.stdout.write(summary)


if __name__ == '__main__':
    main(*sys.argv[1:])
