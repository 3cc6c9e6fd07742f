package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Sizes are the variants souq makes of every product image: a thumbnail
// for lists and a large one for the product page (longest side, px).
var Sizes = []int{256, 1024}

// MaxPixels bounds what is decoded: a 10 MB file may declare a 60000×60000
// canvas, which would need gigabytes once decoded.
const MaxPixels = 50_000_000

// ErrUndecodable is an image that cannot be used: corrupt, of a type not
// handled, or too large once decoded.
var ErrUndecodable = errors.New("imaging: image cannot be decoded")

type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// Variant is one resized copy, JPEG-encoded.
type Variant struct {
	Size          int // the longest side asked for
	Width, Height int
	JPEG          []byte
}

// Variants decodes data of the given (sniffed) content type and returns one
// variant per size. An image smaller than a size is re-encoded at its own
// size, never enlarged.
func Variants(data []byte, contentType string, sizes []int) ([]Variant, error) {
	c, ok := codecs[contentType]
	if !ok {
		return nil, fmt.Errorf("%w: type %q", ErrUndecodable, contentType)
	}
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels (at most %d)", ErrUndecodable, cfg.Width, cfg.Height, MaxPixels)
	}
	src, err := c.decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	out := make([]Variant, 0, len(sizes))
	for _, size := range sizes {
		v, err := resize(src, size)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func resize(src image.Image, size int) (Variant, error) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if longest := max(w, h); longest > size {
		w, h = max(1, w*size/longest), max(1, h*size/longest)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// JPEG has no alpha: transparent parts become white, not black.
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
		return Variant{}, fmt.Errorf("imaging: encode: %w", err)
	}
	return Variant{Size: size, Width: w, Height: h, JPEG: buf.Bytes()}, nil
}
