// Package notefile checks and prepares the photos and files attached to an evidence note. A file's
// type is checked by its content (document.Sniff). An image is decoded, turned upright by its
// EXIF orientation, and encoded again, so that what is stored carries none of the original's
// metadata (EXIF location, camera and device data, PNG text chunks); a JPEG copy at most
// DisplayEdge pixels on its long edge is made for pages. Other files are kept as they came.
package notefile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"path"
	"strings"

	"golang.org/x/image/draw"

	"thematic/internal/document"
)

// Limits of what a note may carry.
const (
	MaxFiles    = 10
	MaxFileSize = 20 << 20
	MaxPixels   = 50_000_000 // width × height of an image, checked before decoding it
	DisplayEdge = 1600
)

// Errors of Prepare; their text is fit to show next to the field.
var (
	ErrTooLarge  = fmt.Errorf("The selected file must be smaller than %d MB", MaxFileSize>>20)
	ErrTooMany   = fmt.Errorf("Select up to %d photos or files for one note", MaxFiles)
	ErrTooManyPx = errors.New("The selected photo is too large: it must be under 50 megapixels")
	ErrBadImage  = errors.New("The selected photo could not be read: it must be a real JPEG or PNG image")
)

// File is a file ready to store.
type File struct {
	Name        string
	ContentType string
	Content     []byte
	SHA256      []byte
	Display     []byte // JPEG for pages; nil for a file that is not an image
	Width       int    // of the stored image, upright
	Height      int
}

// IsImage reports whether f is a photo (it has a display copy).
func (f File) IsImage() bool { return f.Display != nil }

// Prepare checks one uploaded file and makes it ready to store. Its errors are fit to show.
func Prepare(name string, content []byte) (File, error) {
	if len(content) > MaxFileSize {
		return File{}, ErrTooLarge
	}
	name = document.CleanName(name)
	ct, err := document.Sniff(name, content)
	if err != nil {
		return File{}, err
	}
	f := File{Name: name, ContentType: ct, Content: content}
	if ct == document.TypeJPEG || ct == document.TypePNG {
		if f, err = prepareImage(name, ct, content); err != nil {
			return File{}, err
		}
	}
	sum := sha256.Sum256(f.Content)
	f.SHA256 = sum[:]
	return f, nil
}

func prepareImage(name, ct string, content []byte) (File, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(content))
	if err != nil {
		return File{}, ErrBadImage
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return File{}, ErrTooManyPx
	}
	orient := 1
	if ct == document.TypeJPEG {
		orient = Orientation(content) // read before the metadata is dropped
	}
	img, _, err := image.Decode(bytes.NewReader(content))
	if err != nil {
		return File{}, ErrBadImage
	}
	img = Upright(img, orient)
	var out bytes.Buffer
	if ct == document.TypePNG {
		err = png.Encode(&out, img)
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return File{}, fmt.Errorf("notefile: encode %s: %w", name, err)
	}
	b := img.Bounds()
	display, err := Display(img)
	if err != nil {
		return File{}, err
	}
	return File{Name: name, ContentType: ct, Content: out.Bytes(), Display: display, Width: b.Dx(), Height: b.Dy()}, nil
}

// Display is img as a JPEG at most DisplayEdge pixels on its long edge, on white (a PNG's
// transparency would otherwise turn black).
func Display(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > DisplayEdge {
		w, h = max(1, w*DisplayEdge/long), max(1, h*DisplayEdge/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 82}); err != nil {
		return nil, fmt.Errorf("notefile: display copy: %w", err)
	}
	return out.Bytes(), nil
}

// Upright applies an EXIF orientation (1–8) to img.
func Upright(img image.Image, orient int) image.Image {
	if orient < 2 || orient > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if orient >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch orient {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // turned 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // turned 90° clockwise to be upright
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // turned 90° anticlockwise to be upright
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}

// Orientation reads the EXIF orientation tag (0x0112) of a JPEG, 1 when there is none or it
// cannot be read. Only the APP1 segments before the image data are looked at.
func Orientation(jpg []byte) int {
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(jpg) {
		if jpg[p] != 0xFF {
			return 1
		}
		marker := jpg[p+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(jpg[p+2])<<8 | int(jpg[p+3])
		if n < 2 || p+2+n > len(jpg) {
			return 1
		}
		seg := jpg[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation finds the orientation in IFD0 of a TIFF header, 0 when absent.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:2]) {
	case "II":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return u16(b) | u16(b[2:])<<16 }
	case "MM":
		u16 = func(b []byte) int { return int(b[0])<<8 | int(b[1]) }
		u32 = func(b []byte) int { return u16(b)<<16 | u16(b[2:]) }
	default:
		return 0
	}
	ifd := u32(t[4:])
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	count := u16(t[ifd:])
	for i := 0; i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if u16(t[e:]) == 0x0112 && u16(t[e+2:]) == 3 { // SHORT
			if o := u16(t[e+8:]); o >= 1 && o <= 8 {
				return o
			}
			return 0
		}
	}
	return 0
}

// Kind says what a stored file is, for counts and alt text: "photo" or "file".
func Kind(contentType string) string {
	if strings.HasPrefix(contentType, "image/") {
		return "photo"
	}
	return "file"
}

// Ext is a file name's extension, lower case.
func Ext(name string) string { return strings.ToLower(path.Ext(name)) }
