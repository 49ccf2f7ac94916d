package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os/exec"
	"path"
	"sort"
	"strings"
	"testing"
	"time"
)

// docxPart is a parsed part: every element with its attributes (by local name) and text.
type docxElem struct {
	Name  string
	Attr  map[string]string
	Text  string
	Depth int
	Path  []string // names of the enclosing elements
}

func docxParts(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	return parts
}

func docxElems(t *testing.T, b []byte) []docxElem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var out []docxElem
	var stack []int
	var names []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := docxElem{Name: tk.Name.Local, Attr: map[string]string{}, Depth: len(stack), Path: append([]string(nil), names...)}
			for _, a := range tk.Attr {
				e.Attr[a.Name.Local] = a.Value
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
			names = append(names, tk.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			names = names[:len(names)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].Text += string(tk)
			}
		}
	}
	return out
}

// docxParagraphs is each w:p of a part as its style, numbering id and text (footnote references
// written as [^id]).
type docxP struct{ Style, NumID, Text string }

func docxParagraphs(els []docxElem) []docxP {
	var out []docxP
	for _, e := range els {
		inP := len(out) > 0 && len(e.Path) > 0 && contains(e.Path, "p")
		switch {
		case e.Name == "p":
			out = append(out, docxP{})
		case !inP:
		case e.Name == "pStyle":
			out[len(out)-1].Style = e.Attr["val"]
		case e.Name == "numId":
			out[len(out)-1].NumID = e.Attr["val"]
		case e.Name == "t":
			out[len(out)-1].Text += e.Text
		case e.Name == "footnoteReference":
			out[len(out)-1].Text += "[^" + e.Attr["id"] + "]"
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestDOCX(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	var buf bytes.Buffer
	if err := WriteDOCX(&buf, doc); err != nil {
		t.Fatal(err)
	}
	parts := docxParts(t, buf.Bytes())

	// Every part has a content type, and every part parses.
	types := string(parts["[Content_Types].xml"])
	for name, b := range parts {
		docxElems(t, b)
		if strings.HasSuffix(name, ".rels") {
			continue
		}
		if !strings.Contains(types, `PartName="/`+name+`"`) && !(name == "[Content_Types].xml") {
			t.Errorf("no content type for %s", name)
		}
	}
	for _, name := range []string{"_rels/.rels", "word/_rels/document.xml.rels", "docProps/core.xml", "docProps/app.xml", "word/settings.xml"} {
		if parts[name] == nil {
			t.Errorf("no part %s", name)
		}
	}
	if !strings.Contains(types, `<Default Extension="rels"`) {
		t.Error("no content type for .rels")
	}
	// Relationships point at parts that exist.
	for _, rels := range []string{"_rels/.rels", "word/_rels/document.xml.rels"} {
		for _, e := range docxElems(t, parts[rels]) {
			if e.Name != "Relationship" || e.Attr["TargetMode"] == "External" {
				continue
			}
			target := e.Attr["Target"]
			if rels == "word/_rels/document.xml.rels" {
				target = path.Join("word", target)
			}
			if parts[target] == nil {
				t.Errorf("%s: relationship to missing %s", rels, target)
			}
		}
	}
	if !bytes.Contains(parts["docProps/core.xml"], []byte("<dc:title>Start for Life &lt;script&gt;")) {
		t.Errorf("core.xml title: %s", parts["docProps/core.xml"])
	}

	// Styles: real built-in heading styles.
	styles := map[string]string{}
	var styleID string
	for _, e := range docxElems(t, parts["word/styles.xml"]) {
		switch e.Name {
		case "style":
			styleID = e.Attr["styleId"]
		case "name":
			styles[styleID] = e.Attr["val"]
		}
	}
	for id, name := range map[string]string{"Title": "Title", "Heading1": "heading 1", "Heading2": "heading 2", "Heading3": "heading 3",
		"Quote": "Quote", "ListParagraph": "List Paragraph", "FootnoteReference": "footnote reference", "FootnoteText": "footnote text", "Hyperlink": "Hyperlink"} {
		if styles[id] != name {
			t.Errorf("style %s is named %q, want %q", id, styles[id], name)
		}
	}

	// Document: title and headings in order, at their levels.
	paras := docxParagraphs(docxElems(t, parts["word/document.xml"]))
	var headings []string
	styled := map[string][]string{}
	for _, p := range paras {
		if strings.HasPrefix(p.Style, "Heading") || p.Style == "Title" {
			headings = append(headings, p.Style+" "+p.Text)
		}
		styled[p.Style] = append(styled[p.Style], p.Text)
	}
	want := []string{"Title " + doc.Title, "Heading1 Background", "Heading1 Executive summary", "Heading2 What we found", "Heading3 A detail",
		"Heading1 Introduction", "Heading1 Methodology", "Heading1 Ensuring families have access", "Heading2 Seamless support",
		"Heading2 A welcoming hub", "Heading1 Working together", "Heading2 Leadership for change", "Heading1 Recommendations"}
	if got := strings.Join(headings, "|"); got != strings.Join(want, "|") {
		t.Errorf("headings\n got %s\nwant %s", got, strings.Join(want, "|"))
	}
	if q := styled["Quote"]; len(q) != 3 || q[1] != "‘…a coherent joined up offer.’[^3]" {
		t.Errorf("quotes %q", q)
	}
	if !contains(styled[""], "The programme is jointly led.[^1]") || !contains(styled[""], "Text with emphasis and 50% * a star.") {
		t.Errorf("paragraphs %q", styled[""])
	}

	// Footnotes: every reference has its footnote, with the right text; the separators are there.
	notes := map[string]string{}
	var id string
	for _, e := range docxElems(t, parts["word/footnotes.xml"]) {
		switch e.Name {
		case "footnote":
			id = e.Attr["id"]
			notes[id] = e.Attr["type"]
		case "t":
			notes[id] += e.Text
		}
	}
	if notes["-1"] != "separator" || notes["0"] != "continuationSeparator" {
		t.Errorf("separators %q %q", notes["-1"], notes["0"])
	}
	refs := 0
	for _, e := range docxElems(t, parts["word/document.xml"]) {
		if e.Name != "footnoteReference" {
			continue
		}
		refs++
		n := e.Attr["id"]
		var want string
		for _, f := range doc.Footnotes {
			if f.N == atoi(n) {
				want = " " + f.Text.Plain()
			}
		}
		if notes[n] == "" || notes[n] != want {
			t.Errorf("footnote %s: %q, want %q", n, notes[n], want)
		}
	}
	if refs != 4 || len(notes) != 6 {
		t.Errorf("%d references, %d footnotes", refs, len(notes))
	}

	// Lists: bullets share the bullet list; each numbered list is its own decimal list from 1.
	abstract := map[string]string{} // abstractNumId → numFmt
	numAbs := map[string]string{}   // numId → abstractNumId
	restart := map[string]bool{}
	var cur, curNum string
	for _, e := range docxElems(t, parts["word/numbering.xml"]) {
		switch e.Name {
		case "abstractNum":
			cur = e.Attr["abstractNumId"]
		case "numFmt":
			abstract[cur] = e.Attr["val"]
		case "num":
			curNum = e.Attr["numId"]
		case "abstractNumId":
			numAbs[curNum] = e.Attr["val"]
		case "startOverride":
			restart[curNum] = e.Attr["val"] == "1"
		}
	}
	lists := map[string][]string{}
	var order []string
	for _, p := range paras {
		if p.NumID == "" {
			continue
		}
		if p.Style != "ListParagraph" {
			t.Errorf("list item %q in style %q", p.Text, p.Style)
		}
		if lists[p.NumID] == nil {
			order = append(order, p.NumID)
		}
		lists[p.NumID] = append(lists[p.NumID], p.Text)
	}
	var decimal []string
	for _, n := range order {
		switch abstract[numAbs[n]] {
		case "decimal":
			decimal = append(decimal, strings.Join(lists[n], "|"))
			if !restart[n] {
				t.Errorf("numbered list %s does not restart at 1", n)
			}
		case "bullet":
		default:
			t.Errorf("list %s has format %q", n, abstract[numAbs[n]])
		}
	}
	if len(decimal) != 2 || decimal[0] != "first step|second step" || !strings.HasPrefix(decimal[1], "Central government review") {
		t.Errorf("numbered lists %q", decimal)
	}

	// Table: a header row that repeats.
	doc2 := string(parts["word/document.xml"])
	if !strings.Contains(doc2, "<w:tblHeader/>") || !strings.Contains(doc2, `<w:t xml:space="preserve">Source of evidence</w:t>`) {
		t.Error("table has no header row")
	}
	// Hyperlinks go through an external relationship.
	if !strings.Contains(doc2, `<w:hyperlink r:id="rIdLink1"`) ||
		!strings.Contains(string(parts["word/_rels/document.xml.rels"]), `Id="rIdLink1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://www.gov.uk/start-for-life" TargetMode="External"`) {
		t.Error("hyperlink")
	}
	for _, bad := range []string{"No supporting evidence", "Torbay", ">f1<"} {
		if strings.Contains(doc2, bad) {
			t.Errorf("DOCX contains %q", bad)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestDOCXKeepsXMLValid(t *testing.T) {
	t.Parallel()
	d := &Doc{Title: "A <b> & \x00 \x1b ]]> title", Blocks: []Block{
		{Kind: Heading, Level: 4, Text: Text{{Text: "Deep"}}},
		{Kind: Paragraph, Text: Text{{Text: "  two  spaces\nand a line  "}, {Text: "x", Link: "https://x.test/?a=1&b=<2>"}, {Note: "note & <more>"}}},
		{Kind: Table, Rows: [][]Text{{{{Text: "A"}}, {{Text: "B"}}}, {{{Text: "only one cell"}}}}},
	}}
	d.Finish()
	var buf bytes.Buffer
	if err := WriteDOCX(&buf, d); err != nil {
		t.Fatal(err)
	}
	parts := docxParts(t, buf.Bytes())
	for _, b := range parts {
		docxElems(t, b) // fails on invalid XML
	}
	paras := docxParagraphs(docxElems(t, parts["word/document.xml"]))
	// The level 4 heading straight under the title becomes Heading 1; spaces are kept.
	if paras[1].Style != "Heading1" || paras[2].Text != "  two  spaces and a line  x[^1]" {
		t.Errorf("paragraphs %+v", paras)
	}
	if !bytes.Contains(parts["word/_rels/document.xml.rels"], []byte(`Target="https://x.test/?a=1&amp;b=&lt;2&gt;"`)) {
		t.Errorf("rels %s", parts["word/_rels/document.xml.rels"])
	}
	if !bytes.Contains(parts["word/footnotes.xml"], []byte("note &amp; &lt;more&gt;")) {
		t.Errorf("footnotes %s", parts["word/footnotes.xml"])
	}
	// Every row has as many cells as the grid has columns.
	if n := bytes.Count(parts["word/document.xml"], []byte("<w:tc>")); n != 4 {
		t.Errorf("%d cells", n)
	}
}

// TestDOCXFootnoteOnHeading: an action area cited without a quote has a real footnote reference
// inside its Heading 2 paragraph, and its footnote in footnotes.xml in order with the others;
// pandoc, when installed, reads the same back.
func TestDOCXFootnoteOnHeading(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteDOCX(&buf, citedDoc(t)); err != nil {
		t.Fatal(err)
	}
	parts := docxParts(t, buf.Bytes())
	var headings []string
	for _, p := range docxParagraphs(docxElems(t, parts["word/document.xml"])) {
		if strings.HasPrefix(p.Style, "Heading") {
			headings = append(headings, p.Style+" "+p.Text)
		}
	}
	if got := strings.Join(headings, "|"); !strings.Contains(got, "|Heading2 Area A|Heading2 Area B[^3]|Heading2 Area C|Heading2 Area D|") {
		t.Errorf("headings %s", got)
	}
	// The reference is a footnoteReference run inside the heading's paragraph.
	for _, e := range docxElems(t, parts["word/document.xml"]) {
		if e.Name == "footnoteReference" && e.Attr["id"] == "3" && strings.Join(e.Path, "/") != "document/body/p/r" {
			t.Errorf("footnote 3 referenced at %s", strings.Join(e.Path, "/"))
		}
	}
	var notes []string
	for _, e := range docxElems(t, parts["word/footnotes.xml"]) {
		switch {
		case e.Name == "footnote" && e.Attr["type"] == "":
			notes = append(notes, e.Attr["id"]+":")
		case e.Name == "t" && len(notes) > 0 && contains(e.Path, "footnote"):
			notes[len(notes)-1] += e.Text
		}
	}
	var want []string
	for i, n := range citedNotes {
		want = append(want, fmt.Sprintf("%d: %s", i+1, n))
	}
	if strings.Join(notes, "|") != strings.Join(want, "|") {
		t.Errorf("footnotes %q, want %q", notes, want)
	}

	pandoc, err := exec.LookPath("pandoc")
	if err != nil {
		t.Log("pandoc not installed: DOCX not read back")
		return
	}
	cmd := exec.Command(pandoc, "-f", "docx", "-t", "markdown")
	cmd.Stdin = bytes.NewReader(buf.Bytes())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pandoc: %v", err)
	}
	md := string(out)
	for _, w := range []string{"## Area B[^3]\n\nProse of B.[^4]\n", "[^3]: Source B, 2021\n\n[^4]: Prose source\n"} {
		if !strings.Contains(md, w) {
			t.Errorf("pandoc reads no %q:\n%s", w, md)
		}
	}
	var defs []int
	for i := range citedNotes {
		defs = append(defs, strings.Index(md, fmt.Sprintf("[^%d]: ", i+1)))
	}
	if !sort.IntsAreSorted(defs) || defs[0] < 0 {
		t.Errorf("pandoc reads the footnotes out of order: %v\n%s", defs, md)
	}
}

// TestExportsSameBytesEveryTime: every writer gives the same bytes for the same document, so a
// published report downloads the same file every time (the PDF: TestPDFSameBytesEveryTime).
func TestExportsSameBytesEveryTime(t *testing.T) {
	t.Parallel()
	doc := demoDoc(t)
	writers := map[string]func(w *bytes.Buffer) error{
		"html":     func(w *bytes.Buffer) error { return WriteHTML(w, doc, HTMLOptions{}) },
		"govspeak": func(w *bytes.Buffer) error { return WriteGovspeak(w, doc) },
		"docx":     func(w *bytes.Buffer) error { return WriteDOCX(w, doc) },
	}
	for name, write := range writers {
		var a, b bytes.Buffer
		if err := write(&a); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // a time of writing would show from one second to the next
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if a.Len() == 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two exports differ (%d and %d bytes)", name, a.Len(), b.Len())
		}
	}
}
