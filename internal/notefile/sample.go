package notefile

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
)

// SampleJPEG makes a w×h JPEG for tests, its left half red and its right half blue, with an APP1
// EXIF segment spliced in after SOI holding the orientation orient, a GPS IFD pointer and marker
// as the camera's make (what the service must strip).
func SampleJPEG(w, h, orient int, marker string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		panic(err)
	}
	// TIFF, little endian: IFD0 with Make (ASCII, at an offset), Orientation and GPSInfo, then a
	// GPS IFD with a latitude reference.
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	const entries = 3
	makeOff := 8 + 2 + entries*12 + 4
	gpsOff := makeOff + len(marker) + 1
	tiff = le.AppendUint16(tiff, entries)
	tiff = append(tiff, entry(0x010F, 2, uint32(len(marker)+1), uint32(makeOff))...)
	tiff = append(tiff, entry(0x0112, 3, 1, uint32(orient))...)
	tiff = append(tiff, entry(0x8825, 4, 1, uint32(gpsOff))...)
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, marker...)
	tiff = append(tiff, 0)
	tiff = le.AppendUint16(tiff, 1)
	tiff = append(tiff, entry(0x0001, 2, 2, uint32('N'))...) // GPSLatitudeRef "N"
	tiff = le.AppendUint32(tiff, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	app1 = append(app1, seg...)
	b := buf.Bytes()
	out := append([]byte{}, b[:2]...)
	out = append(out, app1...)
	return append(out, b[2:]...)
}

func entry(tag, typ uint16, count, value uint32) []byte {
	le := binary.LittleEndian
	e := le.AppendUint16(nil, tag)
	e = le.AppendUint16(e, typ)
	e = le.AppendUint32(e, count)
	if typ == 3 && count == 1 {
		e = le.AppendUint16(e, uint16(value))
		return le.AppendUint16(e, 0)
	}
	return le.AppendUint32(e, value)
}
