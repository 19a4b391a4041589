#!/usr/bin/python3
"""How far a second, independent annotator agrees with the labelled files.

    eval/label_agreement.py                       # agreement, both ways, per file
    eval/label_agreement.py --build_dir=build     # and the router on the same requests
    eval/label_agreement.py --min_primary=0.95 --min_exact=0.90   # exit 1 below these

eval/agreement/second-annotator.jsonl holds 150 requests drawn at random
(seed 20261127) from the blind files (eval/routing-holdout12..17,
routing-everyday, routing-multi), each labelled again by a helper that saw
only the five definition files and the request's text, never the files'
labels nor the router. Its lines name their source ("file:line") and repeat
the text, which must still match.

The second annotator's route is its first primary agent, then the rest of
its required agents; that route is scored against the file's labels exactly
as agentd-route-eval scores the router (primary, exact). The reverse, the
file's route against the annotator's labels, is printed too. If the labels
were a matter of taste, agreement would be low and the router's targets
(primary 0.95, exact 0.90) would be out of anyone's reach on these files;
a high agreement says the requests have one reading that a careful reader
finds, and that the router's misses are its own.
"""
import argparse
import collections
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SAMPLE = os.path.join(HERE, 'agreement', 'second-annotator.jsonl')
LABELS = ('primary_any', 'required', 'optional', 'unhosted')

# The same primary/exact counting as the selector's fit (and agentd-route-eval).
_spec = importlib.util.spec_from_file_location('train_selector', os.path.join(HERE, 'train_selector.py'))
train_selector = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_selector)


def route_of(labels):
    """An annotator's own choice: its first primary agent, then the rest it requires."""
    route = []
    for agent in labels['primary_any'][:1] + labels['required']:
        if agent not in route:
            route.append(agent)
    return route


def load_pairs():
    """[(source file, the file's case, the second annotator's case)]."""
    cache = {}
    pairs = []
    with open(SAMPLE) as f:
        for number, line in enumerate(f, 1):
            second = json.loads(line)
            path, line_no = second['source'].rsplit(':', 1)
            if path not in cache:
                with open(os.path.join(ROOT, path)) as src:
                    cache[path] = src.read().splitlines()
            first = json.loads(cache[path][int(line_no) - 1])
            if first['text'] != second['text']:
                sys.exit('%s:%d: %s no longer holds this request (the file changed?)'
                         % (SAMPLE, number, second['source']))
            pairs.append((os.path.basename(path), first, second))
    return pairs


def router_line(build_dir, pairs):
    """agentd-route-eval's summary for the same requests with the files' labels."""
    with tempfile.NamedTemporaryFile('w', suffix='.jsonl') as f:
        for _, first, _ in pairs:
            f.write(json.dumps({k: first[k] for k in ('text',) + LABELS}) + '\n')
        f.flush()
        out = subprocess.run([os.path.join(build_dir, 'bin', 'agentd-route-eval'),
                              '--agents_dir=' + os.path.join(ROOT, 'agents'), '--repeat=1', f.name],
                             capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if ' cases ' in l]
    return lines[-1].split(': ', 1)[1] if lines else 'agentd-route-eval failed: ' + out.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--build_dir', help='also route the same requests with this build')
    parser.add_argument('--min_primary', type=float, default=0.0)
    parser.add_argument('--min_exact', type=float, default=0.0)
    args = parser.parse_args()
    pairs = load_pairs()
    second_by_files = train_selector.figures([(first, route_of(second)) for _, first, second in pairs])
    files_by_second = train_selector.figures([(second, route_of(first)) for _, first, second in pairs])
    print('%d requests from the blind files, labelled again blind' % len(pairs))
    print('second annotator scored by the files:  primary %.3f  exact %.3f' % second_by_files)
    print('files scored by the second annotator:  primary %.3f  exact %.3f' % files_by_second)
    by_file = collections.defaultdict(list)
    for name, first, second in pairs:
        by_file[name].append((first, route_of(second)))
    for name in sorted(by_file):
        print('  %-26s %3d requests  primary %.3f  exact %.3f'
              % ((name, len(by_file[name])) + train_selector.figures(by_file[name])))
    if args.build_dir:
        print('the router, same requests and labels:  ' + router_line(args.build_dir, pairs))
    if second_by_files[0] < args.min_primary or second_by_files[1] < args.min_exact:
        print('agreement below --min_primary %.2f / --min_exact %.2f' % (args.min_primary, args.min_exact))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
