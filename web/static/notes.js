// Never lose a note. On the note form: the note being typed is kept in this browser (localStorage)
// and restored after a reload or crash; saving sends the form in the background and resets it for
// the next note; when the network is down the note goes into a queue in this browser (IndexedDB)
// that is sent when the connection returns. Every note carries its idempotency key, so a retry,
// a double click or a replayed queue creates one note. On every page the queue is retried.
// Themes are suggested as you type. Without JavaScript the form posts as usual.

const DB_NAME = 'thematic-notes'
const STORE = 'queue'
const RETRY_MS = 4000
const DRAFT_PREFIX = 'thematic-draft:'
const PENDING = 'thematic-draft-pending' // sessionStorage: a draft whose form was posted the ordinary way
// Fields a draft does not keep: the form's own tokens, and the personal data confirmation, which
// must be given knowingly each time.
const NOT_DRAFTED = new Set(['csrf_token', 'idempotency_key', 'action', 'owner_key', 'confirm_personal_data'])

// ---- the queue in IndexedDB: one record per note, keyed by its idempotency key ----

function openDB () {
  return new Promise((resolve, reject) => {
    const req = window.indexedDB.open(DB_NAME, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' })
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

async function withStore (mode, fn) {
  const db = await openDB()
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const req = fn(tx.objectStore(STORE))
      tx.oncomplete = () => resolve(req ? req.result : undefined)
      tx.onerror = () => reject(tx.error)
      tx.onabort = () => reject(tx.error)
    })
  } finally {
    db.close()
  }
}

const queueAll = () => withStore('readonly', (s) => s.getAll()).then((items) => (items || []).sort((a, b) => a.queuedAt - b.queuedAt))
const queuePut = (item) => withStore('readwrite', (s) => s.put(item))
const queueDelete = (key) => withStore('readwrite', (s) => s.delete(key))

// ---- helpers ----

function newKey () {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') {
    return window.crypto.randomUUID()
  }
  const b = new Uint8Array(16)
  window.crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

function plural (n, one, many) {
  return n + ' ' + (n === 1 ? one : many)
}

// storage runs fn on localStorage or sessionStorage; a browser that refuses storage gets no drafts.
function storage (kind, fn) {
  try {
    return fn(window[kind])
  } catch {
    return null
  }
}

// actionOf is the path a form posts to (not form.action: the buttons named "action" shadow it).
function actionOf (f) {
  return new URL(f.getAttribute('action') || window.location.href, window.location.href).pathname
}

// The session's current token: every signed-in page carries it (the sign-out form at least).
function currentCSRF () {
  const input = document.querySelector('input[name="csrf_token"]')
  return input ? input.value : ''
}

// fields lists a form's values as [name, value] pairs, without the photos and files chosen.
function fields (form, submitter) {
  const out = []
  for (const [name, value] of new FormData(form, submitter)) {
    if (typeof value === 'string') {
      out.push([name, value])
    }
  }
  return out
}

// chosenFiles lists the photos and files chosen in a form's file inputs as { name, file } (a File
// is kept as it is in the IndexedDB queue: structured clone copies its bytes).
function chosenFiles (form) {
  const out = []
  for (const input of form.querySelectorAll('input[type="file"]')) {
    for (const file of input.files || []) {
      out.push({ name: input.name, file })
    }
  }
  return out
}

// body is what a note's post sends: multipart FormData when it carries files, else a
// url-encoded form, as before files existed.
function bodyOf (fd, files) {
  if (files && files.length) {
    return fd
  }
  return new URLSearchParams(fd)
}

// fill sets a form's fields from [name, value] pairs; checkboxes and radios not listed are cleared.
function fill (form, pairs, skip) {
  const byName = new Map()
  for (const [name, value] of pairs) {
    if (!byName.has(name)) {
      byName.set(name, [])
    }
    byName.get(name).push(value)
  }
  for (const el of form.elements) {
    if (!el.name || skip.has(el.name) || el.type === 'submit' || el.type === 'button' || el.type === 'file') {
      continue
    }
    const values = byName.get(el.name) || []
    if (el.type === 'checkbox' || el.type === 'radio') {
      el.checked = values.includes(el.value)
    } else if (el.type === 'hidden') {
      if (values.length) {
        el.value = values[0]
      }
    } else {
      el.value = values.length ? values[0] : ''
    }
  }
  const body = form.querySelector('textarea')
  if (body) {
    body.dispatchEvent(new Event('input', { bubbles: true })) // the character count
  }
}

// ---- the status line ----

const state = { waiting: 0, attention: [], saving: false, offline: false, signedOut: false, sentNow: 0, saved: null, message: '' }
let statusEl = null
let listEl = null
let form = null

function ensureStatus () {
  if (statusEl) {
    return statusEl
  }
  statusEl = document.querySelector('[data-note-status]')
  if (!statusEl) {
    // Any other page: a status line at the top of the main content while notes are queued.
    const main = document.querySelector('main') || document.body
    statusEl = document.createElement('div')
    statusEl.className = 'govuk-body app-note-status'
    statusEl.setAttribute('role', 'status')
    statusEl.setAttribute('aria-live', 'polite')
    statusEl.setAttribute('data-note-status', '')
    main.prepend(statusEl)
  }
  statusEl.hidden = false
  listEl = document.createElement('div')
  listEl.setAttribute('data-note-queue', '')
  statusEl.after(listEl)
  return statusEl
}

function render () {
  const parts = []
  let link = null
  if (state.saving) {
    parts.push('Saving…')
  } else if (state.saved) {
    parts.push('Saved.')
    link = state.saved
  }
  if (state.waiting > 0) {
    const what = plural(state.waiting, 'note', 'notes') + ' waiting to send'
    if (state.signedOut) {
      parts.push('Sign in again to send them: ' + what + '.')
    } else if (state.offline) {
      parts.push('Offline – ' + what)
    } else {
      parts.push(what[0].toUpperCase() + what.slice(1))
    }
  } else if (state.sentNow > 0 && !state.saving) {
    parts.push('All notes sent (' + plural(state.sentNow, 'note', 'notes') + ').')
  }
  if (state.attention.length > 0) {
    parts.push(plural(state.attention.length, 'queued note needs', 'queued notes need') + ' your attention: the service did not accept ' +
      (state.attention.length === 1 ? 'it' : 'them') + '.')
  }
  if (state.message) {
    parts.push(state.message)
  }
  if (parts.length === 0 && !statusEl) {
    return // nothing to say on a page without a status line
  }
  const el = ensureStatus()
  el.replaceChildren(document.createTextNode(parts.join(' ')))
  if (link) {
    const a = document.createElement('a')
    a.className = 'govuk-link'
    a.href = link
    a.textContent = 'View the note'
    el.append(' ', a)
  }
  renderAttention()
}

function renderAttention () {
  if (!listEl) {
    return
  }
  if (state.attention.length === 0) {
    listEl.replaceChildren()
    return
  }
  const ul = document.createElement('ul')
  ul.className = 'govuk-list govuk-list--spaced'
  const here = form ? actionOf(form) : ''
  // Only a note form's page says who is signed in: elsewhere the notes' text is not shown, in case
  // they are another user's of this device.
  const known = !!(form && form.dataset.owner)
  state.attention.forEach((item, i) => {
    const li = document.createElement('li')
    const name = known ? item.label : 'queued note ' + (i + 1)
    const strong = document.createElement('strong')
    strong.textContent = known ? item.label : 'Queued note ' + (i + 1)
    li.append(strong, ' – ' + (known && item.message ? item.message : 'The service did not accept this note.') + ' ')
    const hidden = document.createElement('span')
    hidden.className = 'govuk-visually-hidden'
    hidden.textContent = ': ' + name
    if (form && here === item.action && form.querySelector('input[name="idempotency_key"]')) {
      const b = document.createElement('button')
      b.type = 'button'
      b.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
      b.append('Open in the form', hidden)
      b.addEventListener('click', () => openQueued(item.key))
      li.append(b)
    } else {
      const a = document.createElement('a')
      a.className = 'govuk-link'
      a.href = item.action + '/new#queued-' + encodeURIComponent(item.key)
      a.append('Open in the form', hidden)
      li.append(a)
    }
    ul.append(li)
  })
  listEl.replaceChildren(ul)
}

// ---- sending ----

async function send (item) {
  const fd = new FormData()
  for (const [name, value] of item.fields) {
    fd.append(name, value)
  }
  fd.set('csrf_token', currentCSRF() || fd.get('csrf_token') || '')
  fd.set('idempotency_key', item.key)
  fd.set('owner_key', item.owner)
  // Queued before files existed, an item has none: it is sent url-encoded as before.
  const files = Array.isArray(item.files) ? item.files : []
  for (const { name, file } of files) {
    fd.append(name, file, file.name)
  }
  return window.fetch(item.action, {
    method: 'POST',
    body: bodyOf(fd, files),
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
    redirect: 'manual'
  })
}

async function answer (res) {
  try {
    return await res.json()
  } catch {
    return {}
  }
}

function refusal (res, body) {
  if (body && Array.isArray(body.errors) && body.errors.length) {
    return body.errors.map((e) => e.message).join('. ') + '.'
  }
  if (body && body.message) {
    return body.message + '.'
  }
  if (res.status === 403) {
    return 'The service refused it (403).'
  }
  return 'The service refused it (' + res.status + ').'
}

const skipped = new Set() // queued by someone else signed in on this device: left for them
let flushing = null
let retryTimer = null

function flush () {
  if (!flushing) {
    flushing = doFlush().catch(() => {}).finally(() => { flushing = null })
  }
  return flushing
}

async function doFlush () {
  clearTimeout(retryTimer)
  let items = await queueAll()
  await keptCSRF(items)
  for (const item of items) {
    if (form && form.dataset.owner && item.owner !== form.dataset.owner) {
      skipped.add(item.key) // someone else's, and this page says who is signed in
    }
    if (item.state !== 'waiting' || skipped.has(item.key)) {
      continue
    }
    state.saving = true
    render()
    let res
    try {
      res = await send(item)
    } catch {
      state.offline = true
      break
    }
    state.offline = false
    if (res.type === 'opaqueredirect' || res.status === 401) {
      state.signedOut = true
      break
    }
    state.signedOut = false
    const body = await answer(res)
    if (res.status === 200 || res.status === 201) {
      await queueDelete(item.key)
      state.sentNow++
      state.saved = body.url || null
    } else if (res.status === 409 && body.code === 'owner') {
      skipped.add(item.key)
    } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      item.state = 'attention'
      item.message = refusal(res, body)
      await queuePut(item)
    } else {
      break // the service is in trouble: try again later
    }
  }
  state.saving = false
  items = await queueAll()
  const mine = items.filter((i) => !skipped.has(i.key))
  state.waiting = mine.filter((i) => i.state === 'waiting').length
  state.attention = mine.filter((i) => i.state === 'attention')
  render()
  if (state.waiting > 0) {
    retryTimer = setTimeout(flush, RETRY_MS)
  }
}

