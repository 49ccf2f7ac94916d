package personal

import "regexp"

var houseNumberRe = regexp.MustCompile(`^\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?$`)

// addresses finds a house number, a street's name and its type ("14 High Street", "3a Elm
// Grove"), and the town after a comma ("14 High Street, Morpeth").
func addresses(text string, toks []token, out []Hit) []Hit {
	for i := 0; i+2 < len(toks); i++ {
		if !toks[i].num || !houseNumberRe.MatchString(toks[i].s) {
			continue
		}
		end := -1
		for j := i + 1; j < len(toks) && j <= i+5; j++ {
			t := toks[j]
			if !spaced(t.gap) || !t.cap {
				break
			}
			if j > i+1 && streetTypes[t.s] {
				end = j
				if j+1 < len(toks) && spaced(toks[j+1].gap) && streetTypes[toks[j+1].s] {
					continue // "Park Road": the last type ends it
				}
				break
			}
		}
		if end < 0 {
			continue
		}
		// "3 Buggy Walk sessions": a common noun, not a street.
		if weakStreetTypes[toks[end].s] && end+1 < len(toks) && spaced(toks[end+1].gap) &&
			toks[end+1].lower && !joiners[toks[end+1].low] {
			continue
		}
		stop := toks[end].end
		// The town: capitalised words after a comma ("Newcastle upon Tyne").
		if k := end + 1; k < len(toks) && (toks[k].gap == ", " || toks[k].gap == ",") && toks[k].cap &&
			!notName[toks[k].s] && !(isFirstName(toks[k].s) && !placeWords[toks[k].s]) {
			last := k
			for m := k + 1; m < len(toks) && m <= k+3 && spaced(toks[m].gap); m++ {
				if toks[m].cap && !notName[toks[m].s] {
					last = m
				} else if toks[m].low != "upon" && toks[m].low != "on" && toks[m].low != "le" {
					break
				}
			}
			stop = toks[last].end
		}
		out = append(out, Hit{Kind: KindAddress, Text: text[toks[i].start:stop], Start: toks[i].start, End: stop,
			Message: "This looks like a street address"})
	}
	return out
}
