#!/usr/bin/python3
"""Fits the router's selector (server/core/agent_selector.h) on labelled requests.

    eval/train_selector.py BUILD_DIR            # fit, write server/core/selection_weights.inc
    eval/train_selector.py BUILD_DIR --check    # exit 1 if the checked-in weights are not what a fit gives
    eval/train_selector.py BUILD_DIR --cv       # leave one file out, decided as the router decides

The router's signals for every (request, agent) pair come from
`agentd-route-eval --features_out`, which routes each file with its own
requests left out of the router's labelled examples (agents/routing-examples/),
so the signals are those of requests the router has not seen. An agent is a positive example when the
request requires it (or names it as unhosted), a negative one when it is
outside required, optional, primary_any and unhosted; optional agents teach
nothing and are left out. The model is an L2-regularised logistic regression,
fitted by Newton's method in plain Python (no dependency beyond the standard
library), so the fit is exact and reproducible.

TEST_ONLY files are never fitted on: they measure the result.

Two models are fitted on the same pairs: one over the match signals
(kSelectionWeights, for a router without labelled requests and for agents
no labelled request puts in scope), and one that also weighs the labelled
requests' vote (kSelectionWeightsWithVote); --cv reports both.

To change the signals: edit FEATURES (and FEATURES_WITH_VOTE) here and
SelectionFeaturesOf in server/core/agent_selector.cc alike, put that many
zeros in selection_weights.inc (the build checks the count), build
agentd-route-eval, then run this script.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, 'server', 'core', 'selection_weights.inc')
EXAMPLES_DIR = os.path.join(ROOT, 'agents', 'routing-examples')


def train_files(shared_dir):
    """The files the selector is fitted on: the shared dev file and the examples."""
    return [os.path.join(shared_dir, 'eval', 'routing-dev.jsonl')] + sorted(
        os.path.join(EXAMPLES_DIR, f) for f in os.listdir(EXAMPLES_DIR) if f.endswith('.jsonl'))

TEST_ONLY = (['routing-holdout%d.jsonl' % i for i in range(12, 18)] +  # in eval/, never fitted on
             ['routing-everyday.jsonl', 'routing-multi.jsonl'])
L2 = 1.0
THRESHOLD = 0.5  # RouterOptions.min_selection_probability

# The order of SelectionFeaturesOf in server/core/agent_selector.cc.
FEATURES = [
    ('bias', lambda s: 1.0),
    ('log1p score', lambda s: math.log1p(max(0.0, s['score']))),
    ('is top', lambda s: float(s['is_top'])),
    ('evidence / 8', lambda s: max(0, min(s['evidence'], 8)) / 8.0),
    ('coverage', lambda s: max(0.0, min(s['coverage'], 1.0))),
    ('log1p clause score', lambda s: math.log1p(max(0.0, s['clause_score']))),
    ('redirected to', lambda s: float(s['redirected_to'])),
    ('passes gates', lambda s: float(s['passes_gates'])),
    ('log1p top score', lambda s: math.log1p(max(0.0, s['top_score']))),
]
# The second model (kSelectionWeightsWithVote), for routers built with
# labelled requests: the same signals and the labelled requests' vote.
FEATURES_WITH_VOTE = FEATURES + [
    ('labelled vote / 10', lambda s: max(-20.0, min(20.0, s.get('labelled_vote', 0.0))) / 10.0
     if s.get('has_labelled_vote') else 0.0),
    ('vote behind the best / 10',
     lambda s: max(-20.0, min(0.0, s.get('labelled_vote', 0.0) - s.get('top_labelled_vote', 0.0))) / 10.0
     if s.get('has_labelled_vote') else 0.0),
]


def load(build_dir, files):
    """[(file, case, signals)] for the requests without explicit agents."""
    with tempfile.NamedTemporaryFile('r', suffix='.jsonl') as out:
        subprocess.run([os.path.join(build_dir, 'bin', 'agentd-route-eval'),
                        '--agents_dir=' + os.path.join(ROOT, 'agents'), '--repeat=1',
                        '--features_out=' + out.name] + files,
                       check=False, stdout=subprocess.DEVNULL)
        signals = {r['source']: r['agents'] for r in map(json.loads, out)}
    data = []
    for path in files:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                source = '%s:%d' % (path, number)
                if line.strip() and source in signals:
                    data.append((os.path.basename(path), json.loads(line), signals[source]))
    return data


def label(case, agent):
    must = set(case['required']) | set(case['unhosted'])
    may = must | set(case['optional']) | set(case['primary_any'])
    if agent in must:
        return 1.0
    return None if agent in may else 0.0


def examples(data, features=None):
    features = features or FEATURES
    rows = []
    for _, case, agents in data:
        for s in agents:
            y = label(case, s['agent'])
            if y is not None:
                rows.append(([f(s) for _, f in features], y))
    return rows


def fit_both(data):
    """(weights over FEATURES, weights over FEATURES_WITH_VOTE)."""
    return fit(examples(data, FEATURES)), fit(examples(data, FEATURES_WITH_VOTE))


def solve(a, b):
    """x with a·x = b, by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            k = m[r][c] / m[c][c]
            for j in range(c, n + 1):
                m[r][j] -= k * m[c][j]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][j] * x[j] for j in range(r + 1, n))) / m[r][r]
    return x


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def fit(rows):
    n = len(rows[0][0])
    w = [0.0] * n
    for _ in range(50):
        grad = [L2 * wi for wi in w]
        hess = [[L2 if i == j else 0.0 for j in range(n)] for i in range(n)]
        for x, y in rows:
            p = sigmoid(sum(wi * xi for wi, xi in zip(w, x)))
            g, h = p - y, p * (1 - p)
            for i in range(n):
                grad[i] += g * x[i]
                hi = hess[i]
                for j in range(i, n):
                    hi[j] += h * x[i] * x[j]
        for i in range(n):
            for j in range(i):
                hess[i][j] = hess[j][i]
        step = solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step)]
        if max(abs(si) for si in step) < 1e-10:
            break
    return w


