package archive_test

import (
	"archive/zip"
	"bytes"
	"io"
	"sort"
	"testing"

	"thematic/internal/archive"
)

// unzipped is an archive's JSON and, for a ZIP archive, its other files by name.
func unzipped(t *testing.T, data []byte) (jsonData []byte, files map[string][]byte) {
	t.Helper()
	files = map[string][]byte{}
	if !archive.IsZip(data) {
		return data, files
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the archive is not a ZIP file: %v", err)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == archive.JSONName {
			jsonData = b
		} else {
			files[f.Name] = b
		}
	}
	if jsonData == nil {
		t.Fatal("the ZIP file has no archive.json")
	}
	return jsonData, files
}

// jsonOf is an archive's JSON, from the ZIP file when it is one.
func jsonOf(t *testing.T, data []byte) []byte {
	t.Helper()
	j, _ := unzipped(t, data)
	return j
}

// rezip makes a ZIP archive of the JSON and files (in the order of their names).
func rezip(t *testing.T, jsonData []byte, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	add(archive.JSONName, jsonData)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add(n, files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sameArchive fails the test unless two archives hold the same JSON (apart from exported_at and
// the replacements given, old → new, made in the second) and the same files.
func sameArchive(t *testing.T, first, second []byte, replace ...string) {
	t.Helper()
	fj, ff := unzipped(t, first)
	sj, sf := unzipped(t, second)
	for i := 0; i+1 < len(replace); i += 2 {
		sj = bytes.Replace(sj, []byte(replace[i]), []byte(replace[i+1]), 1)
	}
	if f, s := withoutExportedAt(fj), withoutExportedAt(sj); !bytes.Equal(f, s) {
		fl, sl := bytes.Split(f, []byte("\n")), bytes.Split(s, []byte("\n"))
		for i := range min(len(fl), len(sl)) {
			if !bytes.Equal(fl[i], sl[i]) {
				t.Fatalf("exports differ at line %d:\nfirst:  %.600s\nsecond: %.600s", i+1, fl[i], sl[i])
			}
		}
		t.Fatalf("exports differ in length: %d and %d lines", len(fl), len(sl))
	}
	if len(ff) != len(sf) {
		t.Fatalf("the first archive has %d files, the second %d", len(ff), len(sf))
	}
	for n, b := range ff {
		if !bytes.Equal(sf[n], b) {
			t.Fatalf("the file %s differs", n)
		}
	}
}
