package imaging_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/souq-market/souq/internal/imaging"
)

func pngOf(t *testing.T, w, h int, alpha uint8) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{200, 30, 30, alpha})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestVariantsScaleTheLongestSide(t *testing.T) {
	// Small sizes keep the test fast under -race; the arithmetic is the
	// same for 256 and 1024.
	vs, err := imaging.Variants(pngOf(t, 600, 300, 255), "image/png", []int{64, 256})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{64, 32}, {256, 128}}
	for i, v := range vs {
		img, err := jpeg.Decode(bytes.NewReader(v.JPEG))
		if err != nil {
			t.Fatalf("variant %d is no JPEG: %v", v.Size, err)
		}
		if got := [2]int{img.Bounds().Dx(), img.Bounds().Dy()}; got != want[i] || v.Width != got[0] || v.Height != got[1] {
			t.Errorf("variant %d is %v (reported %d×%d), want %v", v.Size, got, v.Width, v.Height, want[i])
		}
		r, g, _, _ := img.At(10, 10).RGBA()
		if r>>8 < 150 || g>>8 > 80 {
			t.Errorf("variant %d lost its colour: r=%d g=%d", v.Size, r>>8, g>>8)
		}
	}
}

func TestVariantsNeverEnlargeAndFlattenOnWhite(t *testing.T) {
	vs, err := imaging.Variants(pngOf(t, 100, 40, 0), "image/png", []int{256})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := jpeg.Decode(bytes.NewReader(vs[0].JPEG))
	if img.Bounds().Dx() != 100 || img.Bounds().Dy() != 40 {
		t.Fatalf("a small image was resized to %v", img.Bounds())
	}
	if r, g, b, _ := img.At(50, 20).RGBA(); r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Fatalf("transparent pixels became %d,%d,%d, not white", r>>8, g>>8, b>>8)
	}
}

// bomb is a valid PNG header declaring 60000×60000 pixels, with no data.
func bomb() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 60000)
	binary.BigEndian.PutUint32(ihdr[4:], 60000)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestVariantsRefuse(t *testing.T) {
	good := pngOf(t, 10, 10, 255)
	for name, c := range map[string]struct {
		data []byte
		typ  string
	}{
		"decompression bomb":   {bomb(), "image/png"},
		"truncated":            {good[:len(good)/2], "image/png"},
		"png declared as jpeg": {good, "image/jpeg"},
		"gif":                  {[]byte("GIF89a\x01\x00\x01\x00"), "image/gif"},
		"garbage webp":         {[]byte("RIFF\x24\x00\x00\x00WEBPVP8 garbage"), "image/webp"},
	} {
		if _, err := imaging.Variants(c.data, c.typ, imaging.Sizes); !errors.Is(err, imaging.ErrUndecodable) {
			t.Errorf("%s: %v, want ErrUndecodable", name, err)
		}
	}
}