def probability(models, s):
    """As SelectionProbability: the model with the vote when the router has one."""
    weights, features = ((models[1], FEATURES_WITH_VOTE) if s.get('has_labelled_vote') and models[1]
                         else (models[0], FEATURES))
    return sigmoid(sum(w * f(s) for w, (_, f) in zip(weights, features)))


MIN_DOMAIN_RELEVANCE = 0.35  # RouterOptions.min_domain_relevance


def decide(models, agents, gate=None):
    """What the router chooses (hosted agents), as RouteScorer::SelectAgents:
    with `models`, every agent the selector puts in scope or the best one
    within the thresholds, in the order of the selector's probability;
    without, the agents within the thresholds by score. `gate`: the domain
    relevance below which nothing is chosen (None: no gate), as
    RouterOptions.min_domain_relevance. `models`: None for the thresholds
    alone, else (base weights, weights with the vote or None)."""
    if gate is not None and agents and agents[0].get('domain_relevance', 1e9) < gate:
        return []
    ranked = sorted(agents, key=lambda s: -s['score'])
    if models is None:
        return [s['agent'] for s in ranked if s['passes_gates'] and s['hosted']]
    first = next((s for s in ranked if s['passes_gates']), None)
    picked = [(probability(models, s), s) for s in ranked
              if s['score'] > 0 and s['hosted'] and (probability(models, s) >= THRESHOLD or s is first)]
    picked.sort(key=lambda ps: -ps[0])  # stable: equal probabilities keep the score order
    return [s['agent'] for _, s in picked]


def figures(results):
    """(primary, exact) as agentd-route-eval counts them."""
    primary = exact = 0
    for case, chosen in results:
        pa, req, opt, unh = case['primary_any'], case['required'], case['optional'], case['unhosted']
        if pa:
            primary += bool(chosen) and chosen[0] in pa
        elif not unh:
            primary += not chosen
        else:
            primary += not chosen or chosen[0] in opt
        missing = any(r not in chosen for r in req)
        extra = any(a not in req and a not in opt and a not in pa for a in chosen)
        off_topic = not pa and not req and not unh and bool(chosen)
        exact += not (missing or extra or off_topic)
    return primary / len(results), exact / len(results)


