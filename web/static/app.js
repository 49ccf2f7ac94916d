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
