package report

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteDOCX writes the document as a Word document (Office Open XML), with Word's built-in styles
// so that the navigation pane and the accessibility checker see its structure: the title in the
// Title style, parts, sections and sub-sections in Heading 1, 2 and 3, quotes in Quote, lists in
// List Paragraph with real numbering (each numbered list starting at 1), tables with a repeating
// header row, links as hyperlinks and footnotes as Word footnotes.
func WriteDOCX(w io.Writer, d *Doc) error {
	if err := checkFinished(d); err != nil {
		return err
	}
	z := zip.NewWriter(w)
	links := docxLinks(d)
	numbered := 0
	for _, b := range d.Blocks {
		if b.Kind == Numbered {
			numbered++
		}
	}
	parts := []struct {
		name  string
		write func(*bufio.Writer)
	}{
		{"[Content_Types].xml", func(b *bufio.Writer) { b.WriteString(docxContentTypes) }},
		{"_rels/.rels", func(b *bufio.Writer) { b.WriteString(docxPackageRels) }},
		{"docProps/core.xml", func(b *bufio.Writer) { docxCore(b, d) }},
		{"docProps/app.xml", func(b *bufio.Writer) { b.WriteString(docxApp) }},
		{"word/_rels/document.xml.rels", func(b *bufio.Writer) { docxDocumentRels(b, links) }},
		{"word/styles.xml", func(b *bufio.Writer) { b.WriteString(docxStyles) }},
		{"word/settings.xml", func(b *bufio.Writer) { b.WriteString(docxSettings) }},
		{"word/numbering.xml", func(b *bufio.Writer) { docxNumbering(b, numbered) }},
		{"word/footnotes.xml", func(b *bufio.Writer) { docxFootnotes(b, d) }},
		{"word/document.xml", func(b *bufio.Writer) { docxDocument(b, d, links) }},
	}
	// A fixed time in every entry: the same document gives the same bytes on every export.
	modified := docxTime
	for _, p := range parts {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return fmt.Errorf("docx: %s: %w", p.name, err)
		}
		b := bufio.NewWriterSize(fw, 32*1024)
		p.write(b)
		if err := b.Flush(); err != nil {
			return fmt.Errorf("docx: %s: %w", p.name, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("docx: %w", err)
	}
	return nil
}

// docxTime is the modification time written in the DOCX's ZIP entries: the earliest a ZIP can
// hold, the same on every export.
var docxTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	wNS       = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relNS     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
)

const docxContentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
	`<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>` +
	`<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
	`</Types>`

const docxPackageRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="` + relNS + `officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId3" Type="` + relNS + `extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

const docxApp = xmlHeader + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">` +
	`<Application>Thematic reviews</Application><DocSecurity>0</DocSecurity></Properties>`

const docxSettings = xmlHeader + `<w:settings ` + wNS + `>` +
	`<w:zoom w:percent="100"/><w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/>` +
	`<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>` +
	`<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>` +
	`<w:themeFontLang w:val="en-GB"/>` +
	`</w:settings>`

// docxStyles are Word's built-in styles, by their built-in names, in a GOV.UK-like look.
var docxStyles = xmlHeader + `<w:styles ` + wNS + `>` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/>` +
	`<w:color w:val="0B0C0C"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-GB" w:eastAsia="en-US" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="200" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="10"/><w:qFormat/>` +
	`<w:pPr><w:spacing w:after="300"/><w:contextualSpacing/></w:pPr><w:rPr><w:b/><w:kern w:val="28"/><w:sz w:val="56"/><w:szCs w:val="56"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="11"/><w:qFormat/>` +
	`<w:rPr><w:color w:val="505A5F"/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>` +
	docxHeading(1, 40, 480) + docxHeading(2, 32, 360) + docxHeading(3, 26, 240) +
	`<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:link w:val="QuoteChar"/><w:uiPriority w:val="29"/><w:qFormat/>` +
	`<w:pPr><w:pBdr><w:left w:val="single" w:sz="36" w:space="10" w:color="B1B4B6"/></w:pBdr><w:spacing w:before="120" w:after="240"/><w:ind w:left="340"/></w:pPr><w:rPr><w:i/><w:iCs/></w:rPr></w:style>` +
	`<w:style w:type="character" w:customStyle="1" w:styleId="QuoteChar"><w:name w:val="Quote Char"/><w:basedOn w:val="DefaultParagraphFont"/><w:link w:val="Quote"/><w:uiPriority w:val="29"/><w:rPr><w:i/><w:iCs/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="34"/><w:qFormat/>` +
	`<w:pPr><w:spacing w:after="120"/><w:ind w:left="720"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:link w:val="FootnoteTextChar"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>` +
	`<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>` +
	`<w:style w:type="character" w:customStyle="1" w:styleId="FootnoteTextChar"><w:name w:val="Footnote Text Char"/><w:basedOn w:val="DefaultParagraphFont"/><w:link w:val="FootnoteText"/><w:uiPriority w:val="99"/><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>` +
	`<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>` +
	`<w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>` +
	`<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:color w:val="1D70B8"/><w:u w:val="single"/></w:rPr></w:style>` +
	`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>` +
	`<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="39"/>` +
	`<w:pPr><w:spacing w:before="60" w:after="60" w:line="240" w:lineRule="auto"/></w:pPr>` +
	`<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:left w:val="nil"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:right w:val="nil"/>` +
	`<w:insideH w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/><w:insideV w:val="nil"/></w:tblBorders></w:tblPr></w:style>` +
	`</w:styles>`