// ---- drafts ----

function draftKey (f) {
  return DRAFT_PREFIX + f.dataset.owner + ':' + actionOf(f)
}

function readDraft (key) {
  try {
    return JSON.parse(storage('localStorage', (s) => s.getItem(key)) || 'null')
  } catch {
    return null
  }
}

function draftFields (f) {
  return fields(f).filter(([name]) => !NOT_DRAFTED.has(name))
}

function same (a, b) {
  return JSON.stringify(a) === JSON.stringify(b)
}

// ---- the note form ----

function initForm (f) {
  form = f
  const key = draftKey(f)
  const initial = draftFields(f)
  const keyInput = f.querySelector('input[name="idempotency_key"]')
  let timer = null

  const saveDraft = () => {
    clearTimeout(timer)
    timer = null
    const now = draftFields(f)
    // Storage full or refused: the form still works.
    if (same(now, initial)) {
      storage('localStorage', (s) => s.removeItem(key))
    } else {
      // A draft keeps no photos or files; it counts them, to say so when it is restored.
      storage('localStorage', (s) => s.setItem(key, JSON.stringify({ saved: Date.now(), fields: now, files: chosenFiles(f).length })))
    }
  }
  const clearDraft = () => {
    clearTimeout(timer)
    timer = null
    storage('localStorage', (s) => s.removeItem(key))
  }
  const typed = () => {
    clearTimeout(timer)
    timer = setTimeout(saveDraft, 300)
  }
  f.addEventListener('input', typed)
  f.addEventListener('change', typed)
  window.addEventListener('pagehide', () => { if (timer) saveDraft() })

  // A draft from an earlier visit to this form; not over a page that shows what was just sent.
  const draft = readDraft(key)
  const answered = document.querySelector('.govuk-error-summary') || document.title.startsWith('Error:')
  if (draft && Array.isArray(draft.fields) && !answered && !same(draft.fields, initial)) {
    fill(f, draft.fields, NOT_DRAFTED)
    showDraftNotice(f, draft.saved, draft.files || 0, () => {
      clearDraft()
      f.reset()
      fill(f, initial, NOT_DRAFTED)
    })
  }

  initTags(f)
  initShortcut(f)
  keptFormKey(f)

  if (!keyInput) {
    // Changing a note: ordinary post (the server checks the version); drop the draft once saved.
    f.addEventListener('submit', () => {
      saveDraft()
      storage('sessionStorage', (s) => s.setItem(PENDING, key))
    })
    return
  }

  const status = ensureStatus()
  status.hidden = false
  let busy = false
  let native = false

  const resetForNext = () => {
    const body = f.querySelector('textarea[name="body"]')
    if (body) {
      body.value = ''
    }
    const tags = f.querySelector('input[name="tags"]')
    if (tags) {
      tags.value = ''
      tags.dispatchEvent(new Event('input', { bubbles: true }))
    }
    for (const el of f.querySelectorAll('input[type="checkbox"]')) {
      el.checked = false
    }
    const neutral = f.querySelector('input[name="judgement"][value="neutral"]')
    if (neutral) {
      neutral.checked = true
    }
    const role = f.querySelector('select[name="role"]')
    if (role) {
      role.value = ''
    }
    for (const input of f.querySelectorAll('input[type="file"]')) {
      input.value = ''
    }
    keyInput.value = newKey()
    if (body) {
      body.dispatchEvent(new Event('input', { bubbles: true }))
    }
    clearDraft()
    // The fields kept for the next note (source and date) are no draft of their own.
    initial.splice(0, initial.length, ...draftFields(f))
  }

  f.addEventListener('submit', async (e) => {
    if (native) {
      saveDraft()
      storage('sessionStorage', (s) => s.setItem(PENDING, key))
      return // the ordinary post, so that the server shows its error page
    }
    e.preventDefault()
    if (busy) {
      return // a double click
    }
    busy = true
    const submitter = e.submitter && f.contains(e.submitter) ? e.submitter : null
    const pairs = fields(f, submitter)
    const files = chosenFiles(f)
    const fd = new FormData(f, submitter)
    fd.set('owner_key', f.dataset.owner)
    state.saving = true
    state.saved = null
    state.message = ''
    render()
    let res = null
    try {
      res = await window.fetch(actionOf(f), {
        method: 'POST',
        body: bodyOf(fd, files),
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        redirect: 'manual'
      })
    } catch {
      res = null
    }
    state.saving = false
    try {
      if (res && (res.status === 200 || res.status === 201)) {
        const body = await answer(res)
        resetForNext()
        state.saved = body.url || null
        state.offline = false
        render()
        focusText(f)
        flush()
      } else if (!res || res.type === 'opaqueredirect' || res.status === 401 || res.status >= 500 || res.status === 408 || res.status === 429) {
        // No answer, signed out or the service in trouble: keep the note in this browser.
        const body = pairs.find(([n]) => n === 'body')
        const text = body ? body[1].replace(/\s+/g, ' ').trim() : ''
        const item = {
          key: keyInput.value,
          action: actionOf(f),
          fields: pairs,
          owner: f.dataset.owner,
          label: (f.dataset.label || 'Note') + ': ' + (text.length > 60 ? text.slice(0, 60) + '…' : text || '(no text)'),
          state: 'waiting',
          queuedAt: Date.now()
        }
        if (files.length) {
          item.files = files // sent with the note, under its key: once
          item.label += ' (' + plural(files.length, 'photo or file', 'photos and files') + ')'
        }
        try {
          await queuePut(item)
        } catch {
          state.message = 'Not saved: there is no connection and this browser cannot keep the note' +
            (files.length ? ' with its photos and files' : '') + '. It is still in the form: try again later.'
          render()
          return
        }
        resetForNext()
        focusText(f)
        state.offline = !res
        state.signedOut = !!res && (res.type === 'opaqueredirect' || res.status === 401)
        await doFlushCounts()
        clearTimeout(retryTimer)
        retryTimer = setTimeout(flush, RETRY_MS)
      } else {
        // Refused (422 with the field errors and any personal data found, or 403, 409...): post the
        // form the ordinary way so that the server shows its page, with everything typed.
        native = true
        f.requestSubmit(submitter)
        return
      }
    } finally {
      busy = false
    }
  })

  // A queued note to open, named in the address (from a link on another page).
  const m = window.location.hash.match(/^#queued-(.+)$/)
  if (m) {
    openQueued(decodeURIComponent(m[1]))
  }
}

async function doFlushCounts () {
  const items = (await queueAll()).filter((i) => !skipped.has(i.key))
  state.waiting = items.filter((i) => i.state === 'waiting').length
  state.attention = items.filter((i) => i.state === 'attention')
  render()
}

async function openQueued (key) {
  if (!form) {
    return
  }
  const items = await queueAll()
  const item = items.find((i) => i.key === key)
  const here = actionOf(form)
  if (!item || item.action !== here || item.owner !== form.dataset.owner) {
    return
  }
  fill(form, item.fields, new Set(['csrf_token', 'action', 'owner_key', 'idempotency_key']))
  const keyInput = form.querySelector('input[name="idempotency_key"]')
  if (keyInput) {
    keyInput.value = item.key
  }
  const files = Array.isArray(item.files) ? item.files : []
  const filesBack = putFiles(form, files)
  // The form holds it now, and its draft keeps it: out of the queue.
  form.dispatchEvent(new Event('change', { bubbles: true }))
  await queueDelete(item.key)
  state.message = 'The queued note is in the form: check it and save it again.' +
    (files.length && filesBack ? ' Its ' + plural(files.length, 'photo or file is', 'photos and files are') + ' attached again.' : '') +
    (files.length && !filesBack ? ' Its photos and files cannot be put back in the form: choose them again.' : '')
  await doFlushCounts()
  const body = form.querySelector('textarea[name="body"]')
  if (body) {
    body.focus()
  }
}

// putFiles puts a queued note's photos and files back into the form's file inputs, so a note
// reopened after a refusal is saved with them; false where the browser cannot (no DataTransfer).
function putFiles (form, files) {
  if (!files.length) {
    return true
  }
  try {
    const byName = new Map()
    for (const { name, file } of files) {
      if (!byName.has(name)) {
        byName.set(name, new window.DataTransfer())
      }
      byName.get(name).items.add(file instanceof window.File ? file : new window.File([file], 'photo.jpg', { type: file.type }))
    }
    for (const [name, dt] of byName) {
      const input = Array.from(form.querySelectorAll('input[type="file"]')).find((i) => i.name === name)
      if (!input) {
        return false
      }
      input.files = dt.files
    }
    return true
  } catch {
    return false
  }
}

// The next note is typed where the last one was: after a save the text has the focus again.
function focusText (f) {
  const body = f.querySelector('textarea[name="body"]')
  if (body) {
    body.focus()
  }
}

// Ctrl+Enter (Cmd+Enter on a Mac) anywhere in the form saves the note: as "Save and add another"
// where the form has it (the form stays for the next note), else as its first save button. The
// buttons say so to assistive technology (aria-keyshortcuts), and a line above them to everyone.
function initShortcut (f) {
  const button = f.querySelector('button[type="submit"][value="another"]') || f.querySelector('button[type="submit"]')
  if (!button) {
    return
  }
  button.setAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter')
  const group = button.closest('.govuk-button-group')
  if (group) {
    const hint = document.createElement('p')
    hint.className = 'govuk-body-s app-shortcut-hint'
    hint.textContent = 'Shortcut: press Ctrl and Enter (Cmd and Enter on a Mac) to ' + button.textContent.trim().toLowerCase() + '.'
    group.before(hint)
  }
  f.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey || e.isComposing) {
      return
    }
    e.preventDefault()
    f.requestSubmit(button)
  })
}

