package notefile_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"thematic/internal/notefile"
)

func TestPrepareStripsExifAndTurnsThePhotoUpright(t *testing.T) {
	// 40×20, left half red, right half blue, saying "turn 90° clockwise" (orientation 6).
	jpg := notefile.SampleJPEG(40, 20, 6, "SECRET-DEVICE-MARKER")
	if !bytes.Contains(jpg, []byte("Exif")) || !bytes.Contains(jpg, []byte("SECRET-DEVICE-MARKER")) {
		t.Fatal("the test photo has no EXIF to strip")
	}
	if o := notefile.Orientation(jpg); o != 6 {
		t.Fatalf("orientation read %d, want 6", o)
	}
	f, err := notefile.Prepare("IMG_0001.JPG", jpg)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{f.Content, f.Display} {
		if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte("SECRET-DEVICE-MARKER")) || bytes.Contains(b, []byte("GPS")) {
			t.Fatal("the stored bytes still carry the EXIF data")
		}
	}
	if f.Width != 20 || f.Height != 40 || f.ContentType != "image/jpeg" {
		t.Fatalf("got %dx%d %s, want the photo upright 20x40 image/jpeg", f.Width, f.Height, f.ContentType)
	}
	img, err := jpeg.Decode(bytes.NewReader(f.Content))
	if err != nil {
		t.Fatal(err)
	}
	// Turned clockwise, the red left half is now on top.
	top, bottom := img.At(10, 5), img.At(10, 35)
	if !reddish(top) || reddish(bottom) {
		t.Fatalf("the photo was not turned: top %v bottom %v", top, bottom)
	}
	if len(f.SHA256) != 32 {
		t.Fatal("no SHA-256")
	}
}

func reddish(c color.Color) bool {
	r, _, b, _ := c.RGBA()
	return r > b+0x4000
}

func TestPrepareRefusesATextFileNamedAsAPhoto(t *testing.T) {
	_, err := notefile.Prepare("photo.jpg", []byte("just some text, not a photo"))
	if err == nil || err.Error() != "The selected file’s content does not match its type; it must be a real PDF, DOCX, XLSX, ODT, ODS, CSV, PNG or JPEG" {
		t.Fatalf("got %v", err)
	}
}

func TestPrepareRefusesTooManyPixelsBeforeDecoding(t *testing.T) {
	// A PNG header that claims 10,000 × 10,000 pixels: refused on its header alone.
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Patch the SOF0 frame's height and width.
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	b[i+5], b[i+6], b[i+7], b[i+8] = 0x27, 0x10, 0x27, 0x10
	if _, err := notefile.Prepare("big.jpg", b); err != notefile.ErrTooManyPx {
		t.Fatalf("got %v, want ErrTooManyPx", err)
	}
}

func TestPrepareKeepsAPDFAsItCame(t *testing.T) {
	pdf := []byte("%PDF-1.4\n% test\n")
	f, err := notefile.Prepare("plan.pdf", pdf)
	if err != nil || !bytes.Equal(f.Content, pdf) || f.IsImage() {
		t.Fatalf("got %+v, %v", f, err)
	}
}
