"""Lists the tests that pass in one run and not in another, with the other run's status and first
line: what passes direct but fails through the gateway.
Usage: compare.py results/direct.tsv results/gateway-local.tsv
"""
import sys


def read(path):
    with open(path) as f:
        return {cols[0]: cols for cols in (line.rstrip('\n').split('\t') for line in f)}


def main(base_path, other_path):
    base, other = read(base_path), read(other_path)
    passed = [t for t, cols in base.items() if cols[1] == 'success']
    lost = sorted(t for t in passed if t not in other or other[t][1] != 'success')
    for t in lost:
        status, message = (other[t][1], other[t][3]) if t in other else ('absent', '')
        fixture = other.get('setUpClass (%s)' % t.rsplit('.', 1)[0])
        if t not in other and fixture:  # the class never ran its tests: say why
            status, message = fixture[1], 'setUpClass: ' + fixture[3]
        print('%s\t%s\t%s' % (t, status, message))
    print('%d of %d passing in %s pass in %s' % (len(passed) - len(lost), len(passed), base_path, other_path),
          file=sys.stderr)


if __name__ == '__main__':
    main(*sys.argv[1:])
