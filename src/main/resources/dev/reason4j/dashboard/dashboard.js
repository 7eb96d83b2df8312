// Reason4j's run dashboard: live curves (uPlot), run comparison, and the rollout inspector, over the JSON API of
// dev.reason4j.dashboard.DashboardServer (docs/dashboard.md). Plain browser JavaScript, no build step.
'use strict';

const POLL_MS = 1000;
const PALETTE = ['#2f6fde', '#e4572e', '#17a34a', '#a43fd1', '#f0a202', '#0fa3b1', '#d7263d', '#6c757d',
  '#7b9e1f', '#ff6f91'];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

// The charts, each the metrics whose names match; a run shows the charts it has data for.
const GROUPS = [
  {title: 'Reward', match: k => k.startsWith('reward/') && !['reward/accuracy', 'reward/reward'].includes(k)},
  {title: 'Accuracy', match: k => k === 'reward/accuracy'},
  {title: 'Held-out pass@k', match: k => k.startsWith('val/pass@')},
  {title: 'Held-out, other', match: k => k.startsWith('val/') && !k.startsWith('val/pass@') && k !== 'val/n'},
  {title: 'Response length', match: k => k === 'response_length/mean' || k === 'response_length/max'},
  {title: 'Entropy', match: k => k === 'actor/entropy'},
  {title: 'KL', match: k => /kl/.test(k) && !k.endsWith('_coeff') && !k.startsWith('time/')},
  {title: 'Clip fractions', match: k => /clipfrac|clip_ratio/.test(k)},
  {title: 'Grad norm', match: k => k.endsWith('grad_norm')},
  {title: 'Learning rate', match: k => k === 'actor/lr' || k === 'critic/lr' || k === 'sft/lr'},
  {title: 'Tokens/s', match: k => k.endsWith('tokens_per_s')},
  {title: 'Time per phase (s)', match: k => k.startsWith('time/') && k.endsWith('_s') && k !== 'time/eval_s'},
  {title: 'Tool calls', match: k => k.startsWith('agent/')},
  {title: 'SFT loss', match: k => k === 'sft/loss'},
];

const state = {
  runs: [],                 // from /api/runs
  selected: [],             // run ids whose curves are shown, in the order ticked
  data: new Map(),          // run id → {rows: [...], lastStep}
  configs: new Map(),       // run id → flattened config
  charts: new Map(),        // chart title → {plot, el, signature, zoomed}
  extra: [],                // metrics added as charts of their own
  sampleRun: null, sampleStep: null, followLatestStep: true,
  samples: [], filter: 'all', detail: null,
};

const $ = id => document.getElementById(id);

async function getJson(url) {
  const response = await fetch(url, {cache: 'no-store'});
  if (!response.ok) {
    throw new Error(url + ': ' + response.status);
  }
  return response.json();
}

function runUrl(id, what) {
  return '/api/runs/' + id.split('/').map(encodeURIComponent).join('/') + '/' + what;
}

// ---------------------------------------------------------------------------------------------------- runs

async function refreshRuns() {
  const answer = await getJson('/api/runs');
  state.runs = answer.runs;
  $('runs-root').textContent = answer.root;
  if (state.selected.length === 0 && state.runs.length > 0) {
    const wanted = new URLSearchParams(location.hash.slice(1)).getAll('run').filter(id => runById(id));
    state.selected = wanted.length > 0 ? wanted
      : [state.runs.slice().sort((a, b) => b.updated_ms - a.updated_ms)[0].id];
  }
  state.selected = state.selected.filter(id => runById(id));
  renderRunList();
  renderSampleRuns();
  $('no-runs').hidden = state.runs.length > 0;
}

function runById(id) {
  return state.runs.find(run => run.id === id);
}

function colourOf(id) {
  return PALETTE[Math.max(0, state.selected.indexOf(id)) % PALETTE.length];
}