function showDraftNotice (f, saved, files, discard) {
  const div = document.createElement('div')
  div.className = 'govuk-inset-text app-draft-notice'
  div.setAttribute('data-draft-notice', '')
  const p = document.createElement('p')
  p.className = 'govuk-body'
  const when = saved ? new Date(saved).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }) : ''
  p.textContent = 'Draft restored from this device' + (when ? ' (last typed at ' + when + ').' : '.') +
    (files > 0 ? ' The ' + plural(files, 'photo or file', 'photos and files') + ' you had chosen could not be kept: choose them again.' : '')
  const b = document.createElement('button')
  b.type = 'button'
  b.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
  b.textContent = 'Discard the draft'
  b.addEventListener('click', () => {
    discard()
    div.remove()
    state.message = 'Draft discarded.'
    render()
    const body = f.querySelector('textarea[name="body"]')
    if (body) {
      body.focus()
    }
  })
  div.append(p, b)
  f.before(div)
}

// ---- theme suggestions: each completes the theme being typed after the last comma ----

function initTags (f) {
  const input = f.querySelector('input[name="tags"][list]')
  const list = input && document.getElementById(input.getAttribute('list'))
  if (!list) {
    return
  }
  const tags = Array.from(list.options, (o) => o.value) // most used first
  const update = () => {
    const typed = input.value
    const cut = typed.lastIndexOf(',')
    let head = typed.slice(0, cut + 1)
    const rest = typed.slice(cut + 1)
    const lead = rest.match(/^\s*/)[0]
    head += cut >= 0 && rest.trim() === '' ? (lead || ' ') : lead
    const current = rest.trim().toLowerCase()
    const used = new Set(head.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))
    const starts = []
    const contains = []
    for (const t of tags) {
      const lower = t.toLowerCase()
      if (used.has(lower)) {
        continue
      }
      if (lower.startsWith(current)) {
        starts.push(t)
      } else if (current && lower.includes(current)) {
        contains.push(t)
      }
    }
    const options = starts.concat(contains).slice(0, 20).map((t) => {
      const o = document.createElement('option')
      o.value = head + t
      return o
    })
    list.replaceChildren(...options)
  }
  input.addEventListener('input', update)
  input.addEventListener('focus', update)
}

