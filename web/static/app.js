// Enhancements only: every page works without this file.
import { initAll } from './govuk/govuk-frontend.min.js'
import './notes.js' // never lose a note: drafts, background saving, the offline queue

initAll()

// Idle timeout warning: two minutes before the session ends, offer one click to stay signed in.
// Without JavaScript the session still ends after the idle time, as the server decides.
const warning = document.querySelector('[data-module="app-session-warning"]')
if (warning) {
  const idle = Number(warning.dataset.idleSeconds) * 1000
  const lead = Math.min(120000, idle / 2)
  let timer
  let endTimer
  const form = warning.querySelector('form')
  const countdown = warning.querySelector('[data-countdown]')
  const arm = () => {
    clearTimeout(timer)
    clearTimeout(endTimer)
    timer = setTimeout(show, idle - lead)
  }
  const show = () => {
    warning.hidden = false
    const ends = Date.now() + lead
    const tick = () => {
      const s = Math.max(0, Math.round((ends - Date.now()) / 1000))
      countdown.textContent = s >= 60 ? Math.ceil(s / 60) + ' minute' + (s > 60 ? 's' : '') : s + ' seconds'
      if (s === 0) {
        // A little after the server's deadline, so that the session has really ended.
        setTimeout(() => { window.location.href = '/sign-in?timeout=1' }, 2000)
        return
      }
      endTimer = setTimeout(tick, 1000)
    }
    tick()
    warning.querySelector('button').focus()
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const res = await fetch(form.action, { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' } })
    if (res.ok) {
      warning.hidden = true
      arm()
    } else {
      window.location.href = '/sign-in?timeout=1'
    }
  })
  arm()
}

// ---- the offline app shell (sw.js) ----
// Signed in, the page registers the service worker, which keeps the user's visits on this device.
// Signing out clears the device: every cache, the queue of notes and the drafts; unsent notes
// would be lost, so the user is asked first.

const NOTES_DB = 'thematic-notes'
const signOut = document.querySelector('form[data-module="app-sign-out"]')

if (signOut && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {})
  window.addEventListener('online', () => {
    navigator.serviceWorker.ready.then((reg) => reg.active && reg.active.postMessage({ type: 'refresh' }))
  })
}

// unsentNotes counts the notes in this browser's queue (waiting or refused), without making the
// database where there is none.
async function unsentNotes () {
  if (!window.indexedDB) {
    return 0
  }
  if (typeof window.indexedDB.databases === 'function') {
    const dbs = await window.indexedDB.databases()
    if (!dbs.some((d) => d.name === NOTES_DB)) {
      return 0
    }
  }
  return new Promise((resolve) => {
    const req = window.indexedDB.open(NOTES_DB, 1)
    req.onupgradeneeded = () => req.result.createObjectStore('queue', { keyPath: 'key' })
    req.onerror = () => resolve(0)
    req.onsuccess = () => {
      const db = req.result
      const count = db.transaction('queue').objectStore('queue').count()
      count.onsuccess = () => { db.close(); resolve(count.result) }
      count.onerror = () => { db.close(); resolve(0) }
    }
  })
}

async function clearDevice () {
  try {
    if (window.caches) {
      for (const name of await window.caches.keys()) {
        await window.caches.delete(name)
      }
    }
  } catch {}
  if (window.indexedDB) {
    await new Promise((resolve) => {
      const req = window.indexedDB.deleteDatabase(NOTES_DB)
      req.onsuccess = req.onerror = req.onblocked = () => resolve()
    })
  }
  for (const kind of ['localStorage', 'sessionStorage']) {
    try {
      const s = window[kind]
      for (const key of Object.keys(s)) {
        if (key.startsWith('thematic-')) {
          s.removeItem(key)
        }
      }
    } catch {}
  }
  try {
    if ('serviceWorker' in navigator) {
      for (const reg of await navigator.serviceWorker.getRegistrations()) {
        await reg.unregister()
      }
    }
  } catch {}
}

