package sandbox

import (
	"bytes"
	"fmt"
	"strings"
)

// labelPDF is a one-page A6 shipping label: the tracking number large, the
// parcel's references below. It is written by hand (five objects and an
// xref table) so the same parcel always renders the same bytes, which
// keeps its content-addressed blob key stable across retries.
func labelPDF(lines ...string) []byte {
	var text strings.Builder
	text.WriteString("BT /F1 18 Tf 20 360 Td ")
	for i, l := range lines {
		if i == 1 {
			text.WriteString("/F1 10 Tf ")
		}
		fmt.Fprintf(&text, "(%s) Tj 0 -22 Td ", pdfEscape(l))
	}
	text.WriteString("ET")
	content := text.String()
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfEscape makes s a PDF literal string's body: ASCII only (Helvetica's
// encoding), with the delimiters escaped.
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