// ---- a kept copy of the form (the service worker's, sw.js) ----
// It may be opened many times from the device, days after it was kept: each opening makes its own
// idempotency key (the kept copy has none), and queued notes go with the session's current token,
// asked of the service just before they are sent (the kept page's token may be from an earlier
// session).

function keptFormKey (f) {
  const k = f.querySelector('input[name="idempotency_key"]')
  if (k && !k.value) {
    k.value = newKey()
    keptFormDate(f).catch(() => {})
  }
}

// The date the kept form offers is the day it was kept: today instead, when today is within the
// visit (the worker's plan says when the visit runs). A draft restored over it keeps its own date.
async function keptFormDate (f) {
  if (!window.caches || document.querySelector('[data-draft-notice]')) {
    return
  }
  const res = await window.caches.match('/offline/plan')
  const plan = res ? await res.json() : null
  const entry = plan && plan.pages.find((p) => p.url === window.location.pathname && p.start)
  const now = new Date()
  const pad = (n) => String(n).padStart(2, '0')
  const today = now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(now.getDate())
  if (!entry || today < entry.start || today > entry.end) {
    return
  }
  const set = (id, v) => {
    const el = f.querySelector('#' + id)
    if (el) {
      el.value = v
    }
  }
  set('note-date-day', String(now.getDate()))
  set('note-date-month', String(now.getMonth() + 1))
  set('note-date-year', String(now.getFullYear()))
}