/** The run list, updated in place: a poll must not replace the checkbox a person is about to click. */
function renderRunList() {
  const list = $('run-list');
  const items = new Map([...list.children].map(item => [item.dataset.run, item]));
  for (const [id, item] of items) {
    if (!runById(id)) {
      item.remove();
    }
  }
  state.runs.forEach((run, index) => {
    let item = items.get(run.id);
    if (!item) {
      item = document.createElement('li');
      item.dataset.run = run.id;
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.addEventListener('change', () => {
        state.selected = box.checked ? [...state.selected, run.id] : state.selected.filter(id => id !== run.id);
        renderRunList();
        rebuildCharts();
        renderConfigDiff().catch(report);
        poll();
      });
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      const meta = document.createElement('span');
      meta.className = 'meta';
      label.append(box, swatch, run.id);
      item.append(label, meta);
    }
    if (list.children[index] !== item) {
      list.insertBefore(item, list.children[index] || null);   // in the API's order
    }
    const checked = state.selected.includes(run.id);
    item.querySelector('input').checked = checked;
    const swatch = item.querySelector('.swatch');
    swatch.hidden = !checked;
    swatch.style.background = colourOf(run.id);
    item.querySelector('.meta').textContent = 'step ' + run.last_step + ' · ' + run.rows + ' rows'
      + (run.has_samples ? ' · samples' : '');
  });
}

// ---------------------------------------------------------------------------------------------------- metrics

/** Fetches the rows after the last step seen, the last step again (an eval row may have joined it since). */
async function refreshMetrics(id) {
  const known = state.data.get(id) || {rows: [], lastStep: null};
  const since = known.lastStep === null ? -1 : known.lastStep - 1;
  const answer = await getJson(runUrl(id, 'metrics') + '?since=' + since);
  const rows = known.lastStep === null ? [] : known.rows.filter(row => row.step < known.lastStep);
  rows.push(...answer.rows);
  const lastStep = rows.length ? rows[rows.length - 1].step : null;
  const changed = rows.length !== known.rows.length || lastStep !== known.lastStep;
  state.data.set(id, {rows, lastStep});
  return changed;
}

function numericKeys(rows) {
  const keys = new Set();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (key !== 'step' && typeof value === 'number') {
        keys.add(key);
      }
    }
  }
  return [...keys].sort();
}

/** TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled to 0. */
function smooth(values, weight) {
  if (weight <= 0) {
    return values;
  }
  let average = 0;
  let count = 0;
  return values.map(value => {
    if (value === null || !Number.isFinite(value)) {
      return null;
    }
    count++;
    average = average * weight + (1 - weight) * value;
    return average / (1 - Math.pow(weight, count));
  });
}

/** The charts to draw: [{title, series: [{run, key}]}], from the selected runs' metrics. */
function chartPlan() {
  const keysByRun = state.selected.map(id => [id, numericKeys((state.data.get(id) || {rows: []}).rows)]);
  const plan = [];
  const groups = GROUPS.concat(state.extra.map(key => ({title: key, match: k => k === key})));
  for (const group of groups) {
    const series = [];
    for (const [run, keys] of keysByRun) {
      for (const key of keys.filter(group.match)) {
        series.push({run, key});
      }
    }
    if (series.length > 0) {
      plan.push({title: group.title, series});
    }
  }
  const all = new Set(keysByRun.flatMap(([, keys]) => keys));
  const select = $('extra-metric');
  const offered = [...select.options].slice(1).map(option => option.value);
  if (offered.join() !== [...all].join()) {
    select.replaceChildren(new Option('metric…', ''), ...[...all].map(key => new Option(key, key)));
  }
  return plan;
}

