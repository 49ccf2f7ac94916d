// The service worker: the app shell and, for the signed-in inspector, their visits kept on this
// device, so that a visit and its note form open without a signal. The server decides what may be
// kept: GET /offline/plan lists it, and only responses with the header X-Thematic-Offline: keep are
// stored. Pages come from the network first; the kept copy only when the network fails. Posts are
// never touched here: the note form queues a note itself when its post fails (notes.js).

const SHELL = 'thematic-shell'
const PAGES = 'thematic-pages-' // + the user's id
const PLAN = '/offline/plan'
const KEEP = 'X-Thematic-Offline'
const REFRESH_MS = 30000 // at most one refresh of the kept pages in this time, unless asked

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => keep(c, '/offline')).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim().then(() => refresh(true)))
})

// The page asks: 'refresh' (the kept pages, now) or 'clear' (sign-out: drop everything).
self.addEventListener('message', (event) => {
  const what = event.data && event.data.type
  if (what === 'refresh') {
    event.waitUntil(refresh(true).then(() => reply(event, 'refreshed')))
  } else if (what === 'clear') {
    event.waitUntil(clearAll().then(() => reply(event, 'cleared')))
  }
})

function reply (event, type) {
  if (event.source) {
    event.source.postMessage({ type })
  }
}

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') {
    return // posts go to the network as the page sent them
  }
  const url = new URL(req.url)
  if (url.origin !== self.location.origin) {
    return
  }
  if (req.mode === 'navigate') {
    event.respondWith(navigate(event, url))
  } else if (url.pathname.startsWith('/static/') || url.pathname.startsWith('/assets/')) {
    event.respondWith(asset(req, url))
  }
  // Anything else (JSON, downloads) goes to the network untouched.
})

// A page: the network's answer; when there is none, the kept copy, else the offline page.
async function navigate (event, url) {
  try {
    const res = await fetch(event.request)
    if (url.pathname === '/' || /^\/reviews\/[^/]+\/visits\/[^/]+$/.test(url.pathname)) {
      event.waitUntil(refresh(false))
    }
    return res
  } catch (err) {
    const kept = await keptPage(url)
    if (kept) {
      return kept
    }
    const offline = await caches.match('/offline', { cacheName: SHELL })
    return offline || Response.error()
  }
}

// A static file: a hashed name never changes, so the kept copy serves; a plain name is asked of
// the network first.
async function asset (req, url) {
  const hashed = /\.[0-9a-f]{8}\.[a-z0-9]+$/.test(url.pathname)
  if (hashed) {
    const kept = await caches.match(req, { cacheName: SHELL })
    if (kept) {
      return kept
    }
  }
  try {
    return await fetch(req)
  } catch (err) {
    const kept = await caches.match(req, { cacheName: SHELL, ignoreSearch: true })
    return kept || Response.error()
  }
}

// keptPage is the kept copy of a page, unless its time is up (then it is dropped).
async function keptPage (url) {
  const plan = await keptPlan()
  if (!plan) {
    return null
  }
  const entry = plan.pages.find((p) => p.url === url.pathname)
  const cache = await caches.open(PAGES + plan.user)
  if (!entry) {
    return null
  }
  if (Date.parse(entry.until) < Date.now() || Date.parse(plan.keepUntil) < Date.now()) {
    await cache.delete(entry.url)
    return null
  }
  return (await cache.match(entry.url)) || null
}

// keptPlan is the last plan the server gave, kept with the pages it lists.
async function keptPlan () {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES)) {
      const res = await (await caches.open(name)).match(PLAN)
      if (res) {
        try {
          return await res.json()
        } catch (err) {
          return null
        }
      }
    }
  }
  return null
}

// keep fetches url, saying it is for keeping (the server then leaves out what must not be kept,
// and keeps a flash message for the page the user opens next), and stores the answer in cache if
// the server says it may be kept.
async function keep (cache, url) {
  let res
  try {
    res = await fetch(url, { credentials: 'same-origin', redirect: 'manual', headers: { [KEEP]: 'fetch' } })
  } catch (err) {
    return false // offline: what was kept stays
  }
  if (res.ok && res.headers.get(KEEP) === 'keep') {
    await cache.put(url, res)
    return true
  }
  await cache.delete(url)
  return false
}

let refreshing = null
let lastRefresh = 0

function refresh (force) {
  if (refreshing) {
    return refreshing
  }
  if (!force && Date.now() - lastRefresh < REFRESH_MS) {
    return Promise.resolve()
  }
  refreshing = doRefresh().catch(() => {}).finally(() => {
    refreshing = null
  })
  return refreshing
}

async function doRefresh () {
  let res
  try {
    res = await fetch(PLAN, { credentials: 'same-origin', redirect: 'manual', headers: { Accept: 'application/json' } })
  } catch (err) {
    return // no network: keep what is kept
  }
  if (res.type === 'opaqueredirect' || res.status === 401 || res.status === 403) {
    await clearPages() // signed out: nothing of anyone's stays
    return
  }
  if (!res.ok) {
    return // the service in trouble: try again later
  }
  const plan = await res.clone().json()
  lastRefresh = Date.now()
  const name = PAGES + plan.user
  // Another person's pages never stay on a device someone else is signed in on.
  for (const other of await caches.keys()) {
    if (other.startsWith(PAGES) && other !== name) {
      await caches.delete(other)
    }
  }
  const shell = await caches.open(SHELL)
  const wantShell = new Set(plan.shell.concat(['/offline']))
  for (const req of await shell.keys()) {
    const path = new URL(req.url).pathname
    if (!wantShell.has(path)) {
      await shell.delete(req)
    }
  }
  for (const url of wantShell) {
    if (url === '/offline' || !(await shell.match(url))) {
      await keep(shell, url)
    }
  }
  const pages = await caches.open(name)
  const want = new Set(plan.pages.map((p) => p.url))
  for (const req of await pages.keys()) {
    const path = new URL(req.url).pathname
    if (path !== PLAN && !want.has(path)) {
      await pages.delete(req)
    }
  }
  for (const p of plan.pages) {
    await keep(pages, p.url)
  }
  await pages.put(PLAN, res)
}

async function clearPages () {
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES)) {
      await caches.delete(name)
    }
  }
}

async function clearAll () {
  for (const name of await caches.keys()) {
    await caches.delete(name)
  }
}
