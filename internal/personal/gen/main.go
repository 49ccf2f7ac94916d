// Command gen writes the kept word lists the personal data detector embeds: firstnames.txt from
// the npm packages of first names (run `npm ci` first) and places.txt from the local
// authorities. It runs from internal/personal by `go generate ./internal/personal`.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"thematic/internal/personal"
)

func main() {
	root := flag.String("root", "../..", "the repository's root")
	out := flag.String("out", ".", "where to write the lists")
	flag.Parse()
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(*root, p))
		if err != nil {
			log.Fatal(err)
		}
		return b
	}
	names, err := personal.NameList(read(personal.FemaleNamesPath), read(personal.MaleNamesPath))
	if err != nil {
		log.Fatal(err)
	}
	places, err := personal.PlaceList(read(personal.PlacesPath))
	if err != nil {
		log.Fatal(err)
	}
	for file, b := range map[string][]byte{"firstnames.txt": names, "places.txt": places} {
		if err := os.WriteFile(filepath.Join(*out, file), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