function chartData(series) {
  const weight = Number($('smoothing').value);
  const log = $('log-scale').checked;
  const tables = series.map(({run, key}) => {
    const rows = (state.data.get(run) || {rows: []}).rows.filter(row => typeof row[key] === 'number');
    const xs = rows.map(row => row.step);
    const ys = smooth(rows.map(row => row[key]), weight).map(y => log && !(y > 0) ? null : y);
    return [xs, ys];
  });
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

function countPoints(data) {
  let points = 0;
  for (let s = 1; s < data.length; s++) {
    points += data[s].filter(value => value !== null && value !== undefined).length;
  }
  return points;
}

function drawCharts() {
  const container = $('charts');
  const plan = chartPlan();
  const titles = new Set(plan.map(chart => chart.title));
  for (const [title, chart] of state.charts) {
    if (!titles.has(title)) {
      chart.plot.destroy();
      chart.el.remove();
      state.charts.delete(title);
    }
  }
  const multiRun = state.selected.length > 1;
  for (const {title, series} of plan) {
    const signature = series.map(s => s.run + '|' + s.key).join(',') + '|' + $('log-scale').checked;
    const data = chartData(series);
    let chart = state.charts.get(title);
    if (chart && chart.signature !== signature) {
      chart.plot.destroy();
      chart.el.remove();
      state.charts.delete(title);
      chart = null;
    }
    if (!chart) {
      const el = document.createElement('div');
      el.className = 'chart';
      el.dataset.group = title;
      container.append(el);
      const keys = [...new Set(series.map(s => s.key))];
      chart = {el, signature, zoomed: false};
      const options = {
        title, width: Math.max(300, el.clientWidth - 12), height: 220,
        scales: {x: {time: false}, y: {distr: $('log-scale').checked ? 3 : 1}},
        axes: [{label: 'step'}, {size: 60}],
        series: [{label: 'step'}].concat(series.map(({run, key}, i) => ({
          label: multiRun ? run + ' · ' + key : key,
          stroke: multiRun ? colourOf(run) : PALETTE[i % PALETTE.length],
          dash: multiRun ? DASHES[keys.indexOf(key) % DASHES.length] : [],
          width: 1.5, spanGaps: true, points: {show: data[0].length < 40, size: 4},
        }))),
        cursor: {drag: {x: true, y: false}},
        hooks: {setSelect: [plot => { if (plot.select.width > 0) chart.zoomed = true; }]},
      };
      chart.plot = new uPlot(options, data, el);
      el.addEventListener('dblclick', () => { chart.zoomed = false; chart.plot.setData(chart.plot.data, true); });
      state.charts.set(title, chart);
    } else {
      chart.plot.setData(data, !chart.zoomed);
    }
    chart.el.dataset.points = String(countPoints(data));
    container.append(chart.el);   // in the plan's order, a rebuilt chart included
  }
}

function rebuildCharts() {
  for (const chart of state.charts.values()) {
    chart.plot.destroy();
    chart.el.remove();
  }
  state.charts.clear();
  drawCharts();
}

async function renderConfigDiff() {
  const box = $('config-diff');
  if (state.selected.length < 2) {
    box.replaceChildren();
    return;
  }
  for (const id of state.selected) {
    if (!state.configs.has(id)) {
      state.configs.set(id, (await getJson(runUrl(id, 'config'))).config);
    }
  }
  const configs = state.selected.map(id => state.configs.get(id));
  const keys = [...new Set(configs.flatMap(config => Object.keys(config)))].sort();
  const differing = keys.filter(key => new Set(configs.map(c => JSON.stringify(c[key] ?? null))).size > 1);
  const table = document.createElement('table');
  table.id = 'config-diff-table';
  table.createCaption().textContent = differing.length === 0 ? 'The selected runs have the same config.'
    : 'Config differences (' + differing.length + ' keys)';
  const head = table.createTHead().insertRow();
  for (const label of ['key', ...state.selected]) {
    const cell = document.createElement('th');
    cell.textContent = label;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const key of differing) {
    const row = body.insertRow();
    row.insertCell().textContent = key;
    for (const config of configs) {
      row.insertCell().textContent = config[key] === undefined ? '—' : JSON.stringify(config[key]);
    }
  }
  box.replaceChildren(table);
}

// ---------------------------------------------------------------------------------------------------- rollouts

function renderSampleRuns() {
  const select = $('sample-run');
  const ids = state.runs.filter(run => run.has_samples).map(run => run.id);
  if ([...select.options].map(o => o.value).join() !== ids.join()) {
    select.replaceChildren(...ids.map(id => new Option(id, id)));
  }
  if (!ids.includes(state.sampleRun)) {
    state.sampleRun = ids.find(id => state.selected.includes(id)) || ids[0] || null;
  }
  select.value = state.sampleRun || '';
  $('no-samples').hidden = ids.length > 0;
}

async function refreshSampleSteps() {
  if (!state.sampleRun) {
    return;
  }
  const answer = await getJson(runUrl(state.sampleRun, 'samples'));
  const select = $('sample-step');
  const values = answer.steps.map(s => String(s.step));
  if ([...select.options].map(o => o.value).join() !== values.join()) {
    select.replaceChildren(...answer.steps.map(s => new Option('step ' + s.step + ' (' + s.count + ', '
      + s.correct + ' correct, ' + s.truncated + ' truncated)', String(s.step))));
  }
  const latest = answer.steps.length ? answer.steps[answer.steps.length - 1].step : null;
  const step = state.followLatestStep || !values.includes(String(state.sampleStep)) ? latest : state.sampleStep;
  select.value = step === null ? '' : String(step);
  if (step !== state.sampleStep) {
    state.sampleStep = step;
    await loadSamples();
  }
}

async function loadSamples() {
  if (state.sampleRun === null || state.sampleStep === null) {
    state.samples = [];
  } else {
    state.samples = (await getJson(runUrl(state.sampleRun, 'samples') + '?step=' + state.sampleStep)).samples;
  }
  state.detail = null;
  $('sample-detail').hidden = true;
  renderSamples();
}

function meanAdvantage(sample) {
  const advantages = sample.tokens.advantage;
  if (!advantages) {
    return null;
  }
  let sum = 0;
  let count = 0;
  advantages.forEach((value, t) => { if (sample.tokens.mask[t]) { sum += value; count++; } });
  return count ? sum / count : 0;
}

function visibleSamples() {
  const minimum = $('min-reward').value === '' ? -Infinity : Number($('min-reward').value);
  const kept = state.samples.filter(sample => {
    const passes = state.filter === 'all' || (state.filter === 'correct' && sample.correct)
      || (state.filter === 'wrong' && !sample.correct)
      || (state.filter === 'truncated' && sample.finish_reason === 'length');
    return passes && sample.reward >= minimum;
  });
  const sort = $('sort').value;
  const by = {
    'reward-desc': (a, b) => b.reward - a.reward,
    'reward-asc': (a, b) => a.reward - b.reward,
    advantage: (a, b) => Math.abs(meanAdvantage(b) ?? 0) - Math.abs(meanAdvantage(a) ?? 0),
    index: (a, b) => a.index - b.index,
  }[sort];
  return kept.sort(by);
}

function format(value, digits = 3) {
  return value === null || value === undefined ? '—' : Number(value).toFixed(digits);
}

function renderSamples() {
  const body = $('sample-table').tBodies[0];
  body.replaceChildren();
  const shown = visibleSamples();
  $('sample-count').textContent = shown.length + ' of ' + state.samples.length + ' samples';
  for (const sample of shown) {
    const row = body.insertRow();
    row.dataset.index = sample.index;
    row.classList.toggle('selected', state.detail === sample);
    row.insertCell().textContent = sample.index;
    row.insertCell().textContent = sample.group;
    const reward = row.insertCell();
    reward.textContent = format(sample.reward);
    reward.className = sample.correct ? 'ok' : 'bad';
    row.insertCell().textContent = Object.entries(sample.reward_parts).map(([k, v]) => k + ' ' + format(v, 2))
      .join(', ');
    row.insertCell().textContent = format(meanAdvantage(sample));
    row.insertCell().textContent = sample.finish_reason;
    row.insertCell().textContent = sample.turns;
    row.insertCell().textContent = sample.tokens.ids.length;
    const response = row.insertCell();
    response.className = 'response';
    response.textContent = sample.response;
    row.addEventListener('click', () => showSample(sample));
  }
}

/** A CSS colour for a token's value: log-prob and entropy sequential, advantage diverging around 0. */
function tokenColour(metric, value, scale) {
  if (value === null || value === undefined) {
    return '#ffffff';
  }
  if (metric === 'logprob') {           // probability 1 → white, 0 → red
    const p = Math.exp(value);
    return 'hsl(0, 80%, ' + (55 + 45 * p).toFixed(1) + '%)';
  }
  if (metric === 'entropy') {           // 0 → white, the sample's highest → violet
    const share = scale > 0 ? Math.min(1, value / scale) : 0;
    return 'hsl(270, 70%, ' + (100 - 40 * share).toFixed(1) + '%)';
  }
  const share = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;   // advantage: blue − · + green
  return 'hsl(' + (share >= 0 ? 140 : 215) + ', 70%, ' + (100 - 40 * Math.abs(share)).toFixed(1) + '%)';
}

function showSample(sample) {
  state.detail = sample;
  state.followLatestStep = false;   // a new step arriving must not close the sample being read
  for (const row of $('sample-table').tBodies[0].rows) {
    row.classList.toggle('selected', Number(row.dataset.index) === sample.index);
  }
  $('sample-detail').hidden = false;
  $('detail-title').textContent = 'Step ' + sample.step + ', sample ' + sample.index + ' (group ' + sample.group
    + ')';
  const meta = $('detail-meta');
  meta.replaceChildren();
  const facts = [
    ['reward', format(sample.reward) + (sample.correct ? ' (correct)' : ' (wrong)')],
    ['reward parts', Object.entries(sample.reward_parts).map(([k, v]) => k + ' = ' + format(v)).join(', ') || '—'],
    ['ground truth', sample.ground_truth ?? '—'],
    ['finish reason', sample.finish_reason + (sample.context_limited ? ' (context limit)' : '')],
    ['turns', sample.turns],
    ['episode', Object.entries(sample.episode).map(([k, v]) => k + ' = ' + v).join(', ') || '—'],
    ['trained on', sample.trained ? 'yes' : 'no (dropped by dynamic sampling)'],
    ['policy version', sample.policy_version],
  ];
  if (sample.reward_error) {
    facts.push(['reward error', sample.reward_error]);
  }
  for (const [name, value] of facts) {
    const row = meta.insertRow();
    const head = document.createElement('th');
    head.textContent = name;
    row.append(head);
    row.insertCell().textContent = value;
  }
  $('detail-prompt').textContent = sample.prompt;
  renderTokens();
}

function renderTokens() {
  const sample = state.detail;
  if (!sample) {
    return;
  }
  const metric = $('color-by').value;
  const values = sample.tokens[metric];
  const trained = values ? values.filter((v, t) => sample.tokens.mask[t]) : [];
  const scale = metric === 'entropy' ? Math.max(0, ...trained)
    : metric === 'advantage' ? Math.max(0, ...trained.map(Math.abs)) : 1;
  const box = $('detail-tokens');
  box.replaceChildren();
  sample.tokens.ids.forEach((id, t) => {
    const span = document.createElement('span');
    const masked = !sample.tokens.mask[t];
    span.className = masked ? 'tok masked' : 'tok';
    span.dataset.t = t;
    span.textContent = sample.tokens.text[t].replace(/\n/g, '↵\n');
    const value = values ? values[t] : null;
    if (!masked) {
      span.style.background = tokenColour(metric, value, scale);
    }
    const parts = ['#' + t, 'id ' + id, 'log-prob ' + format(sample.tokens.logprob[t]),
      'entropy ' + format(sample.tokens.entropy ? sample.tokens.entropy[t] : null),
      'advantage ' + format(sample.tokens.advantage ? sample.tokens.advantage[t] : null)];
    if (masked) {
      parts.push('masked: inserted, not trained on');
    }
    span.title = parts.join(' · ');
    span.addEventListener('mouseenter', () => { $('token-info').textContent = span.title; });
    box.append(span);
  });
  const legend = $('legend');
  if (!values) {
    legend.textContent = metric + ': not recorded for this sample (it was not trained on)';
  } else {
    const low = metric === 'logprob' ? 'p = 0' : metric === 'entropy' ? '0' : '−' + format(scale, 2);
    const high = metric === 'logprob' ? 'p = 1' : format(scale, 2);
    const bar = document.createElement('span');
    bar.className = 'legend-bar';
    const stops = [0, 0.25, 0.5, 0.75, 1].map(f => {
      const v = metric === 'logprob' ? Math.log(Math.max(1e-9, f)) : metric === 'entropy' ? f * scale
        : (2 * f - 1) * scale;
      return tokenColour(metric, v, scale);
    });
    bar.style.background = 'linear-gradient(to right, ' + stops.join(', ') + ')';
    legend.replaceChildren(low, bar, high);
  }
}

// ---------------------------------------------------------------------------------------------------- wiring

function showTab(name) {
  $('curves-view').hidden = name !== 'curves';
  $('rollouts-view').hidden = name !== 'rollouts';
  $('tab-curves').classList.toggle('active', name === 'curves');
  $('tab-rollouts').classList.toggle('active', name === 'rollouts');
  if (name === 'curves') {
    rebuildCharts();   // charts drawn while hidden have no width
  } else {
    refreshSampleSteps().catch(report);
  }
}

function report(error) {
  $('status').textContent = 'error: ' + error.message;
}

let polling = false;

async function poll() {
  if (polling) {
    return;
  }
  polling = true;
  try {
    await refreshRuns();
    let changed = false;
    for (const id of state.selected) {
      changed = (await refreshMetrics(id)) || changed;
    }
    if (changed && !$('curves-view').hidden) {
      drawCharts();
    }
    if (!$('rollouts-view').hidden) {
      await refreshSampleSteps();
    }
    const steps = state.selected.map(id => id + ' step ' + ((state.data.get(id) || {}).lastStep ?? '—'));
    $('status').textContent = steps.join(' · ') || 'no run selected';
  } catch (error) {
    report(error);
  } finally {
    polling = false;
  }
}

$('tab-curves').addEventListener('click', () => showTab('curves'));
$('tab-rollouts').addEventListener('click', () => showTab('rollouts'));
$('smoothing').addEventListener('input', () => {
  $('smoothing-value').textContent = Number($('smoothing').value).toFixed(2);
  drawCharts();
});
$('log-scale').addEventListener('change', rebuildCharts);
$('extra-metric').addEventListener('change', () => {
  const key = $('extra-metric').value;
  if (key && !state.extra.includes(key)) {
    state.extra.push(key);
    drawCharts();
  }
  $('extra-metric').value = '';
});
$('sample-run').addEventListener('change', () => {
  state.sampleRun = $('sample-run').value;
  state.sampleStep = null;
  state.followLatestStep = true;
  refreshSampleSteps().catch(report);
});
$('sample-step').addEventListener('change', () => {
  state.sampleStep = Number($('sample-step').value);
  const options = $('sample-step').options;
  state.followLatestStep = $('sample-step').selectedIndex === options.length - 1;
  loadSamples().catch(report);
});
for (const button of document.querySelectorAll('button.filter')) {
  button.addEventListener('click', () => {
    state.filter = button.dataset.filter;
    for (const other of document.querySelectorAll('button.filter')) {
      other.classList.toggle('active', other === button);
    }
    renderSamples();
  });
}
$('min-reward').addEventListener('input', renderSamples);
$('sort').addEventListener('change', renderSamples);
$('color-by').addEventListener('change', renderTokens);
window.addEventListener('resize', () => {
  for (const chart of state.charts.values()) {
    chart.plot.setSize({width: Math.max(300, chart.el.clientWidth - 12), height: 220});
  }
});

/** A link can open a view: #run=ID (repeatable), &tab=rollouts, &step=N, &sample=INDEX, &color=entropy. */
async function openFromLink() {
  const link = new URLSearchParams(location.hash.slice(1));
  await poll();
  await renderConfigDiff();
  if (link.get('tab') === 'rollouts') {
    if (link.get('step') !== null) {
      state.sampleStep = Number(link.get('step'));
      state.followLatestStep = false;
      await loadSamples();
    }
    showTab('rollouts');
    await refreshSampleSteps();
    const sample = state.samples.find(s => String(s.index) === link.get('sample'));
    if (['logprob', 'entropy', 'advantage'].includes(link.get('color'))) {
      $('color-by').value = link.get('color');
    }
    if (sample) {
      showSample(sample);
    }
  }
}

openFromLink().catch(report);
setInterval(() => { if ($('live').checked) poll(); }, POLL_MS);