func docxHeading(n, size, before int) string {
	return fmt.Sprintf(`<w:style w:type="paragraph" w:styleId="Heading%d"><w:name w:val="heading %d"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>`+
		`<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="%d" w:after="160"/><w:outlineLvl w:val="%d"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`,
		n, n, before, n-1, size, size)
}

// docxNumbering has one bulleted and one decimal list definition; every numbered list has its
// own instance of the decimal one that restarts at 1.
func docxNumbering(b *bufio.Writer, numbered int) {
	b.WriteString(xmlHeader + `<w:numbering ` + wNS + `>`)
	b.WriteString(`<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/>` +
		`<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/>` +
		`<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:hint="default"/></w:rPr></w:lvl></w:abstractNum>`)
	b.WriteString(`<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="hybridMultilevel"/>` +
		`<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>` +
		`<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>`)
	b.WriteString(`<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>`)
	for i := 0; i < numbered; i++ {
		fmt.Fprintf(b, `<w:num w:numId="%d"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>`, i+2)
	}
	b.WriteString(`</w:numbering>`)
}

// docxLinks gives each distinct link address a relationship id.
func docxLinks(d *Doc) map[string]string {
	links := map[string]string{}
	for _, b := range d.Blocks {
		each := func(t Text) {
			for _, s := range t {
				if s.Link != "" && s.Note == "" && safeLink(s.Link) && links[s.Link] == "" {
					links[s.Link] = "rIdLink" + strconv.Itoa(len(links)+1)
				}
			}
		}
		each(b.Text)
		for _, it := range b.Items {
			each(it)
		}
		for _, row := range b.Rows {
			for _, c := range row {
				each(c)
			}
		}
	}
	return links
}

func docxDocumentRels(b *bufio.Writer, links map[string]string) {
	b.WriteString(xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="` + relNS + `styles" Target="styles.xml"/>` +
		`<Relationship Id="rId2" Type="` + relNS + `settings" Target="settings.xml"/>` +
		`<Relationship Id="rId3" Type="` + relNS + `numbering" Target="numbering.xml"/>` +
		`<Relationship Id="rId4" Type="` + relNS + `footnotes" Target="footnotes.xml"/>`)
	// In order of their ids, so the part is the same every time.
	byID := make([]string, len(links))
	for u, id := range links {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "rIdLink"))
		byID[n-1] = u
	}
	for i, u := range byID {
		b.WriteString(`<Relationship Id="rIdLink` + strconv.Itoa(i+1) + `" Type="` + relNS + `hyperlink" Target="`)
		xmlEsc(b, u)
		b.WriteString(`" TargetMode="External"/>`)
	}
	b.WriteString(`</Relationships>`)
}

func docxCore(b *bufio.Writer, d *Doc) {
	b.WriteString(xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
		`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>`)
	xmlEsc(b, d.Title)
	b.WriteString(`</dc:title>`)
	if d.Kind != "" {
		b.WriteString(`<dc:subject>`)
		xmlEsc(b, d.Kind)
		b.WriteString(`</dc:subject>`)
	}
	b.WriteString(`<dc:language>en-GB</dc:language></cp:coreProperties>`)
}

func docxFootnotes(b *bufio.Writer, d *Doc) {
	b.WriteString(xmlHeader + `<w:footnotes ` + wNS + `>` +
		`<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>` +
		`<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>`)
	for _, f := range d.Footnotes {
		fmt.Fprintf(b, `<w:footnote w:id="%d"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>`, f.N)
		b.WriteString(`<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>`)
		// Footnotes have no relationships of their own: a link is written out after its text.
		for _, s := range f.Text {
			if s.Note != "" || s.Text == "" {
				continue
			}
			docxRun(b, s, s.Text, "")
			if s.Link != "" && safeLink(s.Link) && s.Link != s.Text {
				docxRun(b, Span{}, " ("+s.Link+")", "")
			}
		}
		b.WriteString(`</w:p></w:footnote>`)
	}
	b.WriteString(`</w:footnotes>`)
}