def on_topic_figures(results):
    """(primary, exact, requests) over the on-topic requests, and (routed,
    requests) over the off-topic ones, as agentd-route-eval's "off-topic" line."""
    on = [(c, chosen) for c, chosen in results if c['primary_any'] or c['required'] or c['unhosted']]
    off = [chosen for c, chosen in results if not (c['primary_any'] or c['required'] or c['unhosted'])]
    primary, exact = figures(on) if on else (0.0, 0.0)
    return primary, exact, len(on), sum(1 for chosen in off if chosen), len(off)


def cross_validate(data):
    """Leave one file out: the selector fitted on the other files decides the
    file's requests as the router would (the domain gate, the best agent
    within the thresholds, the order of the probability), so a choice made
    here is what agentd-route-eval measures."""
    results = {'thresholds': [], 'selector': [], 'with the vote': []}
    line = '%-30s on-topic %.3f / %.3f of %d, off-topic %d of %d routed'
    for g in sorted({g for g, _, _ in data}):
        test = [d for d in data if d[0] == g]
        base, with_vote = fit_both([d for d in data if d[0] != g])
        for name, models in (('thresholds', None), ('selector', (base, None)), ('with the vote', (base, with_vote))):
            results[name] += [(c, decide(models, a, MIN_DOMAIN_RELEVANCE)) for _, c, a in test]
        print(line % ((g,) + on_topic_figures(results['with the vote'][-len(test):])))
    for name, res in results.items():
        print(line % (('all, ' + name,) + on_topic_figures(res)))
    print('(each file left out of the fit; the router as built: the selector with the vote)')
    return 0


def write_weights(models, rows, files):
    lines = ['// Generated by eval/train_selector.py: do not edit; rerun it.',
             '// Logistic regression, L2 %g, fitted on %d (request, agent) pairs from %s.' %
             (L2, len(rows), ', '.join(os.path.basename(f) for f in files))]
    for array, weights, features in (('kSelectionWeights', models[0], FEATURES),
                                     ('kSelectionWeightsWithVote', models[1], FEATURES_WITH_VOTE)):
        lines.append('constexpr double %s[] = {' % array)
        for (name, _), w in zip(features, weights):
            lines.append('    %.6f,  // %s' % (w, name))
        lines.append('};')
    with open(WEIGHTS, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def read_weights():
    """Both arrays' weights, in file order."""
    with open(WEIGHTS) as f:
        return [float(line.split(',')[0]) for line in f if line.startswith('    ')]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('build_dir')
    parser.add_argument('--check', action='store_true')
    parser.add_argument('--cv', action='store_true')
    parser.add_argument('--shared_dir', default=os.path.join(ROOT, '..', 'shared'),
                        help='where eval/routing-dev.jsonl is (default: ../shared beside the repo)')
    args = parser.parse_args()
    wanted = train_files(args.shared_dir)
    files = [f for f in wanted if os.path.exists(f)]
    if args.check and len(files) != len(wanted):
        print('skipped: not every labelled file is here (../shared/eval beside the repo?)')
        return 77
    data = load(args.build_dir, files)
    rows = examples(data)
    if args.cv:
        return cross_validate(data)
    models = fit_both(data)
    weights = models[0] + models[1]
    if args.check:
        current = read_weights()
        if len(current) != len(weights) or any(abs(a - b) > 1e-5 for a, b in zip(current, weights)):
            print('server/core/selection_weights.inc is not what the labelled files give; run '
                  'eval/train_selector.py %s' % args.build_dir)
            print('checked in: %s\nfitted:     %s' % (current, ['%.6f' % w for w in weights]))
            return 1
        print('selection weights match a fit on %d pairs from %d files' % (len(rows), len(files)))
        return 0
    write_weights(models, rows, files)
    for title, w, features in (('without the vote', models[0], FEATURES),
                               ('with the vote', models[1], FEATURES_WITH_VOTE)):
        print(title)
        for (name, _), wi in zip(features, w):
            print('  %-20s %+.3f' % (name, wi))
    return 0


if __name__ == '__main__':
    sys.exit(main())