// confirmLoss asks, in the page, whether to sign out and lose n unsent notes.
function confirmLoss (n) {
  return new Promise((resolve) => {
    const old = document.querySelector('[data-sign-out-warning]')
    if (old) {
      old.remove()
    }
    const notes = n === 1 ? '1 note' : n + ' notes'
    const box = document.createElement('div')
    box.className = 'govuk-error-summary'
    box.setAttribute('data-sign-out-warning', '')
    box.setAttribute('role', 'alert')
    box.setAttribute('tabindex', '-1')
    const h = document.createElement('h2')
    h.className = 'govuk-error-summary__title'
    h.textContent = notes + ' on this device ' + (n === 1 ? 'has' : 'have') + ' not been sent'
    const body = document.createElement('div')
    body.className = 'govuk-error-summary__body'
    const p = document.createElement('p')
    p.className = 'govuk-body'
    p.textContent = 'If you sign out now, ' + (n === 1 ? 'it is' : 'they are') + ' deleted from this device and lost. ' +
      'Stay signed in until ' + (n === 1 ? 'it is' : 'they are') + ' sent (it happens by itself when there is a connection), or open ' +
      (n === 1 ? 'it' : 'them') + ' from the note form.'
    const group = document.createElement('div')
    group.className = 'govuk-button-group'
    const stay = document.createElement('button')
    stay.type = 'button'
    stay.className = 'govuk-button'
    stay.textContent = 'Stay signed in'
    const leave = document.createElement('button')
    leave.type = 'button'
    leave.className = 'govuk-button govuk-button--warning'
    leave.textContent = 'Sign out and lose the ' + (n === 1 ? 'note' : 'notes')
    group.append(stay, leave)
    body.append(p, group)
    box.append(h, body)
    const main = document.querySelector('main') || document.body
    main.prepend(box)
    box.focus()
    stay.addEventListener('click', () => { box.remove(); resolve(false) })
    leave.addEventListener('click', () => resolve(true))
  })
}

if (signOut) {
  let confirmed = false
  signOut.addEventListener('submit', async (e) => {
    if (confirmed) {
      return
    }
    e.preventDefault()
    const n = await unsentNotes().catch(() => 0)
    if (n > 0 && !(await confirmLoss(n))) {
      return
    }
    await clearDevice()
    confirmed = true
    signOut.submit()
  })
}

// The page after signing out: clear again whatever a late write left (the response's
// Clear-Site-Data header does the same where the browser honours it).
if (document.querySelector('[data-signed-out]')) {
  clearDevice()
}

// The offline page: the visits this device keeps, from the worker's last plan.
const keptList = document.querySelector('[data-offline-list]')
if (keptList) {
  listKept(keptList).catch(() => {})
}

async function listKept (list) {
  const none = document.querySelector('[data-offline-none]')
  let shown = 0
  if (window.caches) {
    for (const name of await window.caches.keys()) {
      if (!name.startsWith('thematic-pages-')) {
        continue
      }
      const cache = await window.caches.open(name)
      const res = await cache.match('/offline/plan')
      const plan = res ? await res.json() : { pages: [] }
      for (const page of plan.pages) {
        if (page.kind !== 'visit' || Date.parse(page.until) < Date.now() || !(await cache.match(page.url))) {
          continue
        }
        const li = document.createElement('li')
        const a = document.createElement('a')
        a.className = 'govuk-link'
        a.href = page.url
        a.textContent = page.title
        const hint = document.createElement('span')
        hint.className = 'govuk-hint govuk-!-display-block govuk-!-margin-bottom-0'
        hint.textContent = page.dates
        li.append(a, hint)
        list.append(li)
        shown++
      }
    }
  }
  document.querySelector('[data-offline-kept]').hidden = shown === 0
  if (none) {
    none.hidden = shown > 0
  }
}
