'use strict';
/*
 * The operations dashboard: signs in once with the admin key (from the URL fragment, never sent to the
 * server in a URL, or from the form), then polls the snapshot and draws it. No framework, no build step.
 * The latest snapshot and the charts are kept on window.gridflexDashboard for inspection and tests.
 */
(function () {
  const POLL_MS = 3000;
  const PHASES = ['L1', 'L2', 'L3'];
  const COLORS = { limit: '#d33', planned: '#2a6fdb', measured: '#1a9a5a' };
  const NO_POINTS = { show: false };
  const state = { snapshot: null, charts: new Map(), timer: null };
  window.gridflexDashboard = state;

  const $ = (id) => document.getElementById(id);

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const amps = (a) => (a === null || a === undefined ? '–' : `${Number(a).toFixed(1)}`);
  const phaseText = (values) => values.map((a, i) => `${PHASES[i]} ${amps(a)}`).join(' · ');
  const badge = (text, kind) => el('span', { class: `badge ${kind || text}` }, text);

  function ago(iso) {
    if (!iso) return 'never';
    const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (s < 0) return `in ${-s} s`;
    if (s < 120) return `${s} s ago`;
    return `${Math.round(s / 60)} min ago`;
  }

  async function signIn(key) {
    const response = await fetch('/dashboard/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ key }),
    });
    return response.status === 204;
  }

  function showSignIn(message) {
    clearTimeout(state.timer);
    $('content').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('status').textContent = 'signed out';
  }

  async function poll() {
    try {
      const response = await fetch('/dashboard/api/snapshot', { credentials: 'same-origin' });
      if (response.status === 401) return showSignIn();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
      $('status').className = 'status';
      $('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      $('status').className = 'status stale';
      $('status').textContent = `not updated: ${error.message}`;
    }
    state.timer = setTimeout(poll, POLL_MS);
  }

  function render(snapshot) {
    state.snapshot = snapshot;
    $('sign-in').hidden = true;
    $('content').hidden = false;
    $('sign-out').hidden = false;
    renderPeers(snapshot.peers);
    renderCards($('groups'), snapshot.groups, (g) => `group:${g.groupId}`, groupCard);
    renderCards($('sites'), snapshot.sites, (s) => `site:${s.id}`, siteCard);
  }

  function renderPeers(peers) {
    const body = $('peers').querySelector('tbody');
    body.replaceChildren(
      ...(peers.length === 0
        ? [el('tr', {}, el('td', { colspan: 5 }, 'No DSO peer configured'))]
        : peers.map((p) =>
            el(
              'tr',
              { 'data-peer': p.name },
              el('td', {}, p.name),
              el('td', {}, p.registration),
              el('td', {}, badge(p.link === 'OFFLINE' ? 'OFFLINE (fallback)' : p.link, p.link)),
              el('td', { title: p.lastHeartbeatAt || '' }, ago(p.lastHeartbeatAt)),
              el(
                'td',
                { title: p.offlineModeAt || '' },
                p.offlineModeAt ? new Date(p.offlineModeAt).toLocaleTimeString() : '–',
              ),
            ),
          )),
    );
  }

  /** Cards are kept between polls, so the charts only get new data; gone items lose their card. */
  function renderCards(container, items, keyOf, build) {
    const keep = new Set(items.map(keyOf));
    for (const card of [...container.children]) {
      if (!keep.has(card.dataset.key)) {
        for (const phase of PHASES) destroyChart(`${card.dataset.key}:${phase}`);
        card.remove();
      }
    }
    for (const item of items) {
      const key = keyOf(item);
      let card = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (!card) {
        card = el('div', { class: 'card', 'data-key': key });
        container.append(card);
      }
      build(card, item, key);
    }
  }

  function groupCard(card, group, key) {
    ensureSkeleton(card, key, 'DSO capacity');
    card
      .querySelector('h3')
      .replaceChildren(`Group ${group.groupId}`, el('small', {}, `${group.siteIds.length} site(s)`));
    card.querySelector('.summary').textContent =
      `capacity ${phaseText(group.capacityNowA)} (${group.capacitySource}) · planned ${phaseText(group.plannedNowA)} · measured ${phaseText(group.measuredNowA)}`;
    renderWarnings(card, group.warnings);
    updateCharts(key, group.chart);
  }

  function siteCard(card, site, key) {
    ensureSkeleton(card, key, 'grid limit');
    card
      .querySelector('h3')
      .replaceChildren(site.name, el('small', {}, site.groupId ? `group ${site.groupId}` : 'no group'));
    const transformer = (site.transformerNowA || [])
      .map((l) => `${l.line} ${amps(l.plannedA)}/${amps(l.limitA)} A`)
      .join(', ');
    card.querySelector('.summary').textContent =
      `grid limit ${phaseText(site.gridLimitA)} · planned ${phaseText(site.plannedNowA)} · measured ${phaseText(site.measuredNowA)}` +
      (transformer ? ` · transformer lines planned ${transformer}` : '');
    renderWarnings(card, site.warnings);
    updateCharts(key, site.chart);
    let table = card.querySelector('table');
    if (!table) {
      table = el(
        'table',
        { class: 'connectors' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...[
              'Charger',
              'OCPP',
              'Connector',
              'Status',
              'Limit A',
              'Measured A',
              'Max A',
              'Wish',
              'SoC',
              'Dispatch',
              'Why',
            ].map((h) => el('th', {}, h)),
          ),
        ),
        el('tbody'),
      );
      card.append(table);
    }
    table.querySelector('tbody').replaceChildren(...site.connectors.map(connectorRow));
  }

  /** Limits no plan can keep: unsteered load alone exceeds them. */
  function renderWarnings(card, warnings) {
    card
      .querySelector('.warnings')
      .replaceChildren(
        ...(warnings || []).map((w) =>
          el(
            'div',
            { class: 'warning', 'data-warning': `${w.kind}:${w.id}`, title: `since ${w.since}` },
            `⚠ ${w.kind} ${w.name}: `,
            [
              ...w.phases.map((p) => `${p.phase} ${p.reservedA} A unsteered > ${p.limitA} A limit`),
              ...(w.totalKw
                ? [`total ${w.totalKw.reservedKw} kW unsteered > ${w.totalKw.limitKw} kW limit`]
                : []),
            ].join(', '),
          ),
        ),
      );
  }

  function connectorRow(c) {
    const measured = c.measuredA
      ? c.measuredA
          .slice(0, c.lineToLine ? 1 : c.phases === 1 || c.phases === 2 ? c.phases : 3)
          .map(amps)
          .join(' / ')
      : '–';
    const dispatch = c.dispatch ? badge(c.dispatch.status) : badge('no plan', 'pending');
    return el(
      'tr',
      { 'data-connector': `${c.chargerIdentity}/${c.connectorId}` },
      el('td', {}, c.chargerIdentity, ' ', badge(c.chargerConnected ? 'connected' : 'offline')),
      el('td', {}, c.ocppVersion),
      el('td', {}, `${c.connectorId} (${c.connection})`),
      el('td', {}, badge(c.status || 'unknown', c.status || '')),
      el('td', { class: 'num', 'data-field': 'limit' }, amps(c.limitA)),
      el('td', { class: 'num', 'data-field': 'measured' }, measured),
      el('td', { class: 'num' }, amps(c.maxCurrentA)),
      el(
        'td',
        { 'data-field': 'wish', title: 'Who told the session its energy wanted and departure' },
        c.wishSource || '–',
      ),
      el(
        'td',
        { class: 'num', 'data-field': 'soc' },
        typeof c.socPercent === 'number' ? `${c.socPercent} %` : '–',
      ),
      el(
        'td',
        { title: (c.dispatch && c.dispatch.detail) || '' },
        dispatch,
        c.planVersion ? ` v${c.planVersion}` : '',
      ),
      el(
        'td',
        { class: 'explanation' },
        c.uncontrollableReason ? `refuses profiles: ${c.uncontrollableReason}` : c.explanation || '–',
      ),
    );
  }

  function ensureSkeleton(card, key, limitLabel) {
    if (card.querySelector('.charts')) return;
    card.append(
      el('h3'),
      el('div', { class: 'summary' }),
      el('div', { class: 'warnings' }),
      el(
        'div',
        { class: 'legend' },
        el('i', { class: 'limit' }),
        limitLabel,
        el('i', { class: 'planned' }),
        'planned',
        el('i', { class: 'measured' }),
        'measured',
      ),
      el(
        'div',
        { class: 'charts' },
        ...PHASES.map((phase) =>
          el(
            'div',
            { class: 'chart', 'data-chart': `${key}:${phase}` },
            el('div', { class: 'phase' }, phase),
          ),
        ),
      ),
    );
  }

  function updateCharts(key, series) {
    PHASES.forEach((phase, i) => {
      const id = `${key}:${phase}`;
      const data = [series.t, series.limit[i], series.planned[i], series.measured[i]];
      const existing = state.charts.get(id);
      if (existing) return existing.setData(data);
      const target = document.querySelector(`[data-chart="${CSS.escape(id)}"]`);
      state.charts.set(id, new uPlot(chartOptions(target), data, target));
    });
  }

  function chartOptions(target) {
    const stepped = uPlot.paths.stepped({ align: 1 });
    return {
      width: Math.max(target.clientWidth, 200),
      height: 150,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: {
        x: { time: true, range: () => chartWindow() },
        y: { range: (u, min, max) => [0, Math.max(10, max * 1.1)] },
      },
      axes: [{ size: 30 }, { size: 40 }],
      series: [
        {},
        {
          label: 'limit',
          stroke: COLORS.limit,
          width: 1.5,
          paths: stepped,
          spanGaps: true,
          points: NO_POINTS,
        },
        {
          label: 'planned',
          stroke: COLORS.planned,
          width: 1.5,
          dash: [5, 3],
          paths: stepped,
          spanGaps: true,
          points: NO_POINTS,
        },
        {
          label: 'measured',
          stroke: COLORS.measured,
          width: 2,
          fill: 'rgba(26,154,90,0.08)',
          points: NO_POINTS,
        },
      ],
      hooks: { draw: [drawNow] },
    };
  }

  /** The last half hour and the next three hours, as the server sends them: the now line stays in place. */
  function chartWindow() {
    const now = Date.parse(state.snapshot.at) / 1000;
    return [now - 1800, now + 3 * 3600];
  }

  /** A vertical line at the snapshot's instant: history on its left, plans and forecasts on its right. */
  function drawNow(u) {
    if (!state.snapshot) return;
    const x = Math.round(u.valToPos(Date.parse(state.snapshot.at) / 1000, 'x', true));
    const { ctx } = u;
    ctx.save();
    ctx.strokeStyle = '#8892a0';
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  }

  function destroyChart(id) {
    const chart = state.charts.get(id);
    if (chart) chart.destroy();
    state.charts.delete(id);
  }

  window.addEventListener('resize', () => {
    for (const [id, chart] of state.charts) {
      const target = document.querySelector(`[data-chart="${CSS.escape(id)}"]`);
      if (target) chart.setSize({ width: Math.max(target.clientWidth, 200), height: 150 });
    }
  });

  $('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (await signIn($('key').value)) {
      $('key').value = '';
      poll();
    } else showSignIn('That is not the admin key');
  });

  $('sign-out').addEventListener('click', async () => {
    await fetch('/dashboard/session', { method: 'DELETE', credentials: 'same-origin' });
    showSignIn();
  });

  async function start() {
    const key = new URLSearchParams(location.hash.slice(1)).get('key');
    if (key) {
      history.replaceState(null, '', location.pathname);
      if (!(await signIn(key))) return showSignIn('The key in the link is not the admin key');
    }
    poll();
  }

  start();
})();
