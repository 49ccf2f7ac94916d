// The finding form's preview: the text as the report prints it, following what is typed. The
// server renders the same preview when the form is sent with "Preview" (finding.Render and
// finding.Phrase in Go); this mirrors them.
const box = document.querySelector('[data-module="app-finding-preview"]')
const form = box && box.closest('form')
if (box && form) {
  const areas = Number(box.dataset.areas)
  const visited = Number(box.dataset.visited)
  const scaleWord = box.dataset.scaleWord || ''
  // A finding that opens by saying how widespread it is gets no second quantifier
  // (finding.Quantifiers: the review's scale words and the usual ones).
  const quantifiers = box.dataset.quantifiers ? new RegExp(box.dataset.quantifiers, 'i') : null
  const opens = (body) => quantifiers !== null && quantifiers.test(body.trim())
  const out = box.querySelector('#preview')
  const warning = box.querySelector('#own-quantifier')

  const phrase = (style, word) => {
    if (style === 'count') {
      if (areas === visited && visited > 1) return 'all ' + visited + ' areas'
      return areas + ' of the ' + visited + (visited === 1 ? ' area' : ' areas')
    }
    if (style === 'none' || !word) return ''
    if (areas === 1 && !word.toLowerCase().endsWith(' of')) return word + ' area'
    return word + ' areas'
  }
  const isUpper = (c) => c !== c.toLowerCase() && c === c.toUpperCase()
  const isLower = (c) => c !== c.toUpperCase() && c === c.toLowerCase()
  const lowerFirst = (s) => {
    const chars = Array.from(s)
    if (chars.length === 0 || !isUpper(chars[0])) return s
    if (chars.length > 1 && !isLower(chars[1])) return s
    return chars[0].toLowerCase() + chars.slice(1).join('')
  }
  const render = (body, p) => {
    body = body.trim()
    if (body.includes('{areas}')) return body.split('{areas}').join(p)
    if (p === '' || opens(body)) return body
    return 'In ' + p + ' we visited, ' + lowerFirst(body)
  }
  const update = () => {
    const body = form.elements.body.value
    const checked = form.querySelector('input[name="style"]:checked')
    const style = checked ? checked.value : 'word'
    const word = form.elements['word-override'].value.trim() || scaleWord
    if (warning) {
      const own = style !== 'none' && !body.includes('{areas}') && opens(body)
      warning.hidden = !own
      warning.querySelector('[data-words]').textContent = 'in ' + (phrase(style, word) || 'most areas') + ' we visited'
    }
    out.replaceChildren()
    const text = body.trim() === '' ? 'Write the finding to see it as the report prints it.' : render(body, phrase(style, word))
    for (const para of text.split('\n')) {
      if (para.trim() === '') continue
      const p = document.createElement('p')
      p.className = 'govuk-body'
      p.textContent = para.trim()
      out.append(p)
    }
  }
  form.addEventListener('input', update)
  form.addEventListener('change', update)
}