async function keptCSRF (items) {
  if (!items.some((i) => i.state === 'waiting' && !skipped.has(i.key))) {
    return
  }
  try {
    const res = await window.fetch('/session/csrf', { headers: { Accept: 'application/json' }, credentials: 'same-origin', redirect: 'manual' })
    const body = res.ok ? await res.json() : {}
    if (body.token) {
      for (const input of document.querySelectorAll('input[name="csrf_token"]')) {
        input.value = body.token
      }
    }
  } catch {} // offline or signed out: sending says so
}

// ---- start ----

function start () {
  // A form posted the ordinary way: its draft goes once the service says the note was saved.
  const pending = storage('sessionStorage', (s) => s.getItem(PENDING))
  if (pending) {
    storage('sessionStorage', (s) => s.removeItem(PENDING))
    const banner = document.querySelector('.govuk-notification-banner--success')
    if (banner && /saved/i.test(banner.textContent)) {
      storage('localStorage', (s) => s.removeItem(pending))
    }
  }
  const f = document.querySelector('form[data-module="app-note-form"][data-owner]')
  if (f && f.dataset.owner) {
    initForm(f)
  }
  if (window.indexedDB && !document.querySelector('[data-signed-out]')) { // signed out: the device is being cleared
    window.addEventListener('online', () => flush())
    flush()
  }
}

start()