func docxDocument(b *bufio.Writer, d *Doc, links map[string]string) {
	b.WriteString(xmlHeader + `<w:document ` + wNS + `><w:body>`)
	para := func(style, text string) {
		b.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
		docxRun(b, Span{}, text, "")
		b.WriteString(`</w:p>`)
	}
	para("Title", d.Title)
	if d.Kind != "" {
		para("Subtitle", d.Kind)
	}
	if d.Published != "" {
		para("Normal", "Published "+d.Published)
	}
	if d.AppliesTo != "" {
		para("Normal", "Applies to "+d.AppliesTo)
	}
	levels := headingLevels(d)
	numID := 1
	for i, bl := range d.Blocks {
		switch bl.Kind {
		case Heading:
			lv := levels[i] - 1
			if lv > 3 {
				lv = 3
			}
			docxPara(b, `<w:pStyle w:val="Heading`+strconv.Itoa(lv)+`"/>`, bl.Text, links)
		case Quote:
			docxPara(b, `<w:pStyle w:val="Quote"/>`, bl.Text, links)
		case Bullets, Numbered:
			id := 1
			if bl.Kind == Numbered {
				numID++
				id = numID
			}
			ppr := `<w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="` + strconv.Itoa(id) + `"/></w:numPr>`
			for _, it := range bl.Items {
				docxPara(b, ppr, it, links)
			}
		case Table:
			docxTable(b, bl.Rows, links)
		default:
			docxPara(b, "", bl.Text, links)
		}
	}
	b.WriteString(`<w:sectPr><w:footnotePr><w:numFmt w:val="decimal"/></w:footnotePr>` +
		`<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>`)
	b.WriteString(`</w:body></w:document>`)
}

func docxTable(b *bufio.Writer, rows [][]Text, links map[string]string) {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>` +
		`<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>`)
	width := 9638 / cols // the text width of A4 with 2 cm margins, in twentieths of a point
	for range cols {
		b.WriteString(`<w:gridCol w:w="` + strconv.Itoa(width) + `"/>`)
	}
	b.WriteString(`</w:tblGrid>`)
	for ri, row := range rows {
		b.WriteString(`<w:tr>`)
		if ri == 0 {
			b.WriteString(`<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>`)
		}
		for ci := range cols {
			var cell Text
			if ci < len(row) {
				cell = row[ci]
			}
			b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="` + strconv.Itoa(width) + `" w:type="dxa"/></w:tcPr>`)
			if ri == 0 {
				bold := make(Text, len(cell))
				for i, s := range cell {
					s.Strong = true
					bold[i] = s
				}
				cell = bold
			}
			docxPara(b, `<w:spacing w:after="0"/>`, cell, links)
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl><w:p/>`)
}

// docxPara writes a paragraph with the given paragraph properties (already XML, in schema order).
func docxPara(b *bufio.Writer, ppr string, t Text, links map[string]string) {
	b.WriteString(`<w:p>`)
	if ppr != "" {
		b.WriteString(`<w:pPr>` + ppr + `</w:pPr>`)
	}
	for _, s := range t {
		switch {
		case s.Note != "":
			fmt.Fprintf(b, `<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="%d"/></w:r>`, s.Ref)
		case s.Text == "":
		case s.Link != "" && links[s.Link] != "":
			b.WriteString(`<w:hyperlink r:id="` + links[s.Link] + `" w:history="1">`)
			docxRun(b, s, s.Text, "Hyperlink")
			b.WriteString(`</w:hyperlink>`)
		default:
			docxRun(b, s, s.Text, "")
		}
	}
	b.WriteString(`</w:p>`)
}

// docxRun writes one run of text with its marks.
func docxRun(b *bufio.Writer, s Span, text, style string) {
	b.WriteString(`<w:r>`)
	if style != "" || s.Strong || s.Emph {
		b.WriteString(`<w:rPr>`)
		if style != "" {
			b.WriteString(`<w:rStyle w:val="` + style + `"/>`)
		}
		if s.Strong {
			b.WriteString(`<w:b/><w:bCs/>`)
		}
		if s.Emph {
			b.WriteString(`<w:i/><w:iCs/>`)
		}
		b.WriteString(`</w:rPr>`)
	}
	// Line breaks in text become spaces, as in the other formats.
	text = lineBreaks.Replace(text)
	b.WriteString(`<w:t xml:space="preserve">`)
	xmlEsc(b, text)
	b.WriteString(`</w:t></w:r>`)
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

func xmlEsc(b *bufio.Writer, s string) { _ = xml.EscapeText(b, []byte(s)) }
