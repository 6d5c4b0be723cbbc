/**
 * spartoo-sync dashboard: a small single-page app with hash routes, no build step. Every piece of
 * data comes from the HTTP API with the token the merchant signed in with (kept in sessionStorage).
 */
import { ApiError, api, attentionCounts, forgetConnections, session, whenUnauthorized } from './api.js';
import { $, html, render } from './dom.js';
import { connectionNew, connectionPage, connectionsPage } from './views/connections.js';
import { webhooksPage } from './views/notifications.js';
import { orderPage } from './views/order.js';
import { attentionPage, ordersPage } from './views/orders.js';
import { storePage } from './views/store.js';
import { storesPage } from './views/stores.js';

const ROUTES = [
  [/^\/connections$/, connectionsPage],
  [/^\/connections\/new$/, connectionNew],
  [/^\/connections\/([^/]+)$/, connectionPage],
  [/^\/orders$/, ordersPage],
  [/^\/attention$/, attentionPage],
  [/^\/orders\/([^/]+)\/([^/]+)$/, orderPage],
  [/^\/store$/, storePage],
  [/^\/stores$/, storesPage],
  [/^\/notifications$/, webhooksPage],
];

const main = $('#main');
let generation = 0;
let stopCurrent = () => {};
let returnTo = '';

/** What a view gets: where to draw, its parameters, and timers that stop when the route changes. */
function context(params, query) {
  const mine = ++generation;
  const timers = new Set();
  stopCurrent = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  const alive = () => mine === generation;
  return {
    main,
    params,
    query,
    alive,
    title(text) {
      document.title = `${text} · spartoo-sync`;
    },
    /** Calls `work` every `ms` while the view is shown and the tab visible, never overlapping. */
    every(ms, work) {
      let timer;
      const schedule = () => {
        timer = setTimeout(tick, ms);
        timers.add(timer);
      };
      const tick = async () => {
        timers.delete(timer);
        if (!alive()) return;
        if (!document.hidden) {
          try {
            await work();
            showOffline(false);
          } catch (error) {
            if (error instanceof ApiError && error.status === 0) showOffline(true);
          }
        }
        if (alive()) schedule();
      };
      schedule();
    },
  };
}

function showOffline(offline) {
  $('#offline').hidden = !offline;
}

function parseHash() {
  const hash = location.hash.replace(/^#/, '') || '/connections';
  const [path, query = ''] = hash.split('?');
  return { path, query: new URLSearchParams(query) };
}

function markNav(path) {
  for (const link of document.querySelectorAll('#nav a')) {
    const target = link.getAttribute('href').slice(1);
    const current = path === target || path.startsWith(`${target}/`);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function route() {
  stopCurrent();
  const { path, query } = parseHash();
  const signedIn = Boolean(session.token);
  $('#nav').hidden = !signedIn;
  $('#sign-out').hidden = !signedIn;
  if (!signedIn) {
    if (path !== '/signin') returnTo = location.hash;
    return signInPage(context([], query));
  }
  if (path === '/signin') {
    location.replace('#/connections');
    return;
  }
  markNav(path);
  const match = ROUTES.map(([pattern, view]) => [pattern.exec(path), view]).find(([m]) => m);
  const ctx = context(match ? match[0].slice(1).map(decodeURIComponent) : [], query);
  refreshAttentionBadge();
  if (!match) {
    ctx.title('Not found');
    render(main, html`<h1 tabindex="-1">Page not found</h1><p><a href="#/connections">Connections</a></p>`);
    return focusHeading();
  }
  render(main, html`<p class="loading" role="status">Loading…</p>`);
  try {
    await match[1](ctx);
  } catch (error) {
    // A refused token is not an error page: sign-in is on its way.
    if (!ctx.alive() || error.status === 401) return;
    ctx.title('Error');
    render(
      main,
      html`<h1 tabindex="-1">Something went wrong</h1>
        <p class="notice notice-danger" role="alert">${error.message}</p>
        <p><button type="button" class="button" id="retry-route">Try again</button></p>`,
    );
    $('#retry-route').addEventListener('click', route);
  }
  if (ctx.alive()) focusHeading();
}

/** After a navigation, keyboard and screen reader users land on the page's heading. */
function focusHeading() {
  const heading = $('h1', main);
  if (heading && !main.contains(document.activeElement)) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

async function refreshAttentionBadge() {
  const badge = $('#attention-count');
  try {
    // One request (GET /orders/counts), exact counts of every attention status.
    const counts = await attentionCounts();
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    badge.textContent = total ? String(total) : '';
    badge.hidden = !total;
  } catch {
    badge.hidden = true;
  }
}

function signInPage(ctx) {
  ctx.title('Sign in');
  render(
    main,
    html`<section class="signin card">
      <h1 tabindex="-1">Sign in</h1>
      <p>Enter the API token of this spartoo-sync installation. <code>npm start</code> prints it;
        it is also in <code>.data/api-token</code>. It is kept for this browser tab only.</p>
      <form id="signin-form" novalidate>
        <div class="field">
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required
            aria-describedby="token-error">
          <p class="field-error" id="token-error" hidden></p>
        </div>
        <button class="button button-primary" type="submit">Sign in</button>
      </form>
    </section>`,
  );
  const form = $('#signin-form');
  const input = $('#token');
  const error = $('#token-error');
  const fail = (text) => {
    error.textContent = text;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return fail('Enter the API token.');
    const button = $('button[type="submit"]', form);
    button.disabled = true;
    try {
      await api('GET', '/connections', undefined, { token });
      session.signIn(token);
      forgetConnections();
      go(returnTo && returnTo !== '#/signin' ? returnTo : '#/connections');
      returnTo = '';
    } catch (e) {
      fail(e.status === 401 ? 'This token is not accepted by the API.' : e.message);
    } finally {
      button.disabled = false;
    }
  });
  input.focus();
}

function signOut() {
  session.signOut();
  forgetConnections();
  returnTo = '';
  go('#/signin');
}

/** Navigates to `hash`, re-rendering when it is already the current one. */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

whenUnauthorized(() => {
  session.signOut();
  returnTo = location.hash;
  location.hash = '#/signin';
});

$('#sign-out').addEventListener('click', signOut);
// The Attention count in the menu follows the orders: after a decision, and every 10 s.
window.addEventListener('orders-changed', () => refreshAttentionBadge());
setInterval(() => {
  if (session.token && !document.hidden) refreshAttentionBadge();
}, 10_000);
// The skip link must not change the hash (that is the route).
$('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route();
